/**
 * The params slice: the form's current params and their issues, the studio settings, and the
 * one notice bar. What produced each gallery item is kept with the item, not here.
 */
import type { StateCreator } from 'zustand/vanilla';
import { randomSeed, type GenerationParams, type ParamIssue } from '../protocol/params.ts';
import type { Studio } from './store.ts';
import type { Notice, StudioSettings } from './types.ts';

export const DEFAULT_PARAMS: GenerationParams = {
  prompt: 'a big red circle on a blue background',
  negativePrompt: '',
  seed: '1',
  steps: 20,
  cfg: 7,
  sampler: 'euler',
  width: 64,
  height: 64,
  batchCount: 1,
  batchSize: 1,
};

export const DEFAULT_SETTINGS: StudioSettings = { backend: 'auto', livePreview: true, live: false };

export interface ParamsSlice {
  params: GenerationParams;
  paramIssues: ParamIssue[];
  settings: StudioSettings;
  notice: Notice | null;
  setParam<K extends keyof GenerationParams>(key: K, value: GenerationParams[K]): void;
  setParams(params: Partial<GenerationParams>): void;
  randomizeSeed(random?: () => number): void;
  setSetting<K extends keyof StudioSettings>(key: K, value: StudioSettings[K]): void;
  notify(notice: Notice): void;
  dismissNotice(): void;
}

export const createParamsSlice: StateCreator<Studio, [], [], ParamsSlice> = (set, get) => ({
  params: DEFAULT_PARAMS,
  paramIssues: [],
  settings: DEFAULT_SETTINGS,
  notice: null,
  setParam: (key, value) =>
    set((s) => ({ params: { ...s.params, [key]: value }, paramIssues: s.paramIssues.filter((i) => i.field !== key) })),
  setParams: (params) => set((s) => ({ params: { ...s.params, ...params }, paramIssues: [] })),
  randomizeSeed: (random = Math.random) => get().setParam('seed', randomSeed(random)),
  setSetting: (key, value) => set((s) => ({ settings: { ...s.settings, [key]: value } })),
  notify: (notice) => set({ notice }),
  dismissNotice: () => set({ notice: null }),
});
