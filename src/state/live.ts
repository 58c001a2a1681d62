/**
 * Live (as-you-type) mode: while on, every change of the form re-renders after a short pause;
 * queued work is dropped and the running job cancelled, so at most one job runs and the newest
 * input wins (`generateLatest`). Each live result replaces the previous one in the gallery, so a
 * typing session leaves one image: the last prompt's.
 */
import type { JobId } from '../protocol/messages.ts';
import type { StudioStore } from './store.ts';

export const LIVE_DEBOUNCE_MS = 150;

export function startLive(store: StudioStore): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const liveJobs = new Set<JobId>();
  /** Gallery items made by live jobs, with their job. */
  const liveItems = new Map<string, JobId>();

  const render = () => {
    timer = null;
    const state = store.getState();
    if (!state.settings.live || state.engine.phase !== 'ready') return;
    // Validation errors stay quiet while typing: the form marks the field, nothing runs.
    if (!state.generateLatest()) {
      store.setState({ notice: null });
      return;
    }
    const after = store.getState();
    const job = after.queue.at(-1)?.id ?? after.job?.id;
    if (job !== undefined) liveJobs.add(job);
  };

  const unsubscribe = store.subscribe((s, prev) => {
    if (prev.settings.live && !s.settings.live) {
      // Turning Live off keeps the last result as an ordinary gallery image.
      liveItems.clear();
      liveJobs.clear();
      if (timer !== null) clearTimeout(timer);
      timer = null;
      return;
    }
    if (!s.settings.live) return;
    const turnedOn = !prev.settings.live;
    if (s.params === prev.params && !turnedOn) return;
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(render, LIVE_DEBOUNCE_MS);
  });

  const stopObserving = store.getState().onImageAdded((item) => {
    if (item.job === null || !liveJobs.has(item.job)) return;
    for (const [id, job] of liveItems) {
      if (job !== item.job) {
        liveItems.delete(id);
        void store.getState().deleteGalleryItem(id);
      }
    }
    liveItems.set(item.id, item.job);
  });

  return () => {
    unsubscribe();
    stopObserving();
    if (timer !== null) clearTimeout(timer);
  };
}
