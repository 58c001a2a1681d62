/**
 * The models slice: the catalog (models/catalog.json, an optional extra catalog, custom
 * models), what is stored in OPFS, downloads in progress (bytes, speed, ETA, pause/resume),
 * storage used and free, and which model the engine runs. Downloads run in the download worker
 * (src/storage/model-download.worker.ts), reached through the typed RPC helper; models load in
 * the engine through the engine slice, with the catalog's defaults (model-defaults.ts).
 *
 * Recovery: when a stored model fails to load, the file at fault is checked against the digest
 * recorded when it was stored (and the catalog's); a damaged or missing file is forgotten and
 * downloaded again, then the model is loaded again (once). A file that checks out is left
 * alone, and the error says so, with "Download again" still offered, so the person is never stuck.
 */
import type { StateCreator } from 'zustand/vanilla';
import type { BackendChoice, ModelRef } from '../protocol/messages.ts';
import { createRpcClient, type RpcClient, type TypedPort } from '../protocol/rpc.ts';
import {
  downloadJobOf,
  inspectCustomModel,
  mergeCatalog,
  modelBytes,
  parseCatalog,
  readCatalogResponse,
  unreachable,
  type CatalogModel,
  type CatalogTrust,
} from '../storage/model-catalog.ts';
import type {
  DownloadCalls,
  DownloadEvent,
  DownloadFailure,
  DownloadProgressEvent,
  DownloadRequest,
  StoredModelStatus,
} from '../storage/model-download-protocol.ts';
import type { DownloadErrorCode, DownloadJob, DownloadProgress } from '../storage/download-types.ts';
import {
  downloadJobOfUpscaler,
  isUpscalerEntry,
  parseUpscalerCatalog,
  storedUpscalerOf,
  upscalerBytes,
  type CatalogUpscaler,
} from '../storage/upscaler-catalog.ts';
import { DEFAULT_HIRES_PARAMS, upscalerLabel } from '../protocol/upscale-params.ts';
import { wasmMemoryProblem } from '../protocol/wasm-memory.ts';
import { formatBytes } from './format.ts';
import type { Studio } from './store.ts';
import type { ModelLoadFailure } from './types.ts';

export type { CatalogModel } from '../storage/model-catalog.ts';
export type { CatalogUpscaler } from '../storage/upscaler-catalog.ts';
/** Bytes of a catalog model's or upscaler's files (exact where known, else approximate). */
export { modelBytes, upscalerBytes };

export interface DownloadState {
  phase: 'downloading' | 'paused' | 'error' | 'done';
  progress: DownloadProgress | null;
  error: { code: DownloadErrorCode | 'internal'; message: string; file: string | null } | null;
}

export interface StorageInfo {
  /** Bytes the browser says this origin uses, and its quota (estimate(); padded). */
  usage: number | null;
  quota: number | null;
  persisted: boolean | null;
  /** Bytes of stored model files. */
  modelBytes: number;
}

export interface ModelsState {
  catalog: CatalogModel[];
  /**
   * Upscalers the catalogs list (the embedded SR model, Real-ESRGAN, ...) and stored ones that no
   * catalog lists any more. Downloaded and deleted like models, under their own ids.
   */
  upscalers: CatalogUpscaler[];
  catalogError: string | null;
  /** Ids (models and upscalers) that come from a catalog file (the rest are listed while stored). */
  catalogIds: string[];
  stored: Record<string, StoredModelStatus>;
  downloads: Record<string, DownloadState>;
  storage: StorageInfo;
  activeModelId: string | null;
  custom: { inspecting: boolean; error: string | null; preview: CatalogModel | null };
  /** Stored models whose file failed to load, by model: each card shows its own. */
  loadFailures: Record<string, { file: string | null; message: string }>;
  /** A download to load once it is stored ("Use" on a model that is not downloaded yet). */
  loadAfterDownload: string | null;
  /** Files already re-downloaded once after a failed load (`model:path`). */
  recovered: string[];
  /** Stored files checked against the catalog's SHA-256 in this session (`model:path`). */
  verified: string[];
}

/** The port to the download worker (a Worker, or an in-memory pair in tests). */
export type DownloadPort = TypedPort<DownloadEvent, DownloadRequest>;

