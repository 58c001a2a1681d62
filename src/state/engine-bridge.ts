/**
 * Connects the store to the engine worker: turns user intents into EngineRequests and
 * EngineEvents into state. The UI-side queue lives here so it can be shown and cleared; the
 * worker runs one generate at a time.
 */
import type { BackendChoice, EngineEvent, EngineRequest, ErrorCode, JobId, ModelRef } from '../protocol/messages.ts';
import { validateParams, type GenerationParams } from '../protocol/params.ts';
import { SAMPLERS } from '../schedulers/index.ts';
import { DEFAULT_PARAMS, studio, type GalleryItem } from './store.ts';

/** What the bridge needs of a Worker (so tests can pass any message port). */
export interface EnginePort {
  postMessage(message: EngineRequest): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<EngineEvent>) => void): void;
  addEventListener(type: 'error', listener: (event: ErrorEvent) => void): void;
}

let port: EnginePort | null = null;
let nextJob: JobId = 1;
let loadJob: JobId | null = null;
let currentModel: ModelRef | null = null;
const listeners = new Set<(item: GalleryItem) => void>();

export interface ModelLoadFailure {
  model: ModelRef;
  code: ErrorCode;
  message: string;
  /** The model file at fault, when the engine knows it. */
  file: string | null;
}
const loadFailureListeners = new Set<(failure: ModelLoadFailure) => void>();

/** Lets the model manager react when a stored model fails to load (e.g. re-download a file). */
export function onModelLoadFailed(listener: (failure: ModelLoadFailure) => void): () => void {
  loadFailureListeners.add(listener);
  return () => loadFailureListeners.delete(listener);
}

/** The model the engine was last asked to load. */
export const selectCurrentModelRef = (): ModelRef | null => currentModel;

