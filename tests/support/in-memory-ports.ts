/**
 * In-memory stand-ins for the browser seams the store talks through, for Node tests with no DOM:
 * an engine "worker" that runs the real engine (src/worker/engine.ts) on onnxruntime-node and can
 * be made to crash, hang or die; a download "worker" serving the real download service on a
 * folder store; a Web Locks manager shared by several "tabs"; an in-memory gallery database.
 * Messages cross with structuredClone on a macrotask, as postMessage does.
 */
import { PNG } from 'pngjs';
import { withPngText } from '../../src/metadata/png-text.ts';
import type { EngineEvent, EngineRequest } from '../../src/protocol/messages.ts';
import { serveRpc } from '../../src/protocol/rpc.ts';
import { classifyRuntimeError } from '../../src/runtime/errors.ts';
import * as ort from 'onnxruntime-node';
import { loadClipTokenizer } from '../../src/runtime/clip-tokenizer.ts';
import { fileModelSource, loadNodeModel } from '../../src/runtime/node/ort-node.ts';
import { loadOrtUpscaler } from '../../src/runtime/upscaler-model.ts';
import { loadOrtModel } from '../../src/runtime/ort-model.ts';
import { storeModelSource } from '../../src/runtime/store-model-source.ts';
import type { EnginePort } from '../../src/state/engine-bridge.ts';
import { infotextOf } from '../../src/state/gallery-slice.ts';
import type { DownloadPort } from '../../src/state/models-slice.ts';
import type { GalleryItem } from '../../src/state/types.ts';
import { createDownloadService, failureOf, type DownloadLocks } from '../../src/storage/download-service.ts';
import type { GalleryDb, GalleryRecord } from '../../src/storage/gallery-db.ts';
import type { DownloadCalls, DownloadFailure, DownloadRequest } from '../../src/storage/model-download-protocol.ts';
import type { ModelStore } from '../../src/storage/model-store.ts';
import { createEngine } from '../../src/worker/engine.ts';

type Listener = (event: never) => void;

/** Posts like a worker: a structured clone, delivered on a later task. */
const deliver = <T>(listeners: Set<Listener>, data: T) =>
  setTimeout(() => {
    const copy = structuredClone(data);
    for (const l of listeners) (l as (e: { data: T }) => void)({ data: copy });
  }, 0);

export interface TestEnginePort extends EnginePort {
  /** Raises an uncaught error in the "worker" (its `error` event). */
  crash(message: string): void;
  /** Sends a message the page cannot deserialize (its `messageerror` event). */
  garble(): void;
  /** Stops answering anything, as a worker stuck in a loop. */
  hang(): void;
  /** Dies silently (as `self.close()` in a worker: no event at all). */
  die(): void;
  readonly terminated: boolean;
  readonly received: EngineRequest[];
}

/**
 * An engine worker in this process: the real engine on onnxruntime-node. App models load from
 * the folder `folderOf(ref)` (default: `baseUrl` is a folder), stored ones from `store`.
 */
export function inMemoryEnginePort(
  options: { store?: ModelStore; folderOf?: (ref: { id: string; baseUrl: string }) => string } = {},
): TestEnginePort {
  const listeners = { message: new Set<Listener>(), error: new Set<Listener>(), messageerror: new Set<Listener>() };
  let alive = true;
  let terminated = false;
  const received: EngineRequest[] = [];
  const engine = createEngine({
    now: () => performance.now(),
    classifyError: classifyRuntimeError,
    postEvent: (event: EngineEvent) => {
      if (alive) deliver(listeners.message, event);
    },
    loadModel: async (model, _backend, onProgress) => {
      const loaded =
        model.storage === 'opfs' && options.store
          ? await loadOrtModel({
              ort,
              source: storeModelSource(options.store, model.id),
              id: model.id,
              sessionOptions: { executionProviders: ['cpu'] },
              loadTokenizer: loadClipTokenizer,
              now: () => performance.now(),
            })
          : await loadNodeModel(options.folderOf ? options.folderOf(model) : model.baseUrl);
      onProgress('unet/model.onnx', 1, 1);
      return { loaded, backend: 'cpu', adapter: null, threads: 1, crossOriginIsolated: false };
    },
    // As the worker's loader (src/runtime/web/upscaler-web.ts): a stored upscaler from the store,
    // the embedded one from its folder (an http URL here is the folder under models/).
    loadUpscaler: (ref) =>
      loadOrtUpscaler({
        ort,
        source:
          ref.storage === 'opfs' && options.store
            ? storeModelSource(options.store, ref.id)
            : // the app serves models/ at its root: http://localhost/models/x/ is the folder models/x/
              fileModelSource(/^https?:/.test(ref.baseUrl) ? new URL(ref.baseUrl).pathname.slice(1) : ref.baseUrl),
        sessionOptions: { executionProviders: ['cpu'] },
        scale: ref.scale,
      }),
  });
  return {
    postMessage(message) {
      if (!alive) return;
      const copy = structuredClone(message);
      received.push(copy);
      setTimeout(() => alive && engine.handle(copy), 0);
    },
    addEventListener(type: 'message' | 'error' | 'messageerror', listener: Listener) {
      listeners[type].add(listener);
    },
    terminate() {
      alive = false;
      terminated = true;
    },
    crash(message) {
      for (const l of listeners.error) (l as (e: { message: string }) => void)({ message });
    },
    garble() {
      for (const l of listeners.messageerror) (l as (e: object) => void)({});
    },
    hang() {
      alive = false;
    },
    die() {
      alive = false;
    },
    get terminated() {
      return terminated;
    },
    received,
  } as TestEnginePort;
}