/** What the browser offers for storage (navigator.storage), injectable for tests. */
export interface StorageManagerLike {
  estimate?(): Promise<{ usage?: number; quota?: number }>;
  persist?(): Promise<boolean>;
  persisted?(): Promise<boolean>;
}

export interface ModelManagerOptions {
  port: DownloadPort;
  catalogUrl: string;
  /** `?catalog=<url>`: more models (a mirror, or the tests' loopback server). */
  extraCatalogUrl?: string | null;
  /** `?storageQuota=<bytes>`: the storage seam that simulates a full disk. */
  quotaBytes?: number | null;
  /** The model the studio starts with (the embedded one). */
  defaultModelId: string;
  backend: BackendChoice;
  /** Called when no stored model is brought back (the caller loads the embedded one). */
  onNoStoredModel: () => void;
  fetch?: typeof fetch;
  storage?: StorageManagerLike | null;
  /** Where the last model choice is remembered (localStorage). */
  prefs?: Pick<Storage, 'getItem' | 'setItem'> | null;
  /** Base for custom models' saved entries (location.href). */
  baseUrl?: string;
}

export interface ModelsSlice {
  models: ModelsState;
  initModelManager(options: ModelManagerOptions): Promise<void>;
  refreshModels(): Promise<void>;
  startDownload(id: string, options?: { thenUse?: boolean }): Promise<void>;
  pauseDownload(id: string): Promise<void>;
  deleteModel(id: string): Promise<void>;
  /** Loads a model in the engine (the embedded one from the app, a stored one from OPFS). */
  switchToModel(id: string, backend?: BackendChoice, options?: { applyDefaults?: boolean }): void;
  /** Inspects a Hugging Face repo id or base URL before anything is downloaded. */
  inspectCustom(input: string): Promise<void>;
  addCustomAndDownload(): void;
  /** Forgets a stored file (and its external-data partner) and downloads it again. */
  redownloadFile(modelId: string, file: string | null): Promise<void>;
  /** Called by the engine slice when a model failed to load. */
  recoverFromLoadFailure(failure: ModelLoadFailure): Promise<void>;
}

export const LAST_MODEL_KEY = 'latent-studio:model';

/** A failed call to the download worker, with its typed code. */
export class DownloadCallError extends Error {
  constructor(
    readonly code: DownloadErrorCode | 'internal',
    message: string,
    readonly file: string | null,
  ) {
    super(message);
    this.name = 'DownloadCallError';
  }
}

export function modelRefOf(model: CatalogModel): ModelRef {
  if (model.kind === 'app') return { id: model.id, baseUrl: model.baseUrl };
  return {
    id: model.id,
    baseUrl: model.baseUrl,
    storage: 'opfs',
    externalData: model.externalData,
    requirements: {
      shaderF16: model.needs.shaderF16,
      ...(model.needs.largestWeightBytes !== undefined ? { largestWeightBytes: model.needs.largestWeightBytes } : {}),
      ...(model.needs.estimatedGpuBytes !== undefined ? { estimatedGpuBytes: model.needs.estimatedGpuBytes } : {}),
      ...(model.needs.wasmBytes !== undefined ? { wasmBytes: model.needs.wasmBytes } : {}),
      fileBytes: modelBytes(model),
    },
  };
}

type DownloadTarget =
  | { kind: 'model'; model: CatalogModel; bytes: number; job: DownloadJob }
  | { kind: 'upscaler'; model: CatalogUpscaler; bytes: number; job: DownloadJob };

/** Adds entries; a built-in one is never replaced (model-catalog.ts `mergeCatalog`). */
function mergeInto<T extends { id: string; builtIn?: true }>(catalog: T[], list: T[]): T[] {
  return mergeCatalog(catalog, list).catalog;
}

/** The stored model the person used last, if it is not the embedded one. */
export function lastStoredModelChoice(
  defaultModelId: string,
  prefs: Pick<Storage, 'getItem'> | null = globalThis.localStorage ?? null,
): string | null {
  try {
    const id = prefs?.getItem(LAST_MODEL_KEY) ?? null;
    return id && id !== defaultModelId ? id : null;
  } catch {
    return null;
  }
}

