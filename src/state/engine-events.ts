/**
 * The engine's side of the store as pure functions: every user intent (load, generate, cancel,
 * count tokens) and every event from the engine worker is a function of (state, input) that
 * returns the next state and the effects to run (messages to send, an image to save, a failed
 * load to recover from). No timers, ports or globals here: the bridge (engine-bridge.ts) owns the
 * port and runs the effects; the Node tests drive these functions directly.
 *
 * Requests in flight live in `requests`, a map from job id to what was asked. A terminal event
 * (`ready`, `done`, `error`, `cancelled`, `token-count`) is routed by looking its job up there
 * and removes the entry; an event whose job is not pending is stale and changes nothing.
 */
import type {
  BackendChoice,
  EngineEvent,
  EngineRequest,
  JobId,
  ModelRef,
  RgbaPixels,
  SourceImages,
} from '../protocol/messages.ts';
import { upscaleProblem, type UpscalerRef } from '../protocol/upscale-params.ts';
import { imagesPerJob, validateParams, type GenerationParams, type ParamIssue } from '../protocol/params.ts';
import { endLiveRender, reduceLiveImage, type LiveState } from './live-events.ts';
import { applyModelDefaults, type ModelDefaults } from './model-defaults.ts';
import type {
  EngineStatus,
  GalleryItem,
  JobGroup,
  LastRun,
  ModelLoadFailure,
  Notice,
  PendingRequest,
  QueuedJob,
  RunningJob,
  StudioSettings,
  TokenCounts,
} from './types.ts';

/** The part of the studio's state the engine events read and write. */
export interface EngineData {
  params: GenerationParams;
  paramIssues: ParamIssue[];
  settings: StudioSettings;
  notice: Notice | null;
  engine: EngineStatus;
  job: RunningJob | null;
  queue: QueuedJob[];
  lastRun: LastRun | null;
  /** Live token counters for the prompt boxes (null until the model's tokenizer answers). */
  tokenCounts: TokenCounts | null;
  /** Requests sent to the worker and not answered yet, by job id. */
  requests: Readonly<Record<JobId, PendingRequest>>;
  nextJob: JobId;
  /**
   * The model the engine was last asked to load (reloaded after a restart or by "Reload model"),
   * with the catalog defaults still to apply: they stay until a load of it is ready, so a load
   * that failed (refused on WebGPU, then "Use WASM") still brings the model's defaults.
   */
  currentModel: { model: ModelRef; backend: BackendChoice; defaults: Partial<ModelDefaults> | null } | null;
  gallery: GalleryItem[];
  /** Live mode's render in flight and its newest image (live-events.ts). */
  live: LiveState;
}

/** Why the bridge replaced the engine worker. */
export type EngineLostReason = 'crashed' | 'hung' | 'unreadable-message';

/** What the bridge itself reports: the worker died or hung and was (or was not) replaced. */
export interface EngineLost {
  type: 'engine-lost';
  reason: EngineLostReason;
  /** Raw text (the worker's error message), for a "details" disclosure. */
  detail: string;
  /** False when it stopped too often to try again. */
  restarted: boolean;
}

export type BridgeEvent = EngineEvent | EngineLost;

export type EngineEffect =
  | { type: 'send'; request: EngineRequest }
  /** A finished image is in the gallery: save it (gallery slice), replace older live ones. */
  | { type: 'image-added'; item: GalleryItem }
  /** A model failed to load: the models slice checks its stored files. */
  | { type: 'load-failed'; failure: ModelLoadFailure }
  /** The tokenizer changed: ask for the counters again. */
  | { type: 'count-tokens' };

export interface Reduction {
  state: EngineData;
  effects: EngineEffect[];
}

export interface ReduceContext {
  now: number;
  samplers: readonly string[];
}

const unchanged = (state: EngineData): Reduction => ({ state, effects: [] });

function withoutRequest(requests: EngineData['requests'], job: JobId): EngineData['requests'] {
  const { [job]: _gone, ...rest } = requests;
  return rest;
}

