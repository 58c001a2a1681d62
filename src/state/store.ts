/**
 * The studio's state: a framework-free zustand store with module-level actions (zustand's
 * vanilla pattern). The form's current `params` are separate from what produced each gallery
 * item. Sessions and tensors never live here; the engine bridge turns worker events into actions.
 */
import { createStore } from 'zustand/vanilla';
import type {
  Backend,
  BackendChoice,
  ErrorCode,
  JobId,
  ModelSummary,
  PhaseTimings,
  TokenCount,
} from '../protocol/messages.ts';
import type { GenerationParams, ParamIssue } from '../protocol/params.ts';

export interface GalleryItem {
  id: string;
  params: GenerationParams;
  width: number;
  height: number;
  /** Pixels as the engine sent them, kept only until the PNG is made (see state/gallery.ts). */
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
}

export interface GalleryStatus {
  /** Images in the gallery database (including ones not loaded into `gallery` yet). */
  total: number;
  /** More saved images exist below the loaded ones. */
  hasMore: boolean;
  loading: boolean;
  /** False when IndexedDB is unavailable: images live for this session only. */
  persistent: boolean;
}

export interface RunningJob {
  id: JobId;
  params: GenerationParams;
  image: number;
  images: number;
  step: number;
  steps: number;
  preview: { rgba: Uint8ClampedArray; width: number; height: number } | null;
  cancelling: boolean;
}

export interface QueuedJob {
  id: JobId;
  params: GenerationParams;
}

export interface EngineStatus {
  phase: 'starting' | 'loading' | 'ready' | 'error';
  backend: Backend | null;
  adapter: string | null;
  threads: number;
  crossOriginIsolated: boolean;
  model: ModelSummary | null;
  loadProgress: { file: string; loaded: number; total: number } | null;
}

export interface Notice {
  kind: 'error' | 'info';
  text: string;
  code?: ErrorCode;
  /** Raw engine text behind an error (shown under "Details", never as the headline). */
  detail?: string;
}

export interface StudioSettings {
  backend: BackendChoice;
  livePreview: boolean;
  /** As-you-type: every form change re-renders (debounced), newest input wins. */
  live: boolean;
}

export interface StudioState {
  params: GenerationParams;
  paramIssues: ParamIssue[];
  engine: EngineStatus;
  job: RunningJob | null;
  queue: QueuedJob[];
  gallery: GalleryItem[];
  galleryStatus: GalleryStatus;
  notice: Notice | null;
  settings: StudioSettings;
  /** How the last job ended and how far it got, so the progress bar keeps showing "N / N". */
  lastRun: { outcome: 'done' | 'cancelled' | 'error'; step: number; steps: number } | null;
  /** Live token counters for the prompt boxes (null until the model's tokenizer answers). */
  tokenCounts: { prompt: TokenCount; negativePrompt: TokenCount; fixedSequence: boolean } | null;
}

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
};

export const initialState: StudioState = {
  params: DEFAULT_PARAMS,
  paramIssues: [],
  engine: {
    phase: 'starting',
    backend: null,
    adapter: null,
    threads: 1,
    crossOriginIsolated: false,
    model: null,
    loadProgress: null,
  },
  job: null,
  queue: [],
  gallery: [],
  galleryStatus: { total: 0, hasMore: false, loading: false, persistent: true },
  notice: null,
  settings: { backend: 'auto', livePreview: true, live: false },
  tokenCounts: null,
  lastRun: null,
};

export const studio = createStore<StudioState>()(() => initialState);

// ── selectors ────────────────────────────────────────────────────────────────
export const selectIsBusy = (s: StudioState) => s.job !== null;
export const selectCanGenerate = (s: StudioState) => s.engine.phase === 'ready';
export const selectIssueFor = (field: keyof GenerationParams) => (s: StudioState) =>
  s.paramIssues.find((i) => i.field === field)?.message ?? null;
