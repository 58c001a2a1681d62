/**
 * The download manager's core against a real loopback HTTP server with injected faults and a
 * real folder on disk: resume with Range after drops and "reloads", restart when the server
 * ignores ranges, size and sha256 verification, 404/500, short bodies, and quota errors that
 * remove only the partial file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  downloadModel,
  DownloadError,
  type DownloadFile,
  type DownloadProgress,
} from '../../src/storage/model-downloader.ts';
import { invalidateStoredFile, storedStatus } from '../../src/storage/stored-file.ts';
import { withQuotaLimit, type ModelStore } from '../../src/storage/model-store.ts';
import { fsModelStore } from '../support/fs-model-store.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const MODEL = 'test/tiny-remote';
const contents: Record<string, Buffer> = {
  'model_index.json': Buffer.from(JSON.stringify({ _class_name: 'OnnxStableDiffusionPipeline' })),
  'unet/model.onnx': randomBytes(700_000),
  'text_encoder/model.onnx': randomBytes(300_000),
};
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let serverRoot: string;
let server: TestServer;
let storeRoot: string;
let store: ModelStore;

beforeAll(async () => {
  serverRoot = mkdtempSync(join(tmpdir(), 'ls-server-'));
  for (const [path, bytes] of Object.entries(contents)) {
    mkdirSync(join(serverRoot, 'm', path, '..'), { recursive: true });
    writeFileSync(join(serverRoot, 'm', path), bytes);
  }
  server = await startTestServer({ root: serverRoot });
});
afterAll(async () => {
  await server.close();
  rmSync(serverRoot, { recursive: true, force: true });
});
beforeEach(() => {
  storeRoot = mkdtempSync(join(tmpdir(), 'ls-store-'));
  store = fsModelStore(storeRoot);
  server.log.length = 0;
});
afterEach(() => {
  server.clearFaults();
  server.setThrottle(0);
  rmSync(storeRoot, { recursive: true, force: true });
});

function files(options: { sizes?: boolean; hashes?: boolean } = {}): DownloadFile[] {
  return Object.entries(contents).map(([path, bytes]) => ({
    path,
    url: `${server.url}m/${path}`,
    size: options.sizes === false ? null : bytes.length,
    sha256: options.hashes === false ? null : sha(bytes),
  }));
}

const job = (list = files()) => ({ modelId: MODEL, files: list, entry: { id: MODEL } });
const stored = (path: string) => readFileSync(join(storeRoot, encodeURIComponent(MODEL), ...path.split('/')));
const fast = { retryDelayMs: 10 };

describe('downloadModel', () => {
  it('stores every file, verified, and reports bytes, speed and ETA up to the total', async () => {
    const progress: DownloadProgress[] = [];
    const manifest = await downloadModel(job(), { store, ...fast, onProgress: (p) => progress.push(p) });
    for (const [path, bytes] of Object.entries(contents)) {
      expect(stored(path).equals(bytes)).toBe(true);
      expect(manifest.files[path]).toMatchObject({ size: bytes.length, sha256: sha(bytes) });
    }
    const total = Object.values(contents).reduce((n, b) => n + b.length, 0);
    const last = progress.at(-1) as DownloadProgress;
    expect(last.loaded).toBe(total);
    expect(last.total).toBe(total);
    expect(last.files.every((f) => f.state === 'stored')).toBe(true);
    expect(progress.some((p) => p.files.some((f) => f.state === 'verifying'))).toBe(true);
    expect((await storedStatus(store, MODEL, Object.keys(contents))).complete).toBe(true);
    // A second run finds everything stored and asks the server for nothing.
    server.log.length = 0;
    await downloadModel(job(), { store, ...fast });
    expect(server.log).toEqual([]);
  });

  it('resumes after a dropped connection with Range: bytes=N- and appends the rest', async () => {
    server.fault('/m/unet/model.onnx', { kind: 'drop', after: 250_000 });
    await downloadModel(job(), { store, ...fast });
    expect(stored('unet/model.onnx').equals(contents['unet/model.onnx'] as Buffer)).toBe(true);
    const unet = server.log.filter((r) => r.path === '/m/unet/model.onnx');
    expect(unet).toHaveLength(2);
    expect(unet[0]?.range).toBeNull();
    const resumedAt = Number(/bytes=(\d+)-$/.exec(unet[1]?.range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(250_000);
    expect(unet[1]?.status).toBe(206);
  });

  it('resumes a download paused (or cut by a reload) in an earlier run', async () => {
    server.setThrottle(400_000);
    const controller = new AbortController();
    const first = downloadModel(job(), {
      store,
      ...fast,
      signal: controller.signal,
      onProgress: (p) => {
        const unet = p.files.find((f) => f.path === 'unet/model.onnx');
        if (unet && unet.loaded > 100_000) controller.abort();
      },
    });
    await expect(first).rejects.toMatchObject({ code: 'aborted' });
    const partial = (await store.size(MODEL, 'unet/model.onnx')) ?? 0;
    expect(partial).toBeGreaterThan(100_000);
    expect((await storedStatus(store, MODEL, Object.keys(contents))).missing).toContain('unet/model.onnx');

    server.setThrottle(0);
    server.log.length = 0;
    await downloadModel(job(), { store, ...fast });
    expect(stored('unet/model.onnx').equals(contents['unet/model.onnx'] as Buffer)).toBe(true);
    const unet = server.log.filter((r) => r.path === '/m/unet/model.onnx');
    expect(unet[0]?.range).toBe(`bytes=${partial}-`);
    expect(server.log.some((r) => r.path === '/m/model_index.json')).toBe(false);
  });

  it('restarts the file when the server ignores the range and answers 200', async () => {
    server.fault('/m/unet/model.onnx', { kind: 'drop', after: 200_000 });
    server.fault('/m/unet/model.onnx', { kind: 'drop', after: 200_000 });
    const onceDropped = downloadModel(job(), { store, ...fast, retries: 0 });
    await expect(onceDropped).rejects.toMatchObject({ code: 'network' });
    server.fault('/m/unet/model.onnx', { kind: 'ignore-range' });
    await downloadModel(job(), { store, ...fast });
    expect(stored('unet/model.onnx').equals(contents['unet/model.onnx'] as Buffer)).toBe(true);
    expect(server.log.filter((r) => r.path === '/m/unet/model.onnx').at(-1)?.status).toBe(200);
  });

  it('retries a 500 and fails clearly on a 404, keeping what was stored', async () => {
    server.fault('/m/unet/model.onnx', { kind: 'status', status: 500 });
    await downloadModel(job(), { store, ...fast });
    expect(stored('unet/model.onnx').equals(contents['unet/model.onnx'] as Buffer)).toBe(true);

    await store.remove(MODEL);
    server.fault('/m/text_encoder/model.onnx', { kind: 'status', status: 404, times: 10 });
    const error = await downloadModel(job(), { store, ...fast }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DownloadError);
    expect(error).toMatchObject({ code: 'not-found', file: 'text_encoder/model.onnx' });
    const status = await storedStatus(store, MODEL, Object.keys(contents));
    expect(status.missing).toEqual(['text_encoder/model.onnx']);
  });

  it('gives up on a server that keeps failing, with the status in the message', async () => {
    server.fault('/m/unet/model.onnx', { kind: 'status', status: 503, times: 10 });
    await expect(downloadModel(job(), { store, ...fast, retries: 2 })).rejects.toThrow(/503/);
  });

  it('detects a body shorter than its Content-Length and completes it', async () => {
    server.fault('/m/unet/model.onnx', { kind: 'wrong-length', extra: 1000 });
    await downloadModel(job(files({ sizes: false, hashes: false })), { store, ...fast });
    expect(stored('unet/model.onnx').equals(contents['unet/model.onnx'] as Buffer)).toBe(true);
  });

  it('retries a wrong Content-Length once it is gone, and names both exact sizes when it stays', async () => {
    server.fault('/m/unet/model.onnx', { kind: 'wrong-length', extra: 100 });
    await downloadModel(job(), { store, ...fast });
    expect(stored('unet/model.onnx').equals(contents['unet/model.onnx'] as Buffer)).toBe(true);
    expect(server.log.filter((r) => r.path === '/m/unet/model.onnx')).toHaveLength(2);

    rmSync(storeRoot, { recursive: true, force: true });
    server.fault('/m/unet/model.onnx', { kind: 'wrong-length', extra: 100, times: 10 });
    const error = await downloadModel(job(), { store, ...fast, retries: 2 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'size-mismatch', file: 'unet/model.onnx' });
    expect((error as Error).message).toMatch(/announces 700,100 bytes but the catalog expects 700,000 bytes/);
    expect(await store.size(MODEL, 'unet/model.onnx')).toBeNull();
  });

  it('refuses a file whose size differs from the catalog, storing nothing of it', async () => {
    const list = files();
    (list[1] as DownloadFile).size = 123;
    await expect(downloadModel(job(list), { store, ...fast })).rejects.toMatchObject({
      code: 'size-mismatch',
      file: 'unet/model.onnx',
    });
    expect(await store.size(MODEL, 'unet/model.onnx')).toBeNull();
  });

  it('catches corrupted bytes by sha256, removes them and downloads the file again', async () => {
    server.fault('/m/unet/model.onnx', { kind: 'corrupt', offset: 1000 });
    await downloadModel(job(), { store, ...fast });
    expect(stored('unet/model.onnx').equals(contents['unet/model.onnx'] as Buffer)).toBe(true);

    await store.remove(MODEL);
    server.fault('/m/unet/model.onnx', { kind: 'corrupt', offset: 1000, times: 5 });
    await expect(downloadModel(job(), { store, ...fast })).rejects.toMatchObject({
      code: 'checksum',
      file: 'unet/model.onnx',
    });
    expect(await store.size(MODEL, 'unet/model.onnx')).toBeNull();
  });

  it('on quota exceeded: a clear error, the partial file removed, other stored files kept', async () => {
    const limited = withQuotaLimit(store, 500_000);
    const error = await downloadModel(job(), { store: limited, ...fast }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'quota', file: 'unet/model.onnx' });
    expect((error as Error).message).toMatch(/quota exceeded/i);
    expect(await store.size(MODEL, 'unet/model.onnx')).toBeNull();
    const status = await storedStatus(store, MODEL, Object.keys(contents));
    expect(Object.keys(status.manifest?.files ?? {})).toEqual(['model_index.json']);
    expect(stored('model_index.json').equals(contents['model_index.json'] as Buffer)).toBe(true);
  });

  it('forgets a stored file that later fails to load, so the next run fetches it again', async () => {
    await downloadModel(job(), { store, ...fast });
    await invalidateStoredFile(store, MODEL, 'unet/model.onnx');
    expect((await storedStatus(store, MODEL, Object.keys(contents))).missing).toEqual(['unet/model.onnx']);
    server.log.length = 0;
    await downloadModel(job(), { store, ...fast });
    expect(server.log.map((r) => r.path)).toEqual(['/m/unet/model.onnx']);
    expect(stored('unet/model.onnx').equals(contents['unet/model.onnx'] as Buffer)).toBe(true);
  });
});
