/**
 * The typed protocol between the UI thread and the engine worker.
 *
 * One hand-written union per direction (after onnxruntime-web's proxy-messages.ts). Every request
 * carries a job id; `load`, `generate` and `count-tokens` end in exactly one terminal event:
 * `ready` for `load`, `done` for `generate`, `token-count` for `count-tokens`, or `error` /
 * `cancelled`. `ping` is answered by `pong` (the main thread's heartbeat while a job runs). Pixel buffers travel as transferables.
 */
import type { GenerationParams } from './params.ts';
import type { UpscalerRef } from './upscale-params.ts';

export type JobId = number;
export type BackendChoice = 'auto' | 'webgpu' | 'wasm';
export type Backend = 'webgpu' | 'wasm' | 'cpu';

export interface ModelRef {
  id: string;
  /** Base URL of a folder in the diffusers ONNX layout (model_index.json, unet/model.onnx, …). */
  baseUrl: string;
  /** Where the files are read from: `baseUrl` over HTTP (default), or the model store (OPFS). */
  storage?: 'http' | 'opfs';
  /** Graph files whose weights live in another file (external data), e.g. unet/weights.pb. */
  externalData?: readonly ExternalDataRef[];
  /** What the model needs of a WebGPU adapter; checked before any session is created. */
  requirements?: ModelRequirements;
}

export interface ExternalDataRef {
  /** The graph, e.g. "unet/model.onnx". */
  graph: string;
  /** Its weights file, e.g. "unet/model.onnx_data"; its base name is what the graph records. */
  data: string;
}

export interface ModelRequirements {
  /** float16 compute on the GPU: the adapter needs the `shader-f16` feature. */
  shaderF16?: boolean;
  /** Largest single weight tensor in bytes (vs maxStorageBufferBindingSize and maxBufferSize). */
  largestWeightBytes?: number;
  /** Rough GPU memory to run it, for the message when loading fails. */
  estimatedGpuBytes?: number;
  /** Heap the WASM backend needs (measured on the replicas); checked against the 4 GiB wasm32 limit. */
  wasmBytes?: number;
  /** Total bytes of its files, for an estimate of wasmBytes when none was measured. */
  fileBytes?: number;
}

export type ErrorCode =
  | 'bad-params'
  | 'no-model'
  | 'model-missing-file'
  | 'model-corrupt'
  | 'model-unsupported'
  | 'backend-unavailable'
  | 'device-lost'
  | 'out-of-memory'
  | 'internal';

export interface ModelSummary {
  id: string;
  /** Default image size in pixels (U-Net sample size × VAE factor). */
  width: number;
  height: number;
  /** Sizes must be multiples of this (VAE factor × 8). */
  sizeMultiple: number;
  defaultSampler: string;
  /** Token limit of the text encoder per chunk, 77 for CLIP. */
  maxTokens: number;
  /** True when the U-Net only accepts one 77-token chunk (long prompts are truncated). */
  fixedSequence: boolean;
  /** The model ships a VAE encoder: img2img, inpainting and outpainting are possible. */
  vaeEncoder?: boolean;
  /** U-Net `sample` channels: 4, or 9 for an inpainting U-Net (it needs an image and a mask). */
  unetInChannels?: number;
}

/** Per-phase wall-clock times of one image, as the pipeline measures them. */
export interface ImageTimings {
  tokenizeMs: number;
  textEncoderMs: number;
  unetMs: number[];
  schedulerMs: number;
  vaeMs: number;
  totalMs: number;
}

/** What the engine reports per image: the pipeline's phases plus the time inside session.run. */
export interface PhaseTimings extends ImageTimings {
  /** Σ of time spent inside session.run, for the overhead ratio the bench prints. */
  sessionRunMs: number;
}

