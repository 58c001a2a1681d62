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
import type { LoadedUpscaler } from '../runtime/upscaler-model.ts';
import { upscaleImage, type PixelUpscaler } from '../pipeline/upscale.ts';
import { upscaleProblem, type UpscalerRef } from '../protocol/upscale-params.ts';

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
  /** Loads a super-resolution model on the loaded model's backend (upscale jobs, Hires. fix). */
  loadUpscaler?: (ref: Extract<UpscalerRef, { kind: 'model' }>, backend: Backend) => Promise<LoadedUpscaler>;
}

const asInternal = (error: unknown) =>
  new EngineError(
    'internal',
    'The engine failed on this job. Try again; if it keeps failing, reload the model or switch backend.',
    undefined,
    error instanceof Error ? error.message : String(error),
  );

type QueuedRequest = Extract<EngineRequest, { type: 'load' | 'generate' | 'upscale' }>;

const SAMPLER_IDS = SAMPLERS.map((s) => s.id);

export function createEngine(deps: EngineDeps) {
  const queue: QueuedRequest[] = [];
  const cancelled = new Set<JobId>();
  let running: QueuedRequest | null = null;
  let current: { loaded: LoadedModel; summary: ModelSummary; backend: Backend } | null = null;
  /** A variant of the loaded model that generate requests may ask for (Live's few-step model). */
  let variant: { id: string; loaded: LoadedModel; summary: ModelSummary; backend: Backend } | null = null;

  const post = deps.postEvent;
  /** Loaded upscalers by id, kept across jobs (small next to a diffusion model). */
  const upscalers = new Map<string, LoadedUpscaler>();

  async function pixelUpscaler(ref: UpscalerRef): Promise<PixelUpscaler> {
    if (ref.kind === 'lanczos') return { kind: 'lanczos', name: ref.name };
    let loaded = upscalers.get(ref.id);
    if (!loaded) {
      if (!deps.loadUpscaler) throw new EngineError('model-unsupported', 'This engine cannot load upscaler models.');
      loaded = await deps.loadUpscaler(ref, current?.backend ?? 'wasm');
      upscalers.set(ref.id, loaded);
    }
    return { kind: 'model', name: ref.name, model: loaded.model, tiles: loaded.tiles };
  }

  async function upscale(request: Extract<QueuedRequest, { type: 'upscale' }>) {
    const { image, scale } = request;
    const problem = upscaleProblem(image.width, image.height, scale);
    if (problem) throw new EngineError('bad-params', problem);
    const t0 = deps.now();
    const upscaler = await pixelUpscaler(request.upscaler);
    const result = await upscaleImage({ data: image.rgba, width: image.width, height: image.height }, scale, upscaler, {
      isCancelled: () => cancelled.has(request.job),
      onTile: ({ done, total, pass, passes }) =>
        post({
          type: 'progress',
          job: request.job,
          image: 0,
          images: 1,
          step: pass * total + done,
          steps: passes * total,
        }),
    });
    const totalMs = deps.now() - t0;
    post({
      type: 'image',
      job: request.job,
      index: 0,
      rgba: new Uint8ClampedArray(result.data.buffer as ArrayBuffer),
      width: result.width,
      height: result.height,
      seed: request.seed,
      droppedTokens: 0,
      timings: { tokenizeMs: 0, textEncoderMs: 0, unetMs: [], schedulerMs: 0, vaeMs: 0, totalMs, sessionRunMs: 0 },
    });
    post({ type: 'done', job: request.job });
  }

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
    // Upscalers run on the loaded model's backend (its WebGPU device dies with it): load them again.
    for (const u of upscalers.values()) await u.release().catch(() => undefined);
    upscalers.clear();
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
    const hiresUpscaler =
      params.hires && request.upscaler && request.upscaler.id === params.hires.upscaler
        ? await pixelUpscaler(request.upscaler)
        : null;
    const pipelineRequest = generateRequestFrom(params, params.image ? request.images : null, (id) =>
      hiresUpscaler && id === request.upscaler?.id ? hiresUpscaler : null,
    );
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
        else if (request.type === 'upscale') await upscale(request);
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
        case 'upscale':
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
