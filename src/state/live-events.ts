/**
 * Live mode's side of the engine reducer (pure, like engine-events.ts): a live render is a
 * generate request of its own kind. Its image goes to `live.image`, shown in the Live panel,
 * never to the gallery: a typing session would otherwise write dozens of PNGs to IndexedDB on
 * the critical path. "Keep" (engine-slice `keepLiveImage`) saves the one the person wants.
 * At most one live render is in flight; it never has step previews; it runs on the loaded
 * model's few-step variant when the catalog names one (the worker keeps that beside the loaded
 * model), with the variant's steps / CFG / sampler, while the form keeps its own settings.
 */
import type { EngineEvent, JobId, ModelRef, PhaseTimings } from '../protocol/messages.ts';
import { validateParams, type GenerationParams } from '../protocol/params.ts';
import type { EngineData, Reduction } from './engine-events.ts';
import type { ModelDefaults } from './model-defaults.ts';

export interface LiveImage {
  job: JobId;
  rgba: Uint8ClampedArray;
  width: number;
  height: number;
  /** What made it (the text as it was when its render started). */
  params: GenerationParams;
  modelId: string;
  timings: PhaseTimings;
  createdAt: number;
}

export interface LiveState {
  /** The live render in flight, if any. */
  job: JobId | null;
  /** The newest live image. */
  image: LiveImage | null;
  /** Live images made in this page's life (the bench and the e2e spec count them). */
  rendered: number;
  /**
   * The engine failure of the last live render(s), until one succeeds: the same failure again
   * (every key while, say, a model file is missing) is not shown again over and over.
   */
  failure: string | null;
}

export const initialLiveState: LiveState = { job: null, image: null, rendered: 0, failure: null };

/** The model Live renders with instead of the loaded one, and its settings. */
export interface LiveVariant {
  ref: ModelRef;
  name: string;
  defaults: Pick<ModelDefaults, 'steps' | 'cfg' | 'sampler'>;
}

/** What one live render runs: the form's text and seed, one image, the variant's sampling. */
export function liveParams(form: GenerationParams, variant: LiveVariant | null): GenerationParams {
  const { image: _image, variation: _variation, interpolation: _frames, batchPos: _pos, ...rest } = form;
  const params: GenerationParams = { ...rest, batchCount: 1, batchSize: 1 };
  if (variant) {
    params.steps = variant.defaults.steps;
    params.cfg = variant.defaults.cfg;
    params.sampler = variant.defaults.sampler;
  }
  return params;
}

export type LiveStart = 'started' | 'busy' | 'invalid';

/**
 * Starts a live render unless one runs, a Generate job runs or waits (it wins), or the engine is
 * not ready ('busy': try again later). Params that cannot run are skipped quietly ('invalid'):
 * the form already marks the field while the person types.
 */
export function requestLiveRender(
  state: EngineData,
  samplers: readonly string[],
  params: GenerationParams,
  variant: LiveVariant | null,
): Reduction & { start: LiveStart } {
  const model = state.engine.model;
  if (!model || state.engine.phase !== 'ready' || state.live.job !== null || state.job || state.queue.length > 0) {
    return { state, effects: [], start: 'busy' };
  }
  const issues = validateParams(params, { samplers, sizeMultiple: model.sizeMultiple, backend: state.engine.backend });
  if (issues.length > 0) return { state, effects: [], start: 'invalid' };
  const job = state.nextJob;
  return {
    state: {
      ...state,
      nextJob: job + 1,
      requests: { ...state.requests, [job]: { kind: 'live', params, modelId: variant?.ref.id ?? model.id } },
      live: { ...state.live, job },
    },
    effects: [
      {
        type: 'send',
        request: { type: 'generate', job, params, preview: false, ...(variant ? { variant: variant.ref } : {}) },
      },
    ],
    start: 'started',
  };
}

export function reduceLiveImage(
  state: EngineData,
  event: Extract<EngineEvent, { type: 'image' }>,
  now: number,
): Reduction {
  const pending = state.requests[event.job];
  if (pending?.kind !== 'live') return { state, effects: [] };
  const image: LiveImage = {
    job: event.job,
    rgba: event.rgba,
    width: event.width,
    height: event.height,
    params: { ...pending.params, seed: event.seed },
    modelId: pending.modelId,
    timings: event.timings,
    createdAt: now,
  };
  return {
    state: { ...state, live: { ...state.live, image, rendered: state.live.rendered + 1, failure: null } },
    effects: [],
  };
}

/** The live render ended (done, cancelled or failed); an engine failure is shown, params ones are not. */
export function endLiveRender(
  state: EngineData,
  event: Extract<EngineEvent, { type: 'done' | 'cancelled' | 'error' }>,
): EngineData {
  const live = state.live.job === event.job ? { ...state.live, job: null } : state.live;
  if (event.type !== 'error' || event.code === 'bad-params') return { ...state, live };
  const failure = `${event.code}: ${event.message}`;
  if (failure === state.live.failure) return { ...state, live };
  return {
    ...state,
    live: { ...live, failure },
    notice: {
      kind: 'error',
      text: `Live mode: ${event.message}`,
      code: event.code,
      source: 'engine',
      ...(event.detail ? { detail: event.detail } : {}),
    },
  };
}