export const initialModelsState: ModelsState = {
  catalog: [],
  upscalers: [],
  catalogError: null,
  catalogIds: [],
  stored: {},
  downloads: {},
  storage: { usage: null, quota: null, persisted: null, modelBytes: 0 },
  activeModelId: null,
  custom: { inspecting: false, error: null, preview: null },
  loadFailures: {},
  loadAfterDownload: null,
  recovered: [],
  verified: [],
};

export const createModelsSlice: StateCreator<Studio, [], [], ModelsSlice> = (set, get) => {
  // Per store: the download worker's client and the browser services handed in at start.
  let rpc: RpcClient<DownloadCalls> | null = null;
  let fetchImpl: typeof fetch = (...args) => fetch(...args);
  let storage: StorageManagerLike | null = null;
  let prefs: Pick<Storage, 'getItem' | 'setItem'> | null = null;
  let baseUrl = 'http://localhost/';

  const patch = (p: Partial<ModelsState> | ((m: ModelsState) => Partial<ModelsState>)) =>
    set((s) => ({ models: { ...s.models, ...(typeof p === 'function' ? p(s.models) : p) } }));
  const find = (id: string) => get().models.catalog.find((m) => m.id === id);
  const findUpscaler = (id: string) => get().models.upscalers.find((u) => u.id === id);
  const setDownload = (id: string, update: Partial<DownloadState>) =>
    patch((m) => {
      const current = m.downloads[id] ?? { phase: 'downloading', progress: null, error: null };
      return { downloads: { ...m.downloads, [id]: { ...current, ...update } } };
    });
  const call: RpcClient<DownloadCalls>['call'] = (type, args) =>
    rpc
      ? rpc.call(type, args)
      : Promise.reject(new DownloadCallError('internal', 'The model manager is not started.', null));
  const estimate = async () => (await storage?.estimate?.().catch(() => null)) ?? null;

  function onProgress({ progress }: DownloadProgressEvent) {
    patch((m) => {
      const current = m.downloads[progress.modelId];
      if (current && current.phase !== 'downloading') return {};
      return { downloads: { ...m.downloads, [progress.modelId]: { phase: 'downloading', progress, error: null } } };
    });
  }

  /** Bytes still to download (catalog sizes minus what is stored or partial). */
  function remainingBytes(id: string, total: number): number {
    const stored = get().models.stored[id];
    return Math.max(0, total - (stored ? stored.storedBytes + stored.partialBytes : 0));
  }

  /** What a download of `id` fetches: a remote model's or a remote upscaler's files. */
  function downloadTarget(id: string): DownloadTarget | null {
    const model = find(id);
    if (model) {
      if (model.kind !== 'remote') return null;
      return { kind: 'model', model, bytes: modelBytes(model), job: downloadJobOf(model) };
    }
    const upscaler = findUpscaler(id);
    if (!upscaler || upscaler.kind !== 'remote') return null;
    return { kind: 'upscaler', model: upscaler, bytes: upscalerBytes(upscaler), job: downloadJobOfUpscaler(upscaler) };
  }

  /**
   * Before a stored model loads, its files with a catalog SHA-256 are read back and hashed once
   * per session (in the download worker): flipped bytes in a valid protobuf would otherwise load
   * silently and draw garbage. A mismatch is repaired like a failed load: the file is forgotten
   * and downloaded again (once), then the model loads. Returns whether to load now.
   */
  async function verifiedBeforeLoad(model: CatalogModel): Promise<boolean> {
    for (const file of model.files) {
      const key = `${model.id}:${file.path}`;
      if (!file.sha256 || get().models.verified.includes(key)) continue;
      const check = await call('verify', { modelId: model.id, path: file.path, sha256: file.sha256 }).catch(() => null);
      if (!check) return true; // the check itself failed: loading will tell
      if (check.ok) {
        patch((m) => ({ verified: [...m.verified, key] }));
        continue;
      }
      const message = `The stored copy of ${file.path} is damaged (${check.reason})`;
      patch((m) => ({ loadFailures: { ...m.loadFailures, [model.id]: { file: file.path, message: `${message}.` } } }));
      if (get().models.recovered.includes(key)) return false;
      patch((m) => ({ recovered: [...m.recovered, key] }));
      get().notify({ kind: 'info', text: `${message}; downloading it again.` });
      await get().redownloadFile(model.id, file.path);
      return false; // the download loads it when it is stored again
    }
    return true;
  }

  function rememberChoice(id: string) {
    try {
      prefs?.setItem(LAST_MODEL_KEY, id);
    } catch (error) {
      get().notify({
        kind: 'info',
        source: 'storage',
        text: `The studio could not remember this model for your next visit (the browser refused to store it: ${error instanceof Error ? error.message : String(error)}).`,
      });
    }
  }

  return {
    models: initialModelsState,

    async initModelManager(options) {
      fetchImpl = options.fetch ?? fetchImpl;
      storage = options.storage !== undefined ? options.storage : (globalThis.navigator?.storage ?? null);
      prefs = options.prefs !== undefined ? options.prefs : (globalThis.localStorage ?? null);
      baseUrl = options.baseUrl ?? globalThis.location?.href ?? baseUrl;
      rpc = createRpcClient<DownloadCalls, DownloadFailure, DownloadProgressEvent>(options.port, {
        toError: (e) => new DownloadCallError(e.code, e.message, e.file),
        onEvent: onProgress,
      });
      await call('configure', { quotaBytes: options.quotaBytes ?? null });
      // An extra catalog (`?catalog=`) is trusted less: its ids are namespaced by its host, it
      // may not declare `kind: "app"`, and it never replaces a built-in entry (issue #10).
      const sources: [string, CatalogTrust][] = [[options.catalogUrl, { kind: 'built-in' }]];
      if (options.extraCatalogUrl) {
        const url = new URL(options.extraCatalogUrl, baseUrl).href;
        sources.push([url, { kind: 'extra', url }]);
      }
      for (const [url, trust] of sources) {
        try {
          const response = await fetchImpl(url, { cache: 'no-cache' }).catch(() => {
            throw new Error(unreachable(url));
          });
          if (!response.ok) throw new Error(`${url}: ${response.status}`);
          const json = await readCatalogResponse(response);
          const list = parseCatalog(json, url, trust);
          const upscalers = parseUpscalerCatalog(json, url, trust);
          const { catalog, refused } = mergeCatalog(get().models.catalog, list);
          patch((m) => ({
            catalog,
            upscalers: mergeInto(m.upscalers, upscalers),
            catalogIds: [...m.catalogIds, ...list.map((x) => x.id), ...upscalers.map((x) => x.id)],
            ...(refused.length > 0
              ? { catalogError: `Ignored catalog entries that would replace built-in models: ${refused.join(', ')}.` }
              : {}),
          }));
        } catch (error) {
          patch({
            catalogError: `Could not read the model catalog (${error instanceof Error ? error.message : String(error)}).`,
          });
        }
      }
      await get().refreshModels();
      void (async () => {
        if (!storage?.persist) return;
        const persisted =
          (await storage.persisted?.().catch(() => false)) || (await storage.persist().catch(() => false));
        patch((m) => ({ storage: { ...m.storage, persisted } }));
      })();
      const last = lastStoredModelChoice(options.defaultModelId, prefs);
      const lastModel = last ? find(last) : undefined;
      if (lastModel && lastModel.kind === 'remote' && get().models.stored[lastModel.id]?.complete) {
        get().switchToModel(lastModel.id, options.backend, { applyDefaults: false });
      } else {
        patch({ activeModelId: options.defaultModelId });
        options.onNoStoredModel();
      }
    },

    async refreshModels() {
      const remote = [...get().models.catalog, ...get().models.upscalers].filter((m) => m.kind === 'remote');
      const result = await call('status', {
        models: remote.map((m) => ({ id: m.id, paths: m.files.map((f) => f.path) })),
      });
      // Stored custom models (and upscalers no catalog lists now) are listed from their saved entry.
      const known = new Set([...get().models.catalog, ...get().models.upscalers].map((m) => m.id));
      const extra: CatalogModel[] = [];
      const extraUpscalers: CatalogUpscaler[] = [];
      for (const status of result.models) {
        if (known.has(status.id) || !status.entry) continue;
        if (isUpscalerEntry(status.entry)) {
          const upscaler = storedUpscalerOf(status.entry);
          if (upscaler) extraUpscalers.push(upscaler);
          continue;
        }
        try {
          extra.push(...parseCatalog({ models: [status.entry] }, baseUrl, { kind: 'stored' }));
        } catch {
          // An unreadable entry: the model can still be deleted from the storage line.
        }
      }
      const room = await estimate();
      patch((m) => ({
        catalog: extra.length > 0 ? mergeInto(m.catalog, extra) : m.catalog,
        upscalers: extraUpscalers.length > 0 ? mergeInto(m.upscalers, extraUpscalers) : m.upscalers,
        stored: Object.fromEntries(result.models.map((s) => [s.id, s])),
        storage: { ...m.storage, usage: room?.usage ?? null, quota: room?.quota ?? null, modelBytes: result.usage },
      }));
    },

    async startDownload(id, options = {}) {
      const target = downloadTarget(id);
      if (!target) return;
      const { model } = target;
      if (get().models.downloads[id]?.phase === 'downloading') return;
      const catalogModel = target.kind === 'model' ? target.model : null;
      patch((m) => {
        const { [id]: _cleared, ...loadFailures } = m.loadFailures;
        return { loadFailures, ...(options.thenUse && target.kind === 'model' ? { loadAfterDownload: id } : {}) };
      });
      // A model the WASM backend cannot hold is refused before a byte is downloaded (issue #11).
      const tooBig =
        catalogModel && get().engine.backend === 'wasm'
          ? wasmMemoryProblem({
              name: catalogModel.name,
              fileBytes: modelBytes(catalogModel),
              float16: catalogModel.needs.shaderF16,
              ...(catalogModel.needs.wasmBytes !== undefined ? { wasmBytes: catalogModel.needs.wasmBytes } : {}),
            })
          : null;
      if (tooBig) {
        setDownload(id, { phase: 'error', error: { code: 'internal', message: tooBig, file: null } });
        return;
      }
      const room = await estimate();
      const free = room?.quota !== undefined && room.usage !== undefined ? room.quota - room.usage : null;
      const needed = remainingBytes(id, target.bytes);
      if (free !== null && needed > free) {
        setDownload(id, {
          phase: 'error',
          error: {
            code: 'quota',
            message: `Not enough storage: ${model.name} needs ${formatBytes(needed)} more, and the browser allows this site about ${formatBytes(free)}. Delete a model to make room.`,
            file: null,
          },
        });
        return;
      }
      setDownload(id, { phase: 'downloading', error: null });
      try {
        await call('download', { job: target.job });
      } catch (error) {
        const e = error instanceof DownloadCallError ? error : new DownloadCallError('internal', String(error), null);
        if (e.code === 'aborted') setDownload(id, { phase: 'paused' });
        else setDownload(id, { phase: 'error', error: { code: e.code, message: e.message, file: e.file } });
        await get()
          .refreshModels()
          .catch(() => undefined);
        // Another tab has it: list it here as soon as that tab has stored it.
        if (e.code === 'busy') {
          void call('whenIdle', { modelId: id })
            .then(() => get().refreshModels())
            .then(() =>
              patch((m) => {
                if (m.downloads[id]?.error?.code !== 'busy') return {};
                const { [id]: _done, ...downloads } = m.downloads;
                return { downloads };
              }),
            );
        }
        return;
      }
      // Stored. A failing refresh afterwards does not make the download a failure.
      setDownload(id, { phase: 'done' });
      try {
        await get().refreshModels();
      } catch (error) {
        get().notify({
          kind: 'error',
          source: 'storage',
          text: `${model.name} is downloaded, but the list of stored models could not be read again (${error instanceof Error ? error.message : String(error)}).`,
        });
      }
      if (get().models.loadAfterDownload === id) {
        patch({ loadAfterDownload: null });
        get().switchToModel(id);
      }
    },

    async pauseDownload(id) {
      setDownload(id, { phase: 'paused' });
      await call('pause', { modelId: id });
    },

    async deleteModel(id) {
      const { models } = get();
      if (models.activeModelId === id) {
        const embedded = models.catalog.find((m) => m.kind === 'app');
        if (embedded) get().switchToModel(embedded.id);
      }
      await call('delete', { modelId: id });
      patch((m) => {
        const { [id]: _download, ...downloads } = m.downloads;
        const { [id]: _failure, ...loadFailures } = m.loadFailures;
        return {
          downloads,
          loadFailures,
          catalog: m.catalogIds.includes(id) ? m.catalog : m.catalog.filter((x) => x.id !== id),
          upscalers: m.catalogIds.includes(id) ? m.upscalers : m.upscalers.filter((x) => x.id !== id),
        };
      });
      // Hires. fix must not go on naming an upscaler that is gone: back to A1111's default.
      const hires = get().params.hires;
      if (hires?.upscaler === id) {
        get().setParam('hires', { ...hires, upscaler: DEFAULT_HIRES_PARAMS.upscaler });
        get().notify({
          kind: 'info',
          text: `Hires. fix now uses ${upscalerLabel(DEFAULT_HIRES_PARAMS.upscaler)}: its upscaler was deleted.`,
        });
      }
      await get().refreshModels();
    },

    switchToModel(id, backend, options = {}) {
      const model = find(id);
      if (!model) return;
      if (model.kind === 'remote' && !get().models.stored[id]?.complete) {
        void get().startDownload(id, { thenUse: true });
        return;
      }
      patch({ activeModelId: id });
      rememberChoice(id);
      // The model's own defaults (SD-Turbo: 1 step, CFG off), except when bringing back the model
      // of the last visit, whose form was restored as the person left it.
      const defaults = options.applyDefaults === false ? null : model.defaults;
      const load = () => get().loadModel(modelRefOf(model), backend, { defaults });
      if (model.kind !== 'remote' || !model.files.some((f) => f.sha256)) {
        load();
        return;
      }
      void verifiedBeforeLoad(model).then((ok) => ok && load());
    },

    async inspectCustom(input) {
      patch({ custom: { inspecting: true, error: null, preview: null } });
      try {
        const preview = await inspectCustomModel(input, fetchImpl);
        patch({ custom: { inspecting: false, error: null, preview } });
      } catch (error) {
        patch({
          custom: { inspecting: false, error: error instanceof Error ? error.message : String(error), preview: null },
        });
      }
    },

    addCustomAndDownload() {
      const preview = get().models.custom.preview;
      if (!preview) return;
      patch((m) => ({
        catalog: mergeInto(m.catalog, [preview]),
        custom: { inspecting: false, error: null, preview: null },
      }));
      void get().startDownload(preview.id);
    },

    async redownloadFile(modelId, file) {
      const model = find(modelId);
      if (!model) return;
      const paths = new Set<string>(file ? [file] : []);
      for (const e of model.externalData) if (paths.has(e.graph) || paths.has(e.data)) paths.add(e.graph).add(e.data);
      if (paths.size === 0) for (const f of model.files) if (f.path.endsWith('.onnx')) paths.add(f.path);
      for (const path of paths) await call('invalidate', { modelId, path });
      await get().refreshModels();
      await get().startDownload(modelId, { thenUse: true });
    },

    async recoverFromLoadFailure({ model: ref, code, file, message }) {
      if (ref.storage !== 'opfs') return;
      if (code !== 'model-corrupt' && code !== 'model-missing-file') return;
      const setFailure = (text: string) =>
        patch((m) => ({ loadFailures: { ...m.loadFailures, [ref.id]: { file, message: text } } }));
      setFailure(message);
      const key = `${ref.id}:${file ?? ''}`;
      if (get().models.recovered.includes(key)) return;
      const sha256 = file ? (find(ref.id)?.files.find((f) => f.path === file)?.sha256 ?? null) : null;
      const check = file ? await call('verify', { modelId: ref.id, path: file, sha256 }) : { ok: false, reason: '' };
      if (check.ok) {
        // The stored bytes are the ones that were downloaded: the problem is not storage.
        setFailure(`${message} (the stored file is intact)`);
        return;
      }
      patch((m) => ({ recovered: [...m.recovered, key] }));
      get().notify({
        kind: 'info',
        text: `The stored copy of ${file ?? 'a model file'} is damaged (${check.reason}); downloading it again.`,
      });
      await get().redownloadFile(ref.id, file);
    },
  };
};
