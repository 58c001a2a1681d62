/**
 * The models slice with no DOM: the real download service (src/storage/download-service.ts) on a
 * folder store behind an in-memory port, a loopback model host, and the real engine on
 * onnxruntime-node. A copy of the shipped model stands in for a remote one. Covers the catalog,
 * download → use with the catalog's defaults, a download already running in another tab, a
 * refresh that fails after a successful download, per-model load failures, and flipped bytes in
 * a stored file (a valid protobuf) caught against the catalog's SHA-256 before loading.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_HIRES_PARAMS } from '../../src/protocol/upscale-params.ts';
import { LAST_MODEL_KEY } from '../../src/state/models-slice.ts';
import { upscalerChoices } from '../../src/state/upscalers.ts';
import { createStudioStore, type StudioStore } from '../../src/state/store.ts';
import type { DownloadLocks } from '../../src/storage/download-service.ts';
import type { ModelStore } from '../../src/storage/model-store.ts';
import { fsModelStore } from '../support/fs-model-store.ts';
import { inMemoryDownloadPort, inMemoryEnginePort, inMemoryLocks, until } from '../support/in-memory-ports.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const REMOTE = 'test/remote-tiny';
/** A downloadable upscaler: the embedded SR model's files served as a catalog download. */
const REMOTE_SR = 'test/remote-sr';
const PARTS = ['model_index.json', 'scheduler', 'text_encoder', 'tokenizer', 'unet', 'vae_decoder'];
let serverRoot: string;
let server: TestServer;
let storeRoot: string;

function filesOf(dir: string): { path: string; size: number; sha256: string }[] {
  const out: { path: string; size: number; sha256: string }[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else {
        const bytes = readFileSync(full);
        out.push({
          path: relative(dir, full),
          size: bytes.length,
          sha256: createHash('sha256').update(bytes).digest('hex'),
        });
      }
    }
  };
  walk(dir);
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

beforeAll(async () => {
  serverRoot = mkdtempSync(join(tmpdir(), 'ls-models-host-'));
  for (const part of PARTS)
    cpSync(join('models/tiny-shapes', part), join(serverRoot, 'remote', part), { recursive: true });
  cpSync('models/tiny-shapes-sr/upscaler', join(serverRoot, 'sr', 'upscaler'), { recursive: true });
  const catalog = {
    version: 1,
    models: [
      {
        id: 'tiny-shapes',
        name: 'Tiny Shapes (embedded)',
        kind: 'app',
        baseUrl: 'tiny/',
        files: [],
        defaults: { steps: 20, cfg: 7, sampler: 'euler', width: 64, height: 64 },
      },
      {
        id: REMOTE,
        name: 'Remote tiny',
        kind: 'remote',
        baseUrl: 'remote/',
        files: filesOf(join(serverRoot, 'remote')),
        defaults: { steps: 3, cfg: 2.5, sampler: 'euler', width: 64, height: 64 },
      },
    ],
    upscalers: [
      {
        id: REMOTE_SR,
        name: 'Remote SR 2x',
        kind: 'remote',
        baseUrl: 'sr/',
        scale: 2,
        files: filesOf(join(serverRoot, 'sr')),
      },
    ],
  };
  writeFileSync(join(serverRoot, 'catalog.json'), JSON.stringify(catalog));
  server = await startTestServer({ root: serverRoot });
});
afterAll(async () => {
  await server.close();
  rmSync(serverRoot, { recursive: true, force: true });
});
beforeEach(() => {
  storeRoot = mkdtempSync(join(tmpdir(), 'ls-models-store-'));
});
afterEach(() => {
  server.clearFaults();
  server.setThrottle(0);
  rmSync(storeRoot, { recursive: true, force: true });
});

const tinyFolder = resolve('models/tiny-shapes');

/** One "tab": a store with an engine and a model manager on the shared folder store. */
async function tab(options: { locks?: DownloadLocks; store?: ModelStore } = {}) {
  const modelStore = options.store ?? fsModelStore(storeRoot);
  const store: StudioStore = createStudioStore();
  const prefs = new Map<string, string>();
  store.getState().connectEngine(() => inMemoryEnginePort({ store: modelStore, folderOf: () => tinyFolder }));
  await store.getState().initModelManager({
    port: inMemoryDownloadPort({ store: () => modelStore, locks: options.locks ?? null }),
    catalogUrl: `${server.url}catalog.json`,
    defaultModelId: 'tiny-shapes',
    backend: 'wasm',
    onNoStoredModel: () => store.getState().switchToModel('tiny-shapes'),
    storage: null,
    prefs: { getItem: (k) => prefs.get(k) ?? null, setItem: (k, v) => void prefs.set(k, v) },
    baseUrl: server.url,
  });
  return { store, prefs };
}