/** A Web Locks manager several "tabs" share (the part of the API the download service uses). */
export function inMemoryLocks(): DownloadLocks {
  const held = new Map<string, Promise<void>>();
  async function request(name: string, a: unknown, b?: unknown): Promise<void> {
    const ifAvailable = typeof a === 'object' && a !== null && (a as { ifAvailable?: boolean }).ifAvailable === true;
    const work = (typeof a === 'function' ? a : b) as (lock: unknown) => Promise<void>;
    if (ifAvailable && held.has(name)) return work(null);
    while (held.has(name)) await held.get(name);
    let release = () => {};
    held.set(name, new Promise<void>((r) => (release = r)));
    try {
      return await work({ name });
    } finally {
      held.delete(name);
      release();
    }
  }
  return { request } as DownloadLocks;
}

/** A download worker in this process: the real download service on `store`. */
export function inMemoryDownloadPort(options: { store: () => ModelStore; locks?: DownloadLocks | null }): DownloadPort {
  const toMain = new Set<Listener>();
  const toWorker = new Set<Listener>();
  const post = (event: unknown) => deliver(toMain, event);
  const service = createDownloadService({
    makeStore: options.store,
    post,
    locks: options.locks ?? null,
    downloader: { retryDelayMs: 10 },
  });
  serveRpc<DownloadCalls, DownloadFailure>(
    {
      postMessage: post,
      addEventListener: (_type, listener) => toWorker.add(listener as Listener),
    },
    service,
    failureOf,
  );
  return {
    postMessage: (message: DownloadRequest) => deliver(toWorker, message),
    addEventListener: (_type: 'message', listener: Listener) => toMain.add(listener),
  } as DownloadPort;
}

/** One gallery database several "tabs" share (IndexedDB's contract, in memory). */
export function inMemoryGalleryDb(): { open: () => Promise<GalleryDb>; records: Map<number, GalleryRecord> } {
  const records = new Map<number, GalleryRecord>();
  let nextKey = 1;
  const db: GalleryDb = {
    async add(record) {
      const key = nextKey++;
      records.set(key, { ...record, key });
      return key;
    },
    get: async (key) => records.get(key) ?? null,
    async page(before, limit) {
      const keys = [...records.keys()].filter((k) => before === null || k < before).sort((a, b) => b - a);
      const page = keys.slice(0, limit).map((k) => records.get(k) as GalleryRecord);
      return { records: page, next: keys.length > limit ? (page.at(-1)?.key ?? null) : null };
    },
    count: async () => records.size,
    async delete(key) {
      records.delete(key);
    },
    async clear() {
      records.clear();
    },
    close: () => undefined,
  };
  return { open: async () => db, records };
}

/** PNG encoding without a canvas (pngjs), with the same `parameters` chunk as the browser's. */
export async function encodeWithPngjs(item: GalleryItem): Promise<{ png: Blob; thumb: Blob }> {
  if (!item.rgba) throw new Error('no pixels');
  const png = new PNG({ width: item.width, height: item.height });
  png.data = Buffer.from(item.rgba.buffer, item.rgba.byteOffset, item.rgba.byteLength);
  const bytes = withPngText(new Uint8Array(PNG.sync.write(png)), 'parameters', infotextOf(item));
  const blob = new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/png' });
  return { png: blob, thumb: blob };
}

/** Resolves when `predicate` holds for the store's state (polled), or fails after `timeoutMs`. */
export async function until<S>(
  store: { getState(): S },
  predicate: (state: S) => boolean,
  timeoutMs = 30_000,
): Promise<S> {
  const start = Date.now();
  while (!predicate(store.getState())) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting for the store');
    await new Promise((r) => setTimeout(r, 5));
  }
  return store.getState();
}