/** Lets persistence (the gallery DB) observe finished images without the bridge knowing it. */
export function onImageAdded(listener: (item: GalleryItem) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const samplerIds = SAMPLERS.map((s) => s.id);

export function connectEngine(enginePort: EnginePort): void {
  port = enginePort;
  port.addEventListener('message', (event) => handleEvent(event.data));
  port.addEventListener('error', (event) => {
    studio.setState({ notice: { kind: 'error', text: `The engine worker failed: ${event.message}` } });
  });
}

function send(request: EngineRequest) {
  if (!port) throw new Error('engine not connected');
  port.postMessage(request);
}

export function loadModel(model: ModelRef, backend: BackendChoice = studio.getState().settings.backend): void {
  currentModel = model;
  loadJob = nextJob++;
  studio.setState((s) => ({
    engine: { ...s.engine, phase: 'loading', loadProgress: null },
    settings: { ...s.settings, backend },
  }));
  send({ type: 'load', job: loadJob, model, backend });
}

export function reloadModel(backend?: BackendChoice): void {
  if (currentModel) loadModel(currentModel, backend);
}

/** Validates the form; queues a job (or several presses' worth). Returns false when rejected. */
export function generate(): boolean {
  const state = studio.getState();
  const model = state.engine.model;
  if (!model || state.engine.phase !== 'ready') {
    studio.setState({ notice: { kind: 'error', text: 'The model is not loaded yet.' } });
    return false;
  }
  const issues = validateParams(state.params, {
    samplers: samplerIds,
    sizeMultiple: model.sizeMultiple,
    backend: state.engine.backend,
  });
  studio.setState({ paramIssues: issues });
  if (issues.length > 0) {
    studio.setState({ notice: { kind: 'error', text: issues.map((i) => i.message).join(' ') } });
    return false;
  }
  const job = { id: nextJob++, params: { ...state.params } };
  studio.setState((s) => ({ queue: [...s.queue, job], notice: null }));
  pump();
  return true;
}

/** Starts the next queued job when nothing runs. */
function pump() {
  const state = studio.getState();
  if (state.job || state.queue.length === 0 || state.engine.phase !== 'ready') return;
  const [next, ...rest] = state.queue;
  if (!next) return;
  studio.setState({
    queue: rest,
    job: {
      id: next.id,
      params: next.params,
      image: 0,
      images: next.params.batchCount,
      step: 0,
      steps: next.params.steps,
      preview: null,
      cancelling: false,
    },
  });
  send({ type: 'generate', job: next.id, params: next.params, preview: state.settings.livePreview });
}

let countTimer: ReturnType<typeof setTimeout> | null = null;
let lastCountJob: JobId | null = null;

/** Asks the worker's tokenizer for the counters, debounced so typing stays smooth. */
export function requestTokenCount(delayMs = 120): void {
  if (countTimer) clearTimeout(countTimer);
  countTimer = setTimeout(() => {
    countTimer = null;
    const { params, engine } = studio.getState();
    if (engine.phase !== 'ready') return;
    lastCountJob = nextJob++;
    send({ type: 'count-tokens', job: lastCountJob, prompt: params.prompt, negativePrompt: params.negativePrompt });
  }, delayMs);
}

export function cancelJob(): void {
  const job = studio.getState().job;
  if (!job) return;
  studio.setState({ job: { ...job, cancelling: true } });
  send({ type: 'cancel', job: job.id });
}

export function clearQueue(): void {
  studio.setState({ queue: [] });
}

/** Replaces queued work and cancels the running job: the newest input wins (Live mode). */
export function generateLatest(): boolean {
  clearQueue();
  cancelJob();
  return generate();
}

function handleEvent(event: EngineEvent) {
  switch (event.type) {
    case 'load-progress':
      if (event.job === loadJob) {
        studio.setState((s) => ({
          engine: { ...s.engine, loadProgress: { file: event.file, loaded: event.loaded, total: event.total } },
        }));
      }
      return;
    case 'ready':
      studio.setState((s) => ({
        engine: {
          phase: 'ready',
          backend: event.backend,
          adapter: event.adapter,
          threads: event.threads,
          crossOriginIsolated: event.crossOriginIsolated,
          model: event.model,
          loadProgress: null,
        },
        params: adaptParamsToModel(
          s.params,
          event.model,
          s.engine.model !== null && s.engine.model.id !== event.model.id,
        ),
        notice: s.notice?.code === 'device-lost' ? null : s.notice,
      }));
      requestTokenCount(0);
      pump();
      return;
    case 'token-count':
      // Only the newest answer counts; older ones describe text that has changed since.
      if (event.job === lastCountJob) {
        studio.setState({
          tokenCounts: {
            prompt: event.prompt,
            negativePrompt: event.negativePrompt,
            fixedSequence: event.fixedSequence,
          },
        });
      }
      return;
    case 'progress':
      studio.setState((s) =>
        s.job?.id === event.job
          ? {
              job: {
                ...s.job,
                image: event.image,
                images: event.images,
                step: event.step,
                steps: event.steps,
                preview: event.preview ?? s.job.preview,
              },
            }
          : {},
      );
      return;
    case 'image': {
      const state = studio.getState();
      const job = state.job?.id === event.job ? state.job : null;
      if (!job) return;
      const item: GalleryItem = {
        id: `${Date.now().toString(36)}-${event.job}-${event.index}`,
        params: { ...job.params, seed: event.seed, batchCount: 1 },
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
        createdAt: Date.now(),
      };
      studio.setState((s) => ({ gallery: [item, ...s.gallery] }));
      if (event.droppedTokens > 0) {
        studio.setState({
          notice: {
            kind: 'info',
            text: `This model reads one 77-token chunk: ${event.droppedTokens} token(s) at the end of the prompt were dropped.`,
          },
        });
      }
      for (const listener of listeners) listener(item);
      return;
    }
    case 'done':
    case 'cancelled':
    case 'error': {
      if (event.job === lastCountJob && event.type === 'error') return;
      if (event.job === loadJob) {
        loadJob = null;
        if (event.type === 'error') {
          studio.setState((s) => ({
            engine: { ...s.engine, phase: 'error', loadProgress: null },
            notice: {
              kind: 'error',
              text: `Could not load the model: ${event.message}`,
              code: event.code,
              ...(event.detail ? { detail: event.detail } : {}),
            },
          }));
          if (currentModel) {
            const failure = { model: currentModel, code: event.code, message: event.message, file: event.file ?? null };
            for (const listener of loadFailureListeners) listener(failure);
          }
        }
        return;
      }
      const job = studio.getState().job;
      if (job?.id !== event.job) return;
      const outcome = event.type === 'done' ? 'done' : event.type === 'cancelled' ? 'cancelled' : 'error';
      studio.setState({ job: null, lastRun: { outcome, step: job.step, steps: job.steps } });
      if (event.type === 'error') {
        studio.setState({
          notice: {
            kind: 'error',
            text: event.message,
            code: event.code,
            ...(event.detail ? { detail: event.detail } : {}),
          },
        });
        if (event.code === 'device-lost') {
          studio.setState((s) => ({ engine: { ...s.engine, phase: 'error' } }));
        }
      }
      pump();
      return;
    }
    default: {
      const unreachable: never = event;
      console.warn('unknown engine event', unreachable);
    }
  }
}

/**
 * Keeps the form valid for a newly loaded model: its default size and sampler when the model
 * changed or the form is untouched; on the first load, params restored from the last visit are
 * kept where the model accepts them.
 */
function adaptParamsToModel(
  params: GenerationParams,
  model: { width: number; height: number; defaultSampler: string; sizeMultiple: number },
  modelChanged: boolean,
): GenerationParams {
  if (modelChanged || params === DEFAULT_PARAMS) {
    return { ...params, width: model.width, height: model.height, sampler: model.defaultSampler };
  }
  const fits = (n: number) => n % model.sizeMultiple === 0;
  const sizeOk = fits(params.width) && fits(params.height);
  const samplerOk = samplerIds.some((id) => id === params.sampler);
  if (sizeOk && samplerOk) return params;
  return {
    ...params,
    ...(sizeOk ? {} : { width: model.width, height: model.height }),
    ...(samplerOk ? {} : { sampler: model.defaultSampler }),
  };
}