const ready = (s: ReturnType<StudioStore['getState']>) => s.engine.phase === 'ready';

describe('models slice', () => {
  it('lists the catalog, downloads a model on "Use", loads it with the catalog defaults, and generates', async () => {
    const { store, prefs } = await tab();
    await until(store, ready);
    expect(store.getState().models.catalog.map((m) => m.id)).toEqual(['tiny-shapes', REMOTE]);
    store.getState().setParams({ steps: 12, cfg: 9 });
    store.getState().switchToModel(REMOTE);
    await until(store, (s) => s.models.downloads[REMOTE]?.phase === 'done');
    const loaded = await until(store, (s) => ready(s) && s.engine.model?.id === REMOTE);
    expect(loaded.params).toMatchObject({ steps: 3, cfg: 2.5, width: 64, height: 64 });
    expect(loaded.models.stored[REMOTE]?.complete).toBe(true);
    expect(loaded.models.activeModelId).toBe(REMOTE);
    expect(prefs.get(LAST_MODEL_KEY)).toBe(REMOTE);
    expect(store.getState().generate()).toBe(true);
    const done = await until(store, (s) => s.lastRun?.outcome === 'done');
    expect(done.gallery[0]?.modelId).toBe(REMOTE);
  });

  it('a download already running in another tab is named as such, and this tab lists the model once stored', async () => {
    const locks = inMemoryLocks();
    const a = await tab({ locks });
    const b = await tab({ locks });
    server.setThrottle(6_000_000);
    const first = a.store.getState().startDownload(REMOTE);
    await until(a.store, (s) => (s.models.downloads[REMOTE]?.progress?.loaded ?? 0) > 0);
    await b.store.getState().startDownload(REMOTE);
    const refused = b.store.getState().models.downloads[REMOTE];
    expect(refused?.phase).toBe('error');
    expect(refused?.error?.code).toBe('busy');
    expect(refused?.error?.message).toMatch(/already downloading in another tab/);
    expect(refused?.error?.message).not.toMatch(/createSyncAccessHandle/);
    await first;
    expect(a.store.getState().models.downloads[REMOTE]?.phase).toBe('done');
    await until(b.store, (s) => s.models.stored[REMOTE]?.complete === true);
    // The "other tab" message goes once the model is stored: the card shows it as stored.
    await until(b.store, (s) => s.models.downloads[REMOTE] === undefined);
  });

  it('a download that succeeded stays done when the stored list cannot be read again', async () => {
    const inner = fsModelStore(storeRoot);
    let broken = false;
    const flaky: ModelStore = {
      ...inner,
      writeManifest: async (model, manifest) => {
        await inner.writeManifest(model, manifest);
        if (Object.keys(manifest.files).length === filesOf(join(serverRoot, 'remote')).length) broken = true;
      },
      listModels: async () => {
        if (broken) throw new Error('the disk went away');
        return inner.listModels();
      },
    };
    const { store } = await tab({ store: flaky });
    await store.getState().startDownload(REMOTE);
    const state = store.getState();
    expect(state.models.downloads[REMOTE]?.phase).toBe('done');
    expect(state.models.downloads[REMOTE]?.error).toBeNull();
    expect(state.notice?.text).toMatch(/Remote tiny is downloaded, but the list of stored models could not be read/);
  });

  it('a damaged stored file is found before loading, downloaded again, and the model loads; only its card shows it', async () => {
    const { store } = await tab();
    await store.getState().startDownload(REMOTE);
    await until(store, ready);
    // Damage the stored U-Net so it no longer parses.
    const unet = join(storeRoot, encodeURIComponent(REMOTE), 'unet', 'model.onnx');
    const bytes = readFileSync(unet);
    bytes.fill(0x42, 0, 4096);
    writeFileSync(unet, bytes);
    store.getState().switchToModel(REMOTE);
    await until(store, (s) => s.models.loadFailures[REMOTE] !== undefined);
    expect(Object.keys(store.getState().models.loadFailures)).toEqual([REMOTE]);
    expect(store.getState().models.loadFailures['tiny-shapes']).toBeUndefined();
    const loaded = await until(store, (s) => ready(s) && s.engine.model?.id === REMOTE);
    expect(readFileSync(unet).equals(readFileSync(join(serverRoot, 'remote/unet/model.onnx')))).toBe(true);
    expect(loaded.models.loadFailures[REMOTE]).toBeUndefined();
  });

  it('flipped weights in a valid protobuf are caught against the catalog SHA-256 before the model loads', async () => {
    const { store } = await tab();
    await store.getState().startDownload(REMOTE);
    await until(store, ready);
    const unet = join(storeRoot, encodeURIComponent(REMOTE), 'unet', 'model.onnx');
    const bytes = readFileSync(unet);
    const at = bytes.length - 1000; // inside the weights: the graph still parses
    bytes[at] = (bytes[at] as number) ^ 0x01;
    writeFileSync(unet, bytes);
    const requests: string[] = [];
    const sub = store.subscribe((s, prev) => {
      if (s.engine.phase !== prev.engine.phase) requests.push(`${s.engine.phase}:${s.currentModel?.model.id}`);
    });
    store.getState().switchToModel(REMOTE);
    await until(store, (s) => ready(s) && s.engine.model?.id === REMOTE);
    sub();
    expect(store.getState().notice?.text ?? '').toMatch(
      /unet\/model.onnx is damaged \(its SHA-256 does not match the catalog\)/,
    );
    expect(readFileSync(unet).equals(readFileSync(join(serverRoot, 'remote/unet/model.onnx')))).toBe(true);
    // The damaged copy was never handed to the engine: the first load of the model came after the repair.
    expect(requests.filter((r) => r.endsWith(REMOTE))).toEqual(['loading:test/remote-tiny', 'ready:test/remote-tiny']);
  });

  it('downloads a catalog upscaler, offers it to Upscale and Hires. fix, and withdraws it when deleted', async () => {
    const { store } = await tab();
    await until(store, ready);
    const state = () => store.getState();
    expect(state().models.upscalers.map((u) => u.id)).toContain(REMOTE_SR);
    expect(state().models.catalog.map((m) => m.id)).not.toContain(REMOTE_SR);
    const choice = () => upscalerChoices(state().models).find((c) => c.id === REMOTE_SR);
    expect(choice()).toMatchObject({ available: false, reason: expect.stringMatching(/not downloaded/) });

    state().setParams({ steps: 2, prompt: 'a red circle' });
    expect(state().generate()).toBe(true);
    const item = (await until(store, (s) => s.lastRun?.outcome === 'done' && s.gallery.length === 1)).gallery[0];
    if (!item?.rgba) throw new Error('no image');
    const pixels = { rgba: item.rgba, width: item.width, height: item.height };
    // Not downloaded: the job is refused with what to do.
    expect(state().upscaleGalleryImage(item.id, pixels, 2, REMOTE_SR)).toBe(false);
    expect(state().notice?.text).toMatch(/Remote SR 2x is not downloaded: download it under Models/);

    await state().startDownload(REMOTE_SR);
    expect(state().models.downloads[REMOTE_SR]?.phase).toBe('done');
    expect(state().models.stored[REMOTE_SR]?.complete).toBe(true);
    // A stored upscaler's entry is never read back as a diffusion model.
    expect(state().models.catalog.map((m) => m.id)).not.toContain(REMOTE_SR);
    expect(choice()?.available).toBe(true);

    expect(state().upscaleGalleryImage(item.id, pixels, 2, REMOTE_SR)).toBe(true);
    const upscaled = (await until(store, (s) => s.gallery.length === 2 && s.job === null)).gallery[0];
    expect(upscaled).toMatchObject({ width: 128, height: 128 });
    expect(upscaled?.params.postprocess).toEqual({ upscaleBy: 2, upscaler: 'Remote SR 2x' });
    // The same weights as the embedded SR model: the same pixels as upscaling with it.
    expect(state().upscaleGalleryImage(item.id, pixels, 2, 'tiny-shapes-sr')).toBe(true);
    const embedded = (await until(store, (s) => s.gallery.length === 3 && s.job === null)).gallery[0];
    expect(Buffer.from(embedded?.rgba ?? []).equals(Buffer.from(upscaled?.rgba ?? [1]))).toBe(true);

    state().setParam('hires', { ...DEFAULT_HIRES_PARAMS, upscaler: REMOTE_SR, scale: 2, steps: 1 });
    await state().deleteModel(REMOTE_SR);
    expect(state().models.stored[REMOTE_SR]).toBeUndefined();
    expect(state().params.hires?.upscaler).toBe('latent');
    expect(choice()?.available).toBe(false);
    // A form still naming a missing upscaler (restored from an old visit) is refused with why.
    state().setParam('hires', { ...DEFAULT_HIRES_PARAMS, upscaler: REMOTE_SR });
    expect(state().generate()).toBe(false);
    expect(state().notice?.text).toMatch(/Remote SR 2x is not downloaded/);
  });
});
