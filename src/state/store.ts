/**
 * The studio's one store: a framework-free zustand store made of slices (zustand's slices
 * pattern), created once per page by `createStudioStore` (src/state/studio.ts holds the app's;
 * each test makes its own). Each slice owns its facts and actions:
 *
 *   params   the form, settings, the notice bar            params-slice.ts
 *   engine   engine status, running job, queue, token counts, pending requests;
 *            intents and events reduced by engine-events.ts, sent by engine-bridge.ts
 *                                                          engine-slice.ts
 *   gallery  images, IndexedDB, cross-tab sync             gallery-slice.ts
 *   models   catalog, stored models, downloads, storage    models-slice.ts
 *   pwa      offline ready, update waiting                 pwa-slice.ts
 *   image    img2img / inpaint source, mask, settings;
 *            variation seeds, interpolation                image-slice.ts
 *
 * Mutable things that are not state (the ports, timers, a database handle) live in each
 * slice's closure, so two stores never share anything.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { createEngineSlice, type EngineSlice } from './engine-slice.ts';
import { createGallerySlice, type GallerySlice } from './gallery-slice.ts';
import { createImageSlice, type ImageSlice } from './image-slice.ts';
import { createModelsSlice, type ModelsSlice } from './models-slice.ts';
import { createParamsSlice, type ParamsSlice } from './params-slice.ts';
import { createPwaSlice, type PwaSlice } from './pwa-slice.ts';
import type { GenerationParams } from '../protocol/params.ts';

export type Studio = ParamsSlice & EngineSlice & GallerySlice & ModelsSlice & PwaSlice & ImageSlice;
export type StudioStore = StoreApi<Studio>;

export function createStudioStore(): StudioStore {
  return createStore<Studio>()((...a) => ({
    ...createParamsSlice(...a),
    ...createEngineSlice(...a),
    ...createGallerySlice(...a),
    ...createModelsSlice(...a),
    ...createPwaSlice(...a),
    ...createImageSlice(...a),
  }));
}

// ── selectors ────────────────────────────────────────────────────────────────
export const selectCanGenerate = (s: Studio) => s.engine.phase === 'ready';
export const selectIssueFor = (field: keyof GenerationParams) => (s: Studio) =>
  s.paramIssues.find((i) => i.field === field)?.message ?? null;
/** Why leaving the page now would lose something (a job, queued work, an image being saved). */
export function selectUnloadRisk(s: Studio): string | null {
  if (s.galleryStatus.saving > 0) return 'an image is still being saved to the gallery';
  if (s.job) return 'an image is being generated';
  if (s.queue.length > 0) return `${s.queue.length} job(s) are queued`;
  // A download is not a risk: it resumes where it stopped after the reload.
  return null;
}
