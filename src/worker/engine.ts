/**
 * The engine behind the worker protocol: one job at a time, in order; cooperative cancel between
 * denoising steps; exactly one terminal event per request; `ping` answered at once. It knows
 * nothing about Web Workers or onnxruntime: the worker entry gives it `postEvent`, a model loader
 * and the runtime's error classification (src/runtime/errors.ts), and the Node tests give it
 * onnxruntime-node, so the same queue and cancel logic is tested without a browser.
 */
import { CancelledError, generate as runPipeline, previewOf } from '../pipeline/generate.ts';
import { generateRequestFrom } from '../pipeline/request.ts';
import {
  EngineError,
  type Backend,
  type BackendChoice,
  type EngineEvent,
  type EngineRequest,
  type JobId,
  type ModelRef,
  type ModelSummary,
} from '../protocol/messages.ts';
import { validateParams } from '../protocol/params.ts';
import { countTokens } from '../prompt/index.ts';
import { SAMPLERS } from '../schedulers/index.ts';
import type { LoadedModel } from '../runtime/ort-model.ts';

export interface LoadResult {
  loaded: LoadedModel;
  backend: Backend;
  adapter: string | null;
  threads: number;
  crossOriginIsolated: boolean;
}

export interface EngineDeps {
  postEvent: (event: EngineEvent) => void;
  loadModel: (
    model: ModelRef,
    backend: BackendChoice,
    onProgress: (file: string, loaded: number, total: number) => void,
  ) => Promise<LoadResult>;
  now: () => number;
  /** What a thrown error means for the person (src/runtime/errors.ts); EngineErrors pass as they are. */
  classifyError?: (error: unknown) => EngineError;
}

const asInternal = (error: unknown) =>
  new EngineError(
    'internal',
    'The engine failed on this job. Try again; if it keeps failing, reload the model or switch backend.',
    undefined,
    error instanceof Error ? error.message : String(error),
  );

type QueuedRequest = Extract<EngineRequest, { type: 'load' | 'generate' }>;

const SAMPLER_IDS = SAMPLERS.map((s) => s.id);