/** The newest pending request of a kind (job ids only grow). */
function newestPending(requests: EngineData['requests'], kind: PendingRequest['kind']): JobId | null {
  let newest: JobId | null = null;
  for (const [job, request] of Object.entries(requests)) {
    if (request.kind === kind && (newest === null || Number(job) > newest)) newest = Number(job);
  }
  return newest;
}

/** Chains reductions, concatenating their effects. */
function then(first: Reduction, next: (state: EngineData) => Reduction): Reduction {
  const second = next(first.state);
  return { state: second.state, effects: [...first.effects, ...second.effects] };
}

// ── intents ──────────────────────────────────────────────────────────────────

/**
 * Asks the engine to load a model. `defaults` (the catalog's) are applied when it is ready;
 * null keeps the form where the model accepts it.
 */
export function requestLoad(
  state: EngineData,
  model: ModelRef,
  backend: BackendChoice,
  defaults: Partial<ModelDefaults> | null,
): Reduction {
  const job = state.nextJob;
  return {
    state: {
      ...state,
      nextJob: job + 1,
      requests: { ...state.requests, [job]: { kind: 'load', model, backend, defaults } },
      currentModel: { model, backend, defaults },
      engine: { ...state.engine, phase: 'loading', loadProgress: null },
      settings: { ...state.settings, backend },
    },
    effects: [{ type: 'send', request: { type: 'load', job, model, backend } }],
  };
}

/** Starts the next queued job when nothing runs and the model is ready. */
export function startNext(state: EngineData): Reduction {
  if (state.job || state.engine.phase !== 'ready') return unchanged(state);
  const [next, ...rest] = state.queue;
  if (!next) return unchanged(state);
  return {
    state: {
      ...state,
      queue: rest,
      requests: { ...state.requests, [next.id]: { kind: 'generate' } },
      job: {
        id: next.id,
        params: next.params,
        image: 0,
        images: next.params.interpolation?.frames ?? imagesPerJob(next.params),
        step: 0,
        steps: next.upscale ? 1 : next.params.steps,
        preview: null,
        cancelling: false,
        ...(next.upscale?.sourceItemId ? { sourceItemId: next.upscale.sourceItemId } : {}),
      },
    },
    effects: [
      {
        type: 'send',
        request: next.upscale
          ? {
              type: 'upscale',
              job: next.id,
              image: next.upscale.image,
              scale: next.upscale.scale,
              upscaler: next.upscale.upscaler,
              seed: next.params.seed,
            }
          : {
              type: 'generate',
              job: next.id,
              params: next.params,
              preview: state.settings.livePreview,
              ...(next.images ? { images: next.images } : {}),
              ...(next.upscaler ? { upscaler: next.upscaler } : {}),
            },
      },
    ],
  };
}

/**
 * Queues an upscale of a gallery image: `params` are what made it, plus A1111's postprocess
 * record; the result is a new gallery item. Refused (with a notice) when the engine is not ready
 * or the size is out of range.
 */
export function enqueueUpscale(
  state: EngineData,
  source: { params: GenerationParams; pixels: RgbaPixels; id?: string },
  scale: number,
  upscaler: UpscalerRef,
): Reduction & { accepted: boolean } {
  if (state.engine.phase !== 'ready') {
    return {
      ...unchanged({
        ...state,
        notice: { kind: 'error', text: 'The engine is not ready yet; try again once the model has loaded.' },
      }),
      accepted: false,
    };
  }
  const problem = upscaleProblem(source.pixels.width, source.pixels.height, scale);
  if (problem) return { ...unchanged({ ...state, notice: { kind: 'error', text: problem } }), accepted: false };
  // An image that was itself upscaled: A1111 records the last postprocess.
  const params: GenerationParams = { ...source.params, postprocess: { upscaleBy: scale, upscaler: upscaler.name } };
  const upscale = { image: source.pixels, scale, upscaler, ...(source.id ? { sourceItemId: source.id } : {}) };
  const queued: QueuedJob = { id: state.nextJob, params, upscale };
  const next = startNext({ ...state, nextJob: state.nextJob + 1, queue: [...state.queue, queued], notice: null });
  return { ...next, accepted: true };
}

