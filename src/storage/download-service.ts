/**
 * The download service: the handlers behind the download worker's calls
 * (model-download-protocol.ts). DOWNLOAD WORKER thread in the browser (model-download.worker.ts
 * wires it to `self`); the Node tests serve it over an in-memory port with a folder store.
 *
 * One download of a model at a time across tabs: each download holds a Web Lock named after the
 * model; a second tab is told "already downloading in another tab" instead of OPFS's raw
 * "createSyncAccessHandle" refusal, and can wait for the lock to learn when it is stored.
 */
import type { RpcHandlers } from '../protocol/rpc.ts';
import type {
  DownloadCalls,
  DownloadFailure,
  DownloadProgressEvent,
  StoredModelStatus,
} from './model-download-protocol.ts';
import { DownloadError, downloadModel, type DownloadOptions, type DownloadProgress } from './model-downloader.ts';
import { withQuotaLimit, type ModelStore } from './model-store.ts';
import { invalidateStoredFile, storedStatus, verifyStoredFile } from './stored-file.ts';

/** The part of the Web Locks API the service uses. */
export interface DownloadLocks {
  request(name: string, options: { ifAvailable: true }, work: (lock: unknown) => Promise<void>): Promise<void>;
  request(name: string, work: () => Promise<void>): Promise<void>;
}

export interface DownloadServiceOptions {
  /** Makes the store (called again by `configure`, with a quota for tests). */
  makeStore: () => ModelStore;
  post: (event: DownloadProgressEvent) => void;
  locks?: DownloadLocks | null;
  fetch?: typeof fetch;
  now?: () => number;
  /** Passed to the downloader (tests shorten the retry delay). */
  downloader?: Pick<DownloadOptions, 'retries' | 'retryDelayMs'>;
}

const lockName = (modelId: string) => `latent-studio-download:${modelId}`;

const busy = (modelId: string) =>
  new DownloadError(
    'busy',
    `${modelId} is already downloading in another tab of this studio. Its progress is shown there; this tab lists the model once it is stored.`,
  );

/** OPFS refuses a second sync access handle on a file another tab has open. */
const isLockedFile = (error: unknown) =>
  typeof error === 'object' &&
  error !== null &&
  ['NoModificationAllowedError', 'InvalidStateError'].includes(String((error as { name?: unknown }).name));

export const failureOf = (error: unknown): DownloadFailure => ({
  code: error instanceof DownloadError ? error.code : 'internal',
  message: error instanceof Error ? error.message : String(error),
  file: error instanceof DownloadError ? error.file : null,
});

export function createDownloadService(options: DownloadServiceOptions): RpcHandlers<DownloadCalls> {
  let store = options.makeStore();
  const running = new Map<string, { controller: AbortController; done: Promise<unknown> }>();
  const locks = options.locks ?? null;
  const now = options.now ?? (() => Date.now());

  /** Progress at most every 100 ms per model (plus every state change), not per network chunk. */
  function throttledProgress() {
    let last = -Infinity;
    let lastStates = '';
    return (progress: DownloadProgress) => {
      const states = progress.files.map((f) => f.state).join();
      const t = now();
      if (t - last < 100 && states === lastStates) return;
      last = t;
      lastStates = states;
      options.post({ type: 'progress', progress });
    };
  }

  /** Runs `work` holding the model's download lock, or fails at once when another tab holds it. */
  async function withDownloadLock<T>(modelId: string, work: () => Promise<T>): Promise<T> {
    if (!locks) return work();
    let result: { value: T } | null = null;
    await locks.request(lockName(modelId), { ifAvailable: true }, async (lock) => {
      if (!lock) throw busy(modelId);
      result = { value: await work() };
    });
    if (result === null) throw busy(modelId);
    return (result as { value: T }).value;
  }

  async function stopRunning(modelId: string) {
    const job = running.get(modelId);
    job?.controller.abort();
    await job?.done.catch(() => undefined);
  }

  /** The file list of a stored model that is not in the catalog (a custom one), from its entry. */
  async function pathsOfEntry(id: string): Promise<string[]> {
    const entry = (await store.readManifest(id))?.entry as { files?: { path?: unknown }[] } | null;
    return (entry?.files ?? []).map((f) => f.path).filter((p): p is string => typeof p === 'string');
  }

  return {
    async configure({ quotaBytes }) {
      store = quotaBytes === null ? options.makeStore() : withQuotaLimit(options.makeStore(), quotaBytes);
      return null;
    },
    async download({ job }) {
      const { modelId } = job;
      if (running.has(modelId)) throw new DownloadError('busy', `${modelId} is already downloading.`);
      const controller = new AbortController();
      const done = withDownloadLock(modelId, () =>
        downloadModel(job, {
          store,
          signal: controller.signal,
          onProgress: throttledProgress(),
          ...(options.fetch ? { fetch: options.fetch } : {}),
          ...options.downloader,
        }),
      );
      running.set(modelId, { controller, done });
      try {
        await done;
      } catch (error) {
        throw isLockedFile(error) ? busy(modelId) : error;
      } finally {
        running.delete(modelId);
      }
      return null;
    },
    async pause({ modelId }) {
      await stopRunning(modelId);
      return null;
    },
    async whenIdle({ modelId }) {
      await locks?.request(lockName(modelId), async () => undefined);
      return null;
    },
    async delete({ modelId }) {
      await stopRunning(modelId);
      await store.remove(modelId);
      return null;
    },
    async invalidate({ modelId, path }) {
      await invalidateStoredFile(store, modelId, path);
      return null;
    },
    verify: ({ modelId, path, sha256 }) => verifyStoredFile(store, modelId, path, sha256 ?? null),
    async status({ models }) {
      const known = new Map(models.map((m) => [m.id, m.paths]));
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
    },
  };
}
