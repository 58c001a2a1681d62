/**
 * The download worker: fetches model files into OPFS with the resumable, verifying downloader.
 * A dedicated worker because only dedicated workers get OPFS sync access handles (in-place,
 * durable appends) and because hashing gigabytes must not run on the UI thread or in the engine
 * worker, whose event loop a WASM model run blocks for seconds at a time.
 */
import type { DownloadEvent, DownloadRequest, StoredModelStatus } from './model-download-protocol.ts';
import {
  DownloadError,
  downloadModel,
  invalidateStoredFile,
  storedStatus,
  verifyStoredFile,
} from './model-downloader.ts';
import { withQuotaLimit, type ModelStore } from './model-store.ts';
import { opfsModelStore } from './model-store-opfs.ts';

declare const self: DedicatedWorkerGlobalScope;

let store: ModelStore = opfsModelStore();
const running = new Map<string, { controller: AbortController; done: Promise<unknown> }>();

const post = (event: DownloadEvent) => self.postMessage(event);

/** Progress at most every 100 ms per model (plus every state change), not per network chunk. */
function throttledProgress() {
  let last = 0;
  let lastStates = '';
  return (progress: Parameters<NonNullable<Parameters<typeof downloadModel>[1]['onProgress']>>[0]) => {
    const states = progress.files.map((f) => f.state).join();
    const t = performance.now();
    if (t - last < 100 && states === lastStates) return;
    last = t;
    lastStates = states;
    post({ type: 'progress', progress });
  };
}

async function handle(request: DownloadRequest): Promise<unknown> {
  switch (request.type) {
    case 'configure':
      store = request.quotaBytes === null ? opfsModelStore() : withQuotaLimit(opfsModelStore(), request.quotaBytes);
      return null;
    case 'download': {
      const { modelId } = request.job;
      if (running.has(modelId)) throw new DownloadError('http', `${modelId} is already downloading.`);
      const controller = new AbortController();
      const done = downloadModel(request.job, { store, signal: controller.signal, onProgress: throttledProgress() });
      running.set(modelId, { controller, done });
      try {
        await done;
      } finally {
        running.delete(modelId);
      }
      return null;
    }
    case 'pause': {
      const job = running.get(request.modelId);
      job?.controller.abort();
      await job?.done.catch(() => undefined);
      return null;
    }
    case 'delete': {
      const job = running.get(request.modelId);
      job?.controller.abort();
      await job?.done.catch(() => undefined);
      await store.remove(request.modelId);
      return null;
    }
    case 'invalidate':
      await invalidateStoredFile(store, request.modelId, request.path);
      return null;
    case 'verify':
      return verifyStoredFile(store, request.modelId, request.path);
    case 'status': {
      const known = new Map(request.models.map((m) => [m.id, m.paths]));
      for (const id of await store.listModels()) if (!known.has(id)) known.set(id, []);
      const statuses: StoredModelStatus[] = [];
      for (const [id, paths] of known) {
        const status = await storedStatus(store, id, paths.length > 0 ? paths : await pathsOfEntry(id));
        if (!status.manifest && status.partialBytes === 0) continue;
        statuses.push({
          id,
          complete: status.complete,
          missing: status.missing,
          storedBytes: status.storedBytes,
          partialBytes: status.partialBytes,
          entry: status.manifest?.entry ?? null,
        });
      }
      return { models: statuses, usage: await store.usage() };
    }
    default: {
      const unreachable: never = request;
      throw new Error(`unknown request ${JSON.stringify(unreachable)}`);
    }
  }
}

/** The file list of a stored model that is not in the catalog (a custom one), from its entry. */
async function pathsOfEntry(id: string): Promise<string[]> {
  const entry = (await store.readManifest(id))?.entry as { files?: { path?: unknown }[] } | null;
  return (entry?.files ?? []).map((f) => f.path).filter((p): p is string => typeof p === 'string');
}

self.addEventListener('message', (event: MessageEvent<DownloadRequest>) => {
  const request = event.data;
  handle(request).then(
    (value) => post({ type: 'reply', call: request.call, ok: true, value }),
    (error: unknown) =>
      post({
        type: 'reply',
        call: request.call,
        ok: false,
        code: error instanceof DownloadError ? error.code : 'internal',
        message: error instanceof Error ? error.message : String(error),
        file: error instanceof DownloadError ? error.file : null,
      }),
  );
});
