/**
 * The model manager's state and actions: the catalog (models/catalog.json, an optional extra
 * catalog, custom models), what is stored in OPFS, downloads in progress (bytes, speed, ETA,
 * pause/resume), storage used and free, and which model the engine runs. Downloads run in the
 * download worker (src/storage/model-download.worker.ts); this module talks to it through a
 * small call/reply port and to the engine through the engine bridge.
 *
 * Recovery: when a stored model fails to load, the file at fault is checked against the digest
 * recorded when it was stored; a damaged or missing file is forgotten and downloaded again, then
 * the model is loaded again (once). A file that checks out is left alone, and the error says so,
 * with "Download again" still offered, so the person is never stuck.
 */
import { createStore } from 'zustand/vanilla';
import type { BackendChoice, ModelRef } from '../protocol/messages.ts';
import type { DownloadEvent, DownloadRequest, StoredModelStatus } from '../storage/model-download-protocol.ts';
import type { DownloadErrorCode, DownloadProgress } from '../storage/model-downloader.ts';
import {
  downloadJobOf,
  inspectCustomModel,
  modelBytes,
  parseCatalog,
  type CatalogModel,
} from '../storage/model-catalog.ts';
import { wasmMemoryProblem } from '../runtime/adapter-check.ts';
import { setParams } from './actions.ts';
import { loadModel, onModelLoadFailed } from './engine-bridge.ts';
import { studio } from './store.ts';

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
  catalogError: string | null;
  stored: Record<string, StoredModelStatus>;
  downloads: Record<string, DownloadState>;
  storage: StorageInfo;
  activeModelId: string | null;
  custom: { inspecting: boolean; error: string | null; preview: CatalogModel | null };
  /** A stored model whose file failed to load, kept so the UI can offer "Download again". */
  loadFailure: { modelId: string; file: string | null; message: string } | null;
}

export const models = createStore<ModelsState>()(() => ({
  catalog: [],
  catalogError: null,
  stored: {},
  downloads: {},
  storage: { usage: null, quota: null, persisted: null, modelBytes: 0 },
  activeModelId: null,
  custom: { inspecting: false, error: null, preview: null },
  loadFailure: null,
}));

// ── the download worker port ─────────────────────────────────────────────────
export interface DownloadPort {
  postMessage(message: DownloadRequest): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<DownloadEvent>) => void): void;
}

class CallError extends Error {
  constructor(
    readonly code: DownloadErrorCode | 'internal',
    message: string,
    readonly file: string | null,
  ) {
    super(message);
  }
}

type Pending = { resolve: (value: unknown) => void; reject: (error: CallError) => void };
let port: DownloadPort | null = null;
let nextCall = 1;
const pending = new Map<number, Pending>();

type WithoutCall<T> = T extends unknown ? Omit<T, 'call'> : never;

function call<T>(request: WithoutCall<DownloadRequest>): Promise<T> {
  if (!port) return Promise.reject(new CallError('internal', 'The model manager is not started.', null));
  const id = nextCall++;
  const message = { ...request, call: id } as DownloadRequest;
  return new Promise<T>((resolve, reject) => {
    pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
    (port as DownloadPort).postMessage(message);
  });
}

function onWorkerEvent(event: DownloadEvent) {
  if (event.type === 'progress') {
    const { progress } = event;
    models.setState((s) => {
      const current = s.downloads[progress.modelId];
      if (current && current.phase !== 'downloading') return {};
      return { downloads: { ...s.downloads, [progress.modelId]: { phase: 'downloading', progress, error: null } } };
    });
    return;
  }
  const waiter = pending.get(event.call);
  if (!waiter) return;
  pending.delete(event.call);
  if (event.ok) waiter.resolve(event.value);
  else waiter.reject(new CallError(event.code, event.message, event.file));
}

// ── helpers ──────────────────────────────────────────────────────────────────
const LAST_MODEL_KEY = 'latent-studio:model';
const recovered = new Set<string>();
let loadAfterDownload: string | null = null;

