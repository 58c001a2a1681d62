/**
 * The engine slice: the engine's status, the running job, the UI-side queue, token counters and
 * the map of pending requests; its actions are the pure intents of engine-events.ts run through
 * the bridge. The worker runs one generate at a time; the queue lives here so it can be shown,
 * edited and kept across an engine restart.
 */
import type { StateCreator } from 'zustand/vanilla';
import type { BackendChoice, JobId, ModelRef, RgbaPixels } from '../protocol/messages.ts';
import { upscalerChoices, upscalerRefFor } from './upscalers.ts';
import { SAMPLERS } from '../schedulers/index.ts';
import { createEngineBridge, type EngineBridge, type EnginePort, type SupervisionOptions } from './engine-bridge.ts';
import {
  clearQueue,
  enqueueGenerate,
  enqueueLatest,
  enqueueUpscale,
  type JobExtras,
  removeQueued,
  requestCancel,
  requestLoad,
  requestTokenCount,
  type EngineData,
  type EngineEffect,
} from './engine-events.ts';
import {
  initialLiveState,
  requestLiveRender,
  type LiveStart,
  type LiveState,
  type LiveVariant,
} from './live-events.ts';
import type { ModelDefaults } from './model-defaults.ts';
import type { GenerationParams } from '../protocol/params.ts';
import { DEFAULT_PARAMS } from './params-slice.ts';
import type { Studio } from './store.ts';
import type {
  EngineStatus,
  GalleryItem,
  LastRun,
  PendingRequest,
  QueuedJob,
  RunningJob,
  TokenCounts,
} from './types.ts';

export const SAMPLER_IDS: readonly string[] = SAMPLERS.map((s) => s.id);

export interface EngineSlice {
  engine: EngineStatus;
  job: RunningJob | null;
  queue: QueuedJob[];
  lastRun: LastRun | null;
  tokenCounts: TokenCounts | null;
  requests: Readonly<Record<JobId, PendingRequest>>;
  nextJob: JobId;
  currentModel: EngineData['currentModel'];
  /** Starts (and supervises) the engine worker; `connect` is called again to replace a dead one. */
  connectEngine(connect: () => EnginePort, options?: SupervisionOptions): void;
  /**
   * Loads a model. `defaults` are the catalog's (applied with the model's own when it is ready);
   * null keeps the form where the model accepts it. By default an untouched form takes the
   * model's own defaults and an edited or restored one is kept.
   */
  loadModel(model: ModelRef, backend?: BackendChoice, options?: { defaults?: Partial<ModelDefaults> | null }): void;
  reloadModel(backend?: BackendChoice): void;
  /** Validates the form and queues a job; false when refused (the reason is in the notice). */
  generate(): boolean;
  /** Replaces queued work and cancels the running job: the newest input wins (Live mode). */
  generateLatest(): boolean;
  /** Queues "Upscale ×N" of a gallery image (its decoded pixels); false when refused (see the notice). */
  upscaleGalleryImage(id: string, pixels: RgbaPixels, scale: number, upscalerId: string): boolean;
  cancelJob(): void;
  clearQueue(): void;
  removeQueuedJob(id: JobId): void;
  /** Queues a job with these params over the form's (an X/Y/Z cell); false when refused. */
  generateWith(extras: NonNullable<Parameters<typeof enqueueGenerate>[2]>): boolean;
  /** Asks the worker's tokenizer for the counters, debounced so typing stays smooth. */
  requestTokenCount(delayMs?: number): void;
  /** Observes finished images (the gallery saves them). */
  onImageAdded(listener: (item: GalleryItem) => void): () => void;
  /** Live mode (live-events.ts): the render in flight and the newest live image. */
  live: LiveState;
  /** Starts one live render of these params (live.ts decides when). */
  renderLive(params: GenerationParams, variant: LiveVariant | null): LiveStart;
  /** Saves the newest live image to the gallery, as a Generate result would be; its id, or null. */
  keepLiveImage(): string | null;
}

export const initialEngineStatus: EngineStatus = {
  phase: 'starting',
  backend: null,
  adapter: null,
  threads: 1,
  crossOriginIsolated: false,
  model: null,
  loadProgress: null,
  restarts: 0,
};