export type EngineRequest =
  | { type: 'load'; job: JobId; model: ModelRef; backend: BackendChoice }
  | {
      type: 'generate';
      job: JobId;
      params: GenerationParams;
      preview: boolean;
      /** The source image (and mask) when `params.image` is set: img2img, inpainting, outpainting. */
      images?: SourceImages;
      /**
       * Run on this model instead of the loaded one (Live mode's few-step variant of it). The
       * engine loads it on first use, on the loaded model's backend, and keeps it beside the
       * loaded model until another model is loaded; the loaded model stays as it is.
       */
      variant?: ModelRef;
      /** The model behind `params.hires.upscaler` when it is one (not Latent or Lanczos). */
      upscaler?: UpscalerRef;
    }
  /**
   * Upscales one image (the gallery's "Upscale ×2 / ×4"): progress per tile, one `image` event
   * (echoing `seed`), then `done`. Cancel stops it between tiles.
   */
  | { type: 'upscale'; job: JobId; image: RgbaPixels; scale: number; upscaler: UpscalerRef; seed: string }
  | { type: 'cancel'; job: JobId }
  /** Answered at once, between denoising steps if a job runs: the prompt boxes' token counters. */
  | { type: 'count-tokens'; job: JobId; prompt: string; negativePrompt: string }
  /**
   * Liveness: answered with `pong` as soon as the worker's event loop is free (between steps).
   * Its `job` is the ping's own sequence number, not a job of the queue.
   */
  | { type: 'ping'; job: JobId };

export interface RgbaPixels {
  rgba: Uint8ClampedArray;
  width: number;
  height: number;
}

export interface SourceImages {
  source: RgbaPixels;
  /** White = repaint (luminance × alpha). Absent: plain img2img (or outpaint-only). */
  mask?: RgbaPixels;
}

export interface TokenCount {
  used: number;
  limit: number;
  /** The text is over the form's character limit and was not tokenized. */
  tooLong?: true;
}

export type EngineEvent =
  | { type: 'load-progress'; job: JobId; file: string; loaded: number; total: number }
  | {
      type: 'ready';
      job: JobId;
      backend: Backend;
      adapter: string | null;
      threads: number;
      crossOriginIsolated: boolean;
      model: ModelSummary;
    }
  | {
      type: 'progress';
      job: JobId;
      image: number;
      images: number;
      step: number;
      steps: number;
      preview?: { rgba: Uint8ClampedArray; width: number; height: number };
    }
  | {
      type: 'image';
      job: JobId;
      index: number;
      rgba: Uint8ClampedArray;
      width: number;
      height: number;
      seed: string;
      timings: PhaseTimings;
      /** Tokens dropped because the model accepts only one 77-token chunk. */
      droppedTokens: number;
      /** The variation seed / strength this image used (interpolation frames set it per frame). */
      variation?: { subseed: string; strength: number } | null;
      /** Prompt interpolation position of this frame, when interpolating prompts. */
      promptMix?: number | null;
    }
  | { type: 'token-count'; job: JobId; prompt: TokenCount; negativePrompt: TokenCount; fixedSequence: boolean }
  | { type: 'done'; job: JobId }
  | {
      type: 'error';
      job: JobId;
      code: ErrorCode;
      /** What went wrong and what to do, in the person's words. */
      message: string;
      /**
       * The raw engine text behind it (onnxruntime's message, a stack line), for a "details"
       * disclosure and bug reports; never the headline.
       */
      detail?: string;
      /** The model file at fault, when known. */ file?: string;
    }
  | { type: 'cancelled'; job: JobId }
  | { type: 'pong'; job: JobId };

/** The buffers to transfer with an event, so pixels move instead of being copied. */
export function transferablesOf(event: EngineEvent): ArrayBuffer[] {
  switch (event.type) {
    case 'image':
      return [event.rgba.buffer as ArrayBuffer];
    case 'progress':
      return event.preview ? [event.preview.rgba.buffer as ArrayBuffer] : [];
    case 'load-progress':
    case 'token-count':
    case 'ready':
    case 'done':
    case 'error':
    case 'cancelled':
    case 'pong':
      return [];
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

/** An error that already knows which code and message the user should see. */
export class EngineError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** The model file at fault (e.g. "unet/model.onnx"), when the error is about one. */
    readonly file?: string,
    /** Raw engine text behind the sentence in `message`, for the "Details" disclosure. */
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}
