/**
 * The data the studio's store holds, slice by slice (see store.ts). Types only: the pure engine
 * reducer (engine-events.ts), the slices and the UI share them. Sessions and tensors never live
 * in the store; pixels do only until the PNG exists.
 */
import type {
  Backend,
  BackendChoice,
  ErrorCode,
  JobId,
  ModelRef,
  ModelSummary,
  PhaseTimings,
  RgbaPixels,
  SourceImages,
  TokenCount,
} from '../protocol/messages.ts';
import type { GenerationParams } from '../protocol/params.ts';
import type { UpscalerRef } from '../protocol/upscale-params.ts';
import type { ModelDefaults } from './model-defaults.ts';

// ── params slice ─────────────────────────────────────────────────────────────
export interface Notice {
  kind: 'error' | 'info';
  text: string;
  code?: ErrorCode;
  /** What raised it, so a later success can clear a notice it made stale (a failed load). */
  source?: 'load' | 'engine' | 'storage';
  /** Raw text for a "details" disclosure (never the main message). */
  detail?: string;
}

export interface StudioSettings {
  backend: BackendChoice;
  livePreview: boolean;
  /** As-you-type: renders back to back while the text changes, newest text wins (live.ts). */
  live: boolean;
}

// ── engine + queue slice ─────────────────────────────────────────────────────
export interface RunningJob {
  id: JobId;
  params: GenerationParams;
  image: number;
  images: number;
  step: number;
  steps: number;
  preview: { rgba: Uint8ClampedArray; width: number; height: number } | null;
  cancelling: boolean;
  /** An upscale job's source gallery item, passed on to the image it makes (C2PA ingredient). */
  sourceItemId?: string;
}

export interface QueuedJob {
  /** Set on the cells of an X/Y/Z plot (src/state/xyz.ts): the queue shows them as one job. */
  group?: JobGroup;
  id: JobId;
  params: GenerationParams;
  /** Source image (and mask) of an img2img / inpaint job (image-slice.ts). */
  images?: SourceImages;
  /** The model behind a Hires. fix upscaler (a txt2img job with `params.hires`). */
  upscaler?: UpscalerRef;
  /** An upscale job (the gallery's "Upscale ×2 / ×4"): `params` are the source image's plus `postprocess`. */
  upscale?: { image: RgbaPixels; scale: number; upscaler: UpscalerRef; sourceItemId?: string };
}

export interface JobGroup {
  id: string;
  label: string;
}

export interface EngineStatus {
  phase: 'starting' | 'loading' | 'ready' | 'error';
  backend: Backend | null;
  adapter: string | null;
  threads: number;
  crossOriginIsolated: boolean;
  model: ModelSummary | null;
  loadProgress: { file: string; loaded: number; total: number } | null;
  /** Times the engine worker was restarted after a crash or hang (this page's life). */
  restarts: number;
}

/**
 * A request sent to the engine worker and not yet answered by its terminal event. Terminal
 * events are routed by looking their job up here, never by comparing ids held elsewhere.
 */
export type PendingRequest =
  | {
      kind: 'load';
      model: ModelRef;
      backend: BackendChoice;
      /** The catalog's defaults to apply when it is ready; null keeps params the model accepts. */
      defaults: Partial<ModelDefaults> | null;
    }
  | { kind: 'generate' }
  /** A Live render (live-events.ts): what it runs and on which model. */
  | { kind: 'live'; params: GenerationParams; modelId: string }
  | { kind: 'count-tokens' };

export interface ModelLoadFailure {
  model: ModelRef;
  code: ErrorCode;
  message: string;
  /** The model file at fault, when the engine knows it. */
  file: string | null;
}

export interface LastRun {
  outcome: 'done' | 'cancelled' | 'error';
  step: number;
  steps: number;
}

export interface TokenCounts {
  prompt: TokenCount;
  negativePrompt: TokenCount;
  fixedSequence: boolean;
}

// ── gallery slice ────────────────────────────────────────────────────────────
export interface GalleryItem {
  id: string;
  params: GenerationParams;
  width: number;
  height: number;
  /** Pixels as the engine sent them, kept only until the PNG is made (see gallery-slice.ts). */
  rgba: Uint8ClampedArray | null;
  /** The PNG with its A1111 `parameters` chunk, and a small copy for the grid; null until made. */
  png: Blob | null;
  thumb: Blob | null;
  /** IndexedDB key once saved; null while saving or when saving failed. */
  dbKey: number | null;
  /** The job that made it (Live mode replaces its own previous result). */
  job: JobId | null;
  modelId: string;
  backend: Backend | null;
  timings: PhaseTimings;
  createdAt: number;
  /** Infotext to embed instead of the one made from `params` (an X/Y/Z grid's). */
  infotext?: string;
  /**
   * The gallery item an upscale was made from: its signed PNG becomes this one's C2PA parentOf
   * ingredient when this one is signed (gallery-slice.ts). Not saved: only signing reads it.
   */
  sourceItemId?: string;
}

export interface GalleryStatus {
  /** Images in the gallery database (including ones not loaded into `gallery` yet). */
  total: number;
  /** More saved images exist below the loaded ones. */
  hasMore: boolean;
  loading: boolean;
  /** False when IndexedDB is unavailable: images live for this session only. */
  persistent: boolean;
  /** Images made in this tab whose PNG or database write has not finished. */
  saving: number;
}

// ── pwa slice ────────────────────────────────────────────────────────────────
export interface PwaState {
  offlineReady: boolean;
  updateAvailable: boolean;
  updating: boolean;
}
