/**
 * Live (as-you-type) mode, wired to the store: while on, renders run back to back as the form
 * changes (live-loop.ts: each takes the text as it is when it starts, the newest text wins, no
 * debounce). They run on the loaded model's few-step variant when the catalog names one (the
 * embedded model's `liveVariant`: Tiny Shapes Turbo, 4 Euler steps, CFG 1, its own scheduler
 * config), with one U-Net call per step and no step previews; the form and the loaded model
 * stay as they are, so turning Live off leaves Generate exactly as it was. Live images appear
 * in the Live panel only; "Keep" saves one to the gallery (live-events.ts says why).
 */
import { selectLiveVariant } from './live-variant.ts';
import { liveParams, type LiveVariant } from './live-events.ts';
import { createLiveLoop } from './live-loop.ts';
import type { GenerationParams } from '../protocol/params.ts';
import type { Studio, StudioStore } from './store.ts';

interface LiveInput {
  params: GenerationParams;
  variant: LiveVariant | null;
  /** Equal keys render the same image. */
  key: string;
}

function liveInputOf(s: Studio): LiveInput {
  const variant = selectLiveVariant(s);
  const params = liveParams(s.params, variant);
  return { params, variant, key: `${variant?.ref.id ?? ''}|${JSON.stringify(params)}` };
}

export function startLive(store: StudioStore): () => void {
  const loop = createLiveLoop<LiveInput>({
    start: (input) => store.getState().renderLive(input.params, input.variant),
    same: (a, b) => a.key === b.key,
  });

  const unsubscribe = store.subscribe((s, prev) => {
    if (!s.settings.live) {
      if (prev.settings.live) loop.reset();
      return;
    }
    if (prev.live.job !== null && s.live.job === null) loop.finished();
    const inputsChanged =
      !prev.settings.live ||
      s.params !== prev.params ||
      s.engine.model !== prev.engine.model ||
      s.models.catalog !== prev.models.catalog;
    if (inputsChanged) loop.edit(liveInputOf(s));
    else loop.poke();
  });
  if (store.getState().settings.live) loop.edit(liveInputOf(store.getState()));
  return unsubscribe;
}