/** What a job carries besides the form: image-to-image params and pixels (image-slice.ts). */
export interface JobExtras {
  params?: Partial<GenerationParams>;
  images?: SourceImages;
  /** The model behind a Hires. fix upscaler. */
  upscaler?: UpscalerRef;
  group?: JobGroup;
}

/** Validates the form and queues a job; `accepted` is false when it was refused. */
export function enqueueGenerate(
  state: EngineData,
  samplers: readonly string[],
  extras: JobExtras = {},
): Reduction & { accepted: boolean } {
  const model = state.engine.model;
  if (!model || state.engine.phase !== 'ready') {
    return {
      ...unchanged({ ...state, notice: { kind: 'error', text: 'The model is not loaded yet.' } }),
      accepted: false,
    };
  }
  // The image-to-image parts come from the image slice only (a reused gallery item may have left
  // its own in the form).
  const { image: _image, variation: _variation, interpolation: _frames, postprocess: _pp, ...form } = state.params;
  const params: GenerationParams = { ...form, ...extras.params };
  const issues = validateParams(params, {
    samplers,
    sizeMultiple: model.sizeMultiple,
    backend: state.engine.backend,
  });
  if (issues.length > 0) {
    const notice: Notice = { kind: 'error', text: issues.map((i) => i.message).join(' ') };
    return { ...unchanged({ ...state, paramIssues: issues, notice }), accepted: false };
  }
  const queued: QueuedJob = {
    id: state.nextJob,
    params,
    ...(extras.images ? { images: extras.images } : {}),
    ...(extras.upscaler && params.hires ? { upscaler: extras.upscaler } : {}),
    ...(extras.group ? { group: extras.group } : {}),
  };
  const next = startNext({
    ...state,
    paramIssues: [],
    nextJob: state.nextJob + 1,
    queue: [...state.queue, queued],
    notice: null,
  });
  return { ...next, accepted: true };
}

export function requestCancel(state: EngineData): Reduction {
  const { job } = state;
  if (!job) return unchanged(state);
  return {
    state: { ...state, job: { ...job, cancelling: true } },
    effects: [{ type: 'send', request: { type: 'cancel', job: job.id } }],
  };
}

export const clearQueue = (state: EngineData): Reduction => unchanged({ ...state, queue: [] });

export const removeQueued = (state: EngineData, id: JobId): Reduction =>
  unchanged({ ...state, queue: state.queue.filter((j) => j.id !== id) });

/** Replaces queued work and cancels the running job: the newest input wins (Live mode). */
export function enqueueLatest(
  state: EngineData,
  samplers: readonly string[],
  extras: JobExtras = {},
): Reduction & { accepted: boolean } {
  const cleared = then(clearQueue(state), requestCancel);
  const queued = enqueueGenerate(cleared.state, samplers, extras);
  return { state: queued.state, effects: [...cleared.effects, ...queued.effects], accepted: queued.accepted };
}

/** Asks the loaded model's tokenizer for the prompt boxes' counters. */
export function requestTokenCount(state: EngineData): Reduction {
  if (state.engine.phase !== 'ready') return unchanged(state);
  const job = state.nextJob;
  const { prompt, negativePrompt } = state.params;
  return {
    state: { ...state, nextJob: job + 1, requests: { ...state.requests, [job]: { kind: 'count-tokens' } } },
    effects: [{ type: 'send', request: { type: 'count-tokens', job, prompt, negativePrompt } }],
  };
}

// ── events ───────────────────────────────────────────────────────────────────

/**
 * What made one image: the job's params with its seed, and for an interpolation frame its own
 * variation seed / strength (so every frame is an ordinary, reproducible image; `interpolation`
 * stays only to group the frames into a strip).
 */