export const findModel = (id: string): CatalogModel | undefined => models.getState().catalog.find((m) => m.id === id);

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '?';
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)} kB`;
  return `${n} B`;
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

async function fetchCatalog(url: string): Promise<CatalogModel[]> {
  const response = await fetch(url, { cache: 'no-cache' });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return parseCatalog(await response.json(), url);
}

/** Ids that come from a catalog file (the rest are custom models, listed while stored). */
const catalogIds = new Set<string>();

function mergeCatalog(list: CatalogModel[]) {
  models.setState((s) => {
    const byId = new Map(s.catalog.map((m) => [m.id, m]));
    for (const m of list) byId.set(m.id, m);
    return { catalog: [...byId.values()] };
  });
}

// ── actions ──────────────────────────────────────────────────────────────────
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
}

/** The stored model the person used last, if it is not the embedded one. */
export function lastStoredModelChoice(defaultModelId: string): string | null {
  try {
    const id = localStorage.getItem(LAST_MODEL_KEY);
    return id && id !== defaultModelId ? id : null;
  } catch {
    return null;
  }
}

export async function initModelManager(options: ModelManagerOptions): Promise<void> {
  port = options.port;
  port.addEventListener('message', (event) => onWorkerEvent(event.data));
  onModelLoadFailed(
    (failure) => void recoverFromLoadFailure(failure.model, failure.code, failure.file, failure.message),
  );
  await call({ type: 'configure', quotaBytes: options.quotaBytes ?? null });
  const sources = [options.catalogUrl, ...(options.extraCatalogUrl ? [options.extraCatalogUrl] : [])];
  for (const url of sources) {
    try {
      const list = await fetchCatalog(url);
      for (const m of list) catalogIds.add(m.id);
      mergeCatalog(list);
    } catch (error) {
      models.setState({
        catalogError: `Could not read the model catalog (${error instanceof Error ? error.message : String(error)}).`,
      });
    }
  }
  await refreshModels();
  void requestPersistence();
  const last = lastStoredModelChoice(options.defaultModelId);
  const lastModel = last ? findModel(last) : undefined;
  if (lastModel && lastModel.kind === 'remote' && models.getState().stored[lastModel.id]?.complete) {
    switchToModel(lastModel.id, options.backend, { applyDefaults: false });
  } else {
    models.setState({ activeModelId: options.defaultModelId });
    options.onNoStoredModel();
  }
}

/** Asks for persistent storage (granted silently by engagement in Chrome/Safari; Firefox asks). */
export async function requestPersistence(): Promise<void> {
  const storage = navigator.storage as StorageManager | undefined;
  if (!storage?.persist) return;
  const persisted = (await storage.persisted().catch(() => false)) || (await storage.persist().catch(() => false));
  models.setState((s) => ({ storage: { ...s.storage, persisted } }));
}

export async function refreshModels(): Promise<void> {
  const remote = models.getState().catalog.filter((m) => m.kind === 'remote');
  const result = await call<{ models: StoredModelStatus[]; usage: number }>({
    type: 'status',
    models: remote.map((m) => ({ id: m.id, paths: m.files.map((f) => f.path) })),
  });
  // Stored custom models are listed from the entry saved with them.
  const known = new Set(models.getState().catalog.map((m) => m.id));
  const extra: CatalogModel[] = [];
  for (const status of result.models) {
    if (known.has(status.id) || !status.entry) continue;
    try {
      extra.push(...parseCatalog({ models: [status.entry] }, location.href));
    } catch {
      // An unreadable entry: the model can still be deleted from the storage line.
    }
  }
  if (extra.length > 0) mergeCatalog(extra);
  const estimate = await navigator.storage?.estimate?.().catch(() => null);
  models.setState((s) => ({
    stored: Object.fromEntries(result.models.map((m) => [m.id, m])),
    storage: { ...s.storage, usage: estimate?.usage ?? null, quota: estimate?.quota ?? null, modelBytes: result.usage },
  }));
}

function setDownload(id: string, patch: Partial<DownloadState>) {
  models.setState((s) => {
    const current = s.downloads[id] ?? { phase: 'downloading', progress: null, error: null };
    return { downloads: { ...s.downloads, [id]: { ...current, ...patch } } };
  });
}

/** Bytes still to download for a model (catalog sizes minus what is stored or partial). */
function remainingBytes(model: CatalogModel): number {
  const stored = models.getState().stored[model.id];
  return Math.max(0, modelBytes(model) - (stored ? stored.storedBytes + stored.partialBytes : 0));
}

export async function startDownload(id: string, options: { thenUse?: boolean } = {}): Promise<void> {
  const model = findModel(id);
  if (!model || model.kind !== 'remote') return;
  if (models.getState().downloads[id]?.phase === 'downloading') return;
  if (options.thenUse) loadAfterDownload = id;
  models.setState({ loadFailure: null });
  const estimate = await navigator.storage?.estimate?.().catch(() => null);
  const free = estimate?.quota !== undefined && estimate.usage !== undefined ? estimate.quota - estimate.usage : null;
  // A model the WASM backend cannot hold is refused before a byte is downloaded (issue #11).
  const tooBig =
    studio.getState().engine.backend === 'wasm'
      ? wasmMemoryProblem({
          name: model.name,
          fileBytes: modelBytes(model),
          float16: model.needs.shaderF16,
          ...(model.needs.wasmBytes !== undefined ? { wasmBytes: model.needs.wasmBytes } : {}),
        })
      : null;
  if (tooBig) {
    setDownload(id, { phase: 'error', error: { code: 'internal', message: tooBig, file: null } });
    return;
  }
  const needed = remainingBytes(model);
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
    await call({ type: 'download', job: downloadJobOf(model) });
    setDownload(id, { phase: 'done' });
    await refreshModels();
    if (loadAfterDownload === id) {
      loadAfterDownload = null;
      switchToModel(id);
    }
  } catch (error) {
    const e = error instanceof CallError ? error : new CallError('internal', String(error), null);
    if (e.code === 'aborted') setDownload(id, { phase: 'paused' });
    else setDownload(id, { phase: 'error', error: { code: e.code, message: e.message, file: e.file } });
    await refreshModels().catch(() => undefined);
  }
}

export async function pauseDownload(id: string): Promise<void> {
  setDownload(id, { phase: 'paused' });
  await call({ type: 'pause', modelId: id });
}

export async function deleteModel(id: string): Promise<void> {
  const state = models.getState();
  if (state.activeModelId === id) {
    const embedded = state.catalog.find((m) => m.kind === 'app');
    if (embedded) switchToModel(embedded.id);
  }
  await call({ type: 'delete', modelId: id });
  models.setState((s) => {
    const { [id]: _gone, ...downloads } = s.downloads;
    return {
      downloads,
      loadFailure: s.loadFailure?.modelId === id ? null : s.loadFailure,
      catalog: catalogIds.has(id) ? s.catalog : s.catalog.filter((m) => m.id !== id),
    };
  });
  await refreshModels();
}

/** Loads a model in the engine (the embedded one from the app, a stored one from OPFS). */
export function switchToModel(id: string, backend?: BackendChoice, options: { applyDefaults?: boolean } = {}): void {
  const model = findModel(id);
  if (!model) return;
  if (model.kind === 'remote' && !models.getState().stored[id]?.complete) {
    void startDownload(id, { thenUse: true });
    return;
  }
  models.setState({ activeModelId: id });
  try {
    localStorage.setItem(LAST_MODEL_KEY, id);
  } catch {
    // Private mode: the choice is simply not remembered.
  }
  // The model's own defaults (SD-Turbo: 1 step, CFG off), except when bringing back the model
  // of the last visit, whose form was restored as the person left it.
  if (options.applyDefaults !== false) setParams({ steps: model.defaults.steps, cfg: model.defaults.cfg });
  loadModel(modelRefOf(model), backend);
}

/** Inspects a Hugging Face repo id or base URL before anything is downloaded. */
export async function inspectCustom(input: string): Promise<void> {
  models.setState({ custom: { inspecting: true, error: null, preview: null } });
  try {
    const preview = await inspectCustomModel(input);
    models.setState({ custom: { inspecting: false, error: null, preview } });
  } catch (error) {
    models.setState({
      custom: { inspecting: false, error: error instanceof Error ? error.message : String(error), preview: null },
    });
  }
}

export function addCustomAndDownload(): void {
  const preview = models.getState().custom.preview;
  if (!preview) return;
  mergeCatalog([preview]);
  models.setState({ custom: { inspecting: false, error: null, preview: null } });
  void startDownload(preview.id);
}

/** Forgets a stored file (and its external-data partner) and downloads it again. */
export async function redownloadFile(modelId: string, file: string | null): Promise<void> {
  const model = findModel(modelId);
  if (!model) return;
  const paths = new Set<string>(file ? [file] : []);
  for (const e of model.externalData) if (paths.has(e.graph) || paths.has(e.data)) paths.add(e.graph).add(e.data);
  if (paths.size === 0) for (const f of model.files) if (f.path.endsWith('.onnx')) paths.add(f.path);
  for (const path of paths) await call({ type: 'invalidate', modelId, path });
  await refreshModels();
  await startDownload(modelId, { thenUse: true });
}

async function recoverFromLoadFailure(
  ref: ModelRef,
  code: string,
  file: string | null,
  message: string,
): Promise<void> {
  if (ref.storage !== 'opfs') return;
  if (code !== 'model-corrupt' && code !== 'model-missing-file') return;
  models.setState({ loadFailure: { modelId: ref.id, file, message } });
  const key = `${ref.id}:${file ?? ''}`;
  if (recovered.has(key)) return;
  const check = file
    ? await call<{ ok: boolean; reason: string }>({ type: 'verify', modelId: ref.id, path: file })
    : { ok: false, reason: '' };
  if (check.ok) {
    // The stored bytes are the ones that were downloaded: the problem is not storage.
    models.setState({ loadFailure: { modelId: ref.id, file, message: `${message} (the stored file is intact)` } });
    return;
  }
  recovered.add(key);
  studio.setState({
    notice: {
      kind: 'info',
      text: `The stored copy of ${file ?? 'a model file'} is damaged (${check.reason}); downloading it again.`,
    },
  });
  await redownloadFile(ref.id, file);
}