export function createEngine(deps: EngineDeps) {
  const queue: QueuedRequest[] = [];
  const cancelled = new Set<JobId>();
  let running: QueuedRequest | null = null;
  let current: { loaded: LoadedModel; summary: ModelSummary; backend: Backend } | null = null;
  /** A variant of the loaded model that generate requests may ask for (Live's few-step model). */
  let variant: { id: string; loaded: LoadedModel; summary: ModelSummary; backend: Backend } | null = null;

  const post = deps.postEvent;

  function fail(job: JobId, error: unknown) {
    if (error instanceof CancelledError) {
      post({ type: 'cancelled', job });
      return;
    }
    const e = error instanceof EngineError ? error : (deps.classifyError ?? asInternal)(error);
    post({
      type: 'error',
      job,
      code: e.code,
      message: e.message,
      ...(e.file ? { file: e.file } : {}),
      ...(e.detail ? { detail: e.detail } : {}),
    });
  }

  async function load(request: Extract<QueuedRequest, { type: 'load' }>) {
    const previous = current;
    const previousVariant = variant;
    current = null;
    variant = null;
    await previous?.loaded.release().catch(() => undefined);
    await previousVariant?.loaded.release().catch(() => undefined);
    const result = await deps.loadModel(request.model, request.backend, (file, loaded, total) =>
      post({ type: 'load-progress', job: request.job, file, loaded, total }),
    );
    current = { loaded: result.loaded, summary: result.loaded.summary, backend: result.backend };
    post({
      type: 'ready',
      job: request.job,
      backend: result.backend,
      adapter: result.adapter,
      threads: result.threads,
      crossOriginIsolated: result.crossOriginIsolated,
      model: result.loaded.summary,
    });
  }

  /** The variant a request asks for, loaded once on the loaded model's backend. */
  async function variantFor(ref: ModelRef) {
    if (!current) throw new EngineError('no-model', 'No model is loaded. Load a model first.');
    if (variant?.id === ref.id) return variant;
    const old = variant;
    variant = null;
    await old?.loaded.release().catch(() => undefined);
    const backend: BackendChoice = current.backend === 'cpu' ? 'auto' : current.backend;
    const result = await deps.loadModel(ref, backend, () => undefined);
    variant = { id: ref.id, loaded: result.loaded, summary: result.loaded.summary, backend: result.backend };
    return variant;
  }

  async function generate(request: Extract<QueuedRequest, { type: 'generate' }>) {
    if (!current) throw new EngineError('no-model', 'No model is loaded. Load a model first.');
    const target = request.variant ? await variantFor(request.variant) : current;
    const { params } = request;
    const issues = validateParams(params, {
      samplers: SAMPLER_IDS,
      sizeMultiple: target.summary.sizeMultiple,
      backend: target.backend,
    });
    if (issues.length > 0) throw new EngineError('bad-params', issues.map((i) => i.message).join(' '));
    const { model, stats } = target.loaded;
    if (params.image && !request.images) throw new EngineError('bad-params', 'Choose a source image first.');
    if (params.image && !model.vaeEncoder) {
      throw new EngineError('model-unsupported', 'This model has no VAE encoder, so it cannot start from an image.');
    }
    const pipelineRequest = generateRequestFrom(params, params.image ? request.images : null);
    const images = params.interpolation ? params.interpolation.frames : pipelineRequest.seeds.length;
    let runMsAtImageStart = stats.sessionRunMs;
    await runPipeline(model, pipelineRequest, {
      clock: deps.now,
      isCancelled: () => cancelled.has(request.job),
      onStep: ({ image, step, steps, latents }) => {
        post({
          type: 'progress',
          job: request.job,
          image,
          images,
          step,
          steps,
          ...(request.preview ? { preview: previewOf(model, latents) } : {}),
        });
      },
      onImage: (image) => {
        post({
          type: 'image',
          job: request.job,
          index: image.index,
          rgba: image.rgba,
          width: image.width,
          height: image.height,
          seed: image.seed,
          droppedTokens: image.droppedTokens,
          variation: image.variation,
          promptMix: image.promptMix,
          timings: { ...image.timings, sessionRunMs: stats.sessionRunMs - runMsAtImageStart },
        });
        runMsAtImageStart = stats.sessionRunMs;
      },
    });
    post({ type: 'done', job: request.job });
  }

  async function drain() {
    while (!running && queue.length > 0) {
      const request = queue.shift() as QueuedRequest;
      running = request;
      try {
        if (cancelled.has(request.job)) throw new CancelledError();
        if (request.type === 'load') await load(request);
        else await generate(request);
      } catch (error) {
        fail(request.job, error);
      } finally {
        cancelled.delete(request.job);
        running = null;
      }
    }
  }

  return {
    handle(request: EngineRequest): void {
      switch (request.type) {
        case 'cancel': {
          const index = queue.findIndex((q) => q.job === request.job);
          if (index >= 0) {
            queue.splice(index, 1);
            post({ type: 'cancelled', job: request.job });
          } else if (running?.job === request.job) {
            cancelled.add(request.job);
          }
          return;
        }
        case 'ping':
          post({ type: 'pong', job: request.job });
          return;
        case 'count-tokens': {
          if (!current) {
            post({ type: 'error', job: request.job, code: 'no-model', message: 'No model is loaded.' });
            return;
          }
          const { tokenizer } = current.loaded.model;
          post({
            type: 'token-count',
            job: request.job,
            prompt: countTokens(request.prompt, tokenizer),
            negativePrompt: countTokens(request.negativePrompt, tokenizer),
            fixedSequence: current.summary.fixedSequence,
          });
          return;
        }
        case 'load':
        case 'generate':
          queue.push(request);
          void drain();
          return;
        default: {
          const unreachable: never = request;
          throw new Error(`unknown request ${JSON.stringify(unreachable)}`);
        }
      }
    },
    /** For tests and the worker's idle checks. */
    get busy() {
      return running !== null || queue.length > 0;
    },
  };
}

export type Engine = ReturnType<typeof createEngine>;