function imageParamsOf(params: GenerationParams, event: Extract<EngineEvent, { type: 'image' }>): GenerationParams {
  // An upscaled image keeps what made its source (A1111 extras keep `parameters` as they were).
  if (params.postprocess) return params;
  // Hires. fix: "Size" stays the first pass's, as A1111 writes it.
  if (params.hires) return { ...params, seed: event.seed, batchCount: 1 };
  const out: GenerationParams = {
    ...params,
    seed: event.seed,
    batchCount: 1,
    width: event.width,
    height: event.height,
  };
  const perCall = params.batchSize ?? 1;
  if (perCall > 1) out.batchPos = event.index % perCall;
  if (event.variation) {
    out.variation = {
      seedResizeFromW: 0,
      seedResizeFromH: 0,
      ...params.variation,
      subseed: event.variation.subseed,
      subseedStrength: event.variation.strength,
    };
  }
  return out;
}

export function reduceEngineEvent(state: EngineData, event: BridgeEvent, context: ReduceContext): Reduction {
  switch (event.type) {
    case 'load-progress': {
      if (newestPending(state.requests, 'load') !== event.job) return unchanged(state);
      const loadProgress = { file: event.file, loaded: event.loaded, total: event.total };
      return unchanged({ ...state, engine: { ...state.engine, loadProgress } });
    }
    case 'ready': {
      const pending = state.requests[event.job];
      if (pending?.kind !== 'load') return unchanged(state);
      const requests = withoutRequest(state.requests, event.job);
      // A newer load is queued behind this one: the engine is not ready for what was asked.
      if (newestPending(requests, 'load') !== null) return unchanged({ ...state, requests });
      const stale = state.notice?.source === 'load' || state.notice?.code === 'device-lost';
      const applied = state.currentModel && state.currentModel.model.id === pending.model.id;
      const ready: EngineData = {
        ...state,
        requests,
        currentModel: applied && state.currentModel ? { ...state.currentModel, defaults: null } : state.currentModel,
        engine: {
          phase: 'ready',
          backend: event.backend,
          adapter: event.adapter,
          threads: event.threads,
          crossOriginIsolated: event.crossOriginIsolated,
          model: event.model,
          loadProgress: null,
          restarts: state.engine.restarts,
        },
        params: applyModelDefaults(state.params, event.model, pending.defaults, context.samplers),
        notice: stale ? null : state.notice,
      };
      return then({ state: ready, effects: [{ type: 'count-tokens' }] }, startNext);
    }
    case 'token-count': {
      if (state.requests[event.job]?.kind !== 'count-tokens') return unchanged(state);
      const requests = withoutRequest(state.requests, event.job);
      // Only the newest answer counts; older ones describe text that has changed since.
      if (newestPending(requests, 'count-tokens') !== null) return unchanged({ ...state, requests });
      const { prompt, negativePrompt, fixedSequence } = event;
      return unchanged({ ...state, requests, tokenCounts: { prompt, negativePrompt, fixedSequence } });
    }
    case 'progress': {
      const { job } = state;
      if (job?.id !== event.job) return unchanged(state);
      return unchanged({
        ...state,
        job: {
          ...job,
          image: event.image,
          images: event.images,
          step: event.step,
          steps: event.steps,
          preview: event.preview ?? job.preview,
        },
      });
    }
    case 'image': {
      if (state.requests[event.job]?.kind === 'live') return reduceLiveImage(state, event, context.now);
      const { job } = state;
      if (job?.id !== event.job) return unchanged(state);
      const item: GalleryItem = {
        id: `${context.now.toString(36)}-${event.job}-${event.index}`,
        params: imageParamsOf(job.params, event),
        width: event.width,
        height: event.height,
        rgba: event.rgba,
        png: null,
        thumb: null,
        dbKey: null,
        job: event.job,
        modelId: state.engine.model?.id ?? 'unknown',
        backend: state.engine.backend,
        timings: event.timings,
        createdAt: context.now,
        ...(job.sourceItemId ? { sourceItemId: job.sourceItemId } : {}),
      };
      const notice: Notice | null =
        event.droppedTokens > 0
          ? {
              kind: 'info',
              text: `This model reads one 77-token chunk: ${event.droppedTokens} token(s) at the end of the prompt were dropped.`,
            }
          : state.notice;
      return {
        state: { ...state, gallery: [item, ...state.gallery], notice },
        effects: [{ type: 'image-added', item }],
      };
    }
    case 'done':
    case 'cancelled':
    case 'error':
      return reduceTerminal(state, event);
    case 'pong':
      return unchanged(state);
    case 'engine-lost':
      return reduceEngineLost(state, event);
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

function reduceTerminal(
  state: EngineData,
  event: Extract<EngineEvent, { type: 'done' | 'cancelled' | 'error' }>,
): Reduction {
  const pending = state.requests[event.job];
  if (!pending) return unchanged(state);
  const requests = withoutRequest(state.requests, event.job);
  switch (pending.kind) {
    case 'count-tokens':
      return unchanged({ ...state, requests });
    case 'live':
      return startNext(endLiveRender({ ...state, requests }, event));
    case 'load': {
      if (event.type !== 'error') return unchanged({ ...state, requests });
      const failure: ModelLoadFailure = {
        model: pending.model,
        code: event.code,
        message: event.message,
        file: event.file ?? null,
      };
      const effects: EngineEffect[] = [{ type: 'load-failed', failure }];
      // A load superseded by a newer one fails quietly for the studio (its card still hears).
      if (newestPending(requests, 'load') !== null) return { state: { ...state, requests }, effects };
      return {
        state: {
          ...state,
          requests,
          engine: { ...state.engine, phase: 'error', loadProgress: null },
          notice: {
            kind: 'error',
            text: `Could not load the model: ${event.message}`,
            code: event.code,
            source: 'load',
            ...(event.detail ? { detail: event.detail } : {}),
          },
        },
        effects,
      };
    }
    case 'generate': {
      const { job } = state;
      let next: EngineData = { ...state, requests };
      if (job?.id === event.job) {
        next = { ...next, job: null, lastRun: { outcome: event.type, step: job.step, steps: job.steps } };
      }
      if (event.type === 'error') {
        next = {
          ...next,
          notice: {
            kind: 'error',
            text: event.message,
            code: event.code,
            source: 'engine',
            ...(event.detail ? { detail: event.detail } : {}),
          },
        };
        if (event.code === 'device-lost') next = { ...next, engine: { ...next.engine, phase: 'error' } };
      }
      return startNext(next);
    }
    default: {
      const unreachable: never = pending;
      return unreachable;
    }
  }
}

const LOST_TEXT: Record<EngineLostReason, string> = {
  crashed: 'The engine stopped unexpectedly',
  hung: 'The engine stopped responding',
  'unreadable-message': 'The engine sent a message the page could not read',
};

/**
 * The worker is gone (the bridge has already replaced it, unless `restarted` is false): nothing
 * pending will be answered. The running job ends with a clear message; the queue is kept and
 * runs once the model has been loaded again in the new worker.
 */
function reduceEngineLost(state: EngineData, event: EngineLost): Reduction {
  const { job } = state;
  const what = LOST_TEXT[event.reason];
  const text = !event.restarted
    ? `${what} again and was not restarted. Reload the page to continue (your gallery and settings are kept).`
    : job
      ? `${what} while generating, so that image was not made. The engine was restarted and the model is loading again; ${
          state.queue.length > 0
            ? `the ${state.queue.length} queued job(s) will run next.`
            : 'press Generate to try again.'
        }`
      : `${what}. It was restarted and the model is loading again.`;
  const lost: EngineData = {
    ...state,
    requests: {},
    job: null,
    live: { ...state.live, job: null },
    lastRun: job ? { outcome: 'error', step: job.step, steps: job.steps } : state.lastRun,
    engine: {
      ...state.engine,
      phase: event.restarted ? 'loading' : 'error',
      loadProgress: null,
      restarts: state.engine.restarts + (event.restarted ? 1 : 0),
    },
    notice: { kind: 'error', text, source: 'engine', ...(event.detail ? { detail: event.detail } : {}) },
  };
  if (!event.restarted || !state.currentModel) return unchanged(lost);
  // Load again what was last asked for, with its defaults if they were not applied yet (the
  // person had just chosen that model); otherwise the form stays as it is.
  const { model, backend, defaults } = state.currentModel;
  return requestLoad(lost, model, backend, defaults);
}