export const createEngineSlice: StateCreator<Studio, [], [], EngineSlice> = (set, get) => {
  // Per store, not per module: the bridge (the port), the counter's debounce timer, observers.
  let bridge: EngineBridge | null = null;
  let countTimer: ReturnType<typeof setTimeout> | null = null;
  const imageListeners = new Set<(item: GalleryItem) => void>();
  /** The job's Hires. fix: its own params' (an X/Y/Z cell's) when it has them, else the form's. */
  const hiresOf = (extras: JobExtras) =>
    extras.params && 'hires' in extras.params ? extras.params.hires : get().params.hires;
  /**
   * The job with its Hires. fix upscaler's model reference added when it asks for a model one;
   * null (and a notice saying why) when that upscaler cannot run here (not downloaded, deleted).
   */
  const withHires = (extras: JobExtras): JobExtras | null => {
    const hires = hiresOf(extras);
    if (!hires || hires.upscaler === 'latent') return extras;
    const ref = upscalerRefFor(hires.upscaler, get().models);
    if (ref) return ref.kind === 'model' ? { ...extras, upscaler: ref } : extras;
    const choice = upscalerChoices(get().models).find((c) => c.id === hires.upscaler);
    get().notify({
      kind: 'error',
      text: choice?.reason ?? `The Hires upscaler "${hires.upscaler}" is not available here; choose another.`,
    });
    return null;
  };
  /** Queues a generate job through `enqueue` once its Hires. fix is ready; false when refused. */
  const queueWithHires = (extras: JobExtras, enqueue: typeof enqueueGenerate): boolean => {
    const job = withHires(extras);
    return job !== null && connected().run((s) => enqueue(s, SAMPLER_IDS, job)).accepted;
  };

  const connected = (): EngineBridge => {
    if (!bridge) throw new Error('engine not connected');
    return bridge;
  };

  const onEffect = (effect: Exclude<EngineEffect, { type: 'send' }>) => {
    switch (effect.type) {
      case 'image-added':
        for (const listener of imageListeners) listener(effect.item);
        return;
      case 'load-failed':
        void get().recoverFromLoadFailure(effect.failure);
        return;
      case 'count-tokens':
        get().requestTokenCount(0);
        return;
    }
  };

  return {
    engine: initialEngineStatus,
    job: null,
    queue: [],
    lastRun: null,
    tokenCounts: null,
    requests: {},
    nextJob: 1,
    currentModel: null,

    connectEngine(connect, options = {}) {
      bridge?.dispose();
      bridge = createEngineBridge({
        ...options,
        connect,
        read: get,
        write: (state) => set(state),
        onEffect,
        samplers: SAMPLER_IDS,
      });
    },
    loadModel(model, backend = get().settings.backend, options = {}) {
      const defaults = options.defaults !== undefined ? options.defaults : get().params === DEFAULT_PARAMS ? {} : null;
      connected().run((s) => requestLoad(s, model, backend, defaults));
    },
    reloadModel(backend) {
      const current = get().currentModel;
      if (current) get().loadModel(current.model, backend ?? current.backend, { defaults: current.defaults });
    },
    generate: () => queueWithHires(get().jobInput(), enqueueGenerate),
    generateLatest: () => queueWithHires(get().jobInput(), enqueueLatest),
    upscaleGalleryImage(id, pixels, scale, upscalerId) {
      const item = get().gallery.find((i) => i.id === id);
      const upscaler = upscalerRefFor(upscalerId, get().models);
      if (!item || !upscaler) {
        const choice = upscalerChoices(get().models).find((c) => c.id === upscalerId);
        get().notify({
          kind: 'error',
          text: !item ? 'That image is gone.' : (choice?.reason ?? `Unknown upscaler "${upscalerId}".`),
        });
        return false;
      }
      return connected().run((s) => enqueueUpscale(s, { params: item.params, pixels, id: item.id }, scale, upscaler))
        .accepted;
    },
    cancelJob: () => void bridge?.run(requestCancel),
    clearQueue: () => set(clearQueue(get()).state),
    removeQueuedJob: (id) => set(removeQueued(get(), id).state),
    generateWith: (extras) => queueWithHires(extras, enqueueGenerate),
    requestTokenCount(delayMs = 120) {
      if (countTimer) clearTimeout(countTimer);
      countTimer = setTimeout(() => {
        countTimer = null;
        bridge?.run(requestTokenCount);
      }, delayMs);
    },
    onImageAdded(listener) {
      imageListeners.add(listener);
      return () => imageListeners.delete(listener);
    },
    live: initialLiveState,
    renderLive: (params, variant) => connected().run((s) => requestLiveRender(s, SAMPLER_IDS, params, variant)).start,
    keepLiveImage() {
      const image = get().live.image;
      if (!image) return null;
      // Kept once: a second click on the same image does nothing.
      if (get().gallery.some((i) => i.job === image.job)) return null;
      const item: GalleryItem = {
        id: `${image.createdAt.toString(36)}-live-${image.job}`,
        params: image.params,
        width: image.width,
        height: image.height,
        // A copy: the live panel keeps drawing its own pixels while the gallery encodes these.
        rgba: image.rgba.slice(),
        png: null,
        thumb: null,
        dbKey: null,
        job: image.job,
        modelId: image.modelId,
        backend: get().engine.backend,
        timings: image.timings,
        createdAt: Date.now(),
      };
      set({ gallery: [item, ...get().gallery] });
      for (const listener of imageListeners) listener(item);
      return item.id;
    },
  };
};
