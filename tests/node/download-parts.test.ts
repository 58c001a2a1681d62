/**
 * The downloader's parts on their own: the range-response classifier (every status and header
 * combination a resumable download meets), the progress meter (speed over a sliding window,
 * ETA, unknown totals), and stored-file verification against the manifest and the catalog.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DownloadProgress, FileProgress } from '../../src/storage/download-types.ts';
import type { ModelStore } from '../../src/storage/model-store.ts';
import { createProgressMeter } from '../../src/storage/progress-meter.ts';
import { classifyRangeResponse, describeSizes, sizeMismatch } from '../../src/storage/range-response.ts';
import { verifyStoredFile } from '../../src/storage/stored-file.ts';
import { fsModelStore } from '../support/fs-model-store.ts';

const head = (status: number, headers: Record<string, string> = {}) => ({
  status,
  headers: { get: (name: string) => headers[name.toLowerCase()] ?? null },
});
const classify = (status: number, headers: Record<string, string>, offset: number) =>
  classifyRangeResponse(head(status, headers), offset, 'unet/model.onnx', 'https://host/unet/model.onnx');

describe('classifyRangeResponse', () => {
  it('appends only a 206 that starts where the stored bytes stop', () => {
    expect(classify(206, { 'content-range': 'bytes 100-999/1000' }, 100)).toEqual({ kind: 'append', total: 1000 });
    // Total unknown ("*"): offset + Content-Length.
    expect(classify(206, { 'content-range': 'bytes 100-999/*', 'content-length': '900' }, 100)).toEqual({
      kind: 'append',
      total: 1000,
    });
    const other = classify(206, { 'content-range': 'bytes 0-999/1000' }, 100);
    expect(other.kind).toBe('restart');
    expect(classify(206, {}, 100).kind).toBe('restart');
  });

  it('a 200 is the whole file from byte 0, whatever was asked', () => {
    expect(classify(200, { 'content-length': '1000' }, 0)).toEqual({ kind: 'from-start', total: 1000 });
    expect(classify(200, { 'content-length': '1000' }, 500)).toEqual({ kind: 'from-start', total: 1000 });
    expect(classify(200, {}, 0)).toEqual({ kind: 'from-start', total: null });
    expect(classify(200, { 'content-length': 'lots' }, 0)).toEqual({ kind: 'from-start', total: null });
  });

  it('a 416 completes a file whose stored bytes are the whole length, and restarts one that is not', () => {
    expect(classify(416, { 'content-range': 'bytes */1000' }, 1000)).toEqual({ kind: 'complete', total: 1000 });
    expect(classify(416, { 'content-range': 'bytes */2000' }, 1000).kind).toBe('restart');
    expect(classify(416, {}, 1000).kind).toBe('restart');
  });

  it('retries transient statuses, fails at once on the others, naming the file', () => {
    for (const status of [500, 502, 503, 429, 408]) expect(classify(status, {}, 0).kind).toBe('retry');
    const missing = classify(404, {}, 0);
    expect(missing).toMatchObject({ kind: 'fail', error: { code: 'not-found', file: 'unet/model.onnx' } });
    expect(missing.kind === 'fail' && missing.error.message).toMatch(/not found.*https:\/\/host\/unet\/model.onnx/);
    expect(classify(410, {}, 0)).toMatchObject({ kind: 'fail', error: { code: 'not-found' } });
    expect(classify(403, {}, 0)).toMatchObject({
      kind: 'fail',
      error: { code: 'http', message: expect.stringMatching(/403/) },
    });
  });
});

describe('size messages', () => {
  it('never shows two equal sizes: exact bytes when the rounded ones agree', () => {
    expect(describeSizes(8_325_239, 8_326_239)).toEqual(['8,325,239 bytes', '8,326,239 bytes']);
    expect(describeSizes(8_325_239, 1_000_000)).toEqual(['8.3 MB', '1.0 MB']);
    const error = sizeMismatch('unet/model.onnx', 700_100, 700_000);
    expect(error?.code).toBe('size-mismatch');
    expect(error?.message).toMatch(/700,100 bytes but the catalog expects 700,000 bytes/);
    expect(sizeMismatch('a', 5, 5)).toBeNull();
    expect(sizeMismatch('a', null, 5)).toBeNull();
  });
});

describe('progress meter', () => {
  it('reports bytes per file and in all, speed over the window, and the time left', () => {
    let t = 0;
    const files: FileProgress[] = [
      { path: 'a', state: 'stored', loaded: 1000, total: 1000 },
      { path: 'b', state: 'downloading', loaded: 0, total: 9000 },
    ];
    const seen: DownloadProgress[] = [];
    const meter = createProgressMeter('m', files, { now: () => t, onProgress: (p) => seen.push(p) });
    meter.report();
    expect(seen[0]).toMatchObject({ loaded: 1000, total: 10_000, bytesPerSecond: 0, etaSeconds: null });
    // 2000 bytes a second for two seconds (stored bytes from an earlier run are not speed).
    for (let i = 0; i < 4; i++) {
      t += 500;
      meter.received(1000);
      (files[1] as FileProgress).loaded += 1000;
      meter.report();
    }
    const last = seen.at(-1) as DownloadProgress;
    expect(last.loaded).toBe(5000);
    expect(last.bytesPerSecond).toBeCloseTo(2000, 6);
    expect(last.etaSeconds).toBeCloseTo(2.5, 6);
    // Snapshots are copies: later changes do not rewrite what was reported.
    expect(seen[0]?.files[1]?.loaded).toBe(0);
    // After a stall longer than the window, the speed falls to what the window saw.
    t += 10_000;
    meter.report();
    t += 1000;
    meter.report();
    expect((seen.at(-1) as DownloadProgress).bytesPerSecond).toBe(0);
  });

  it('has no total and no ETA while a file size is unknown', () => {
    const files: FileProgress[] = [{ path: 'a', state: 'downloading', loaded: 10, total: null }];
    const seen: DownloadProgress[] = [];
    createProgressMeter('m', files, { now: () => 0, onProgress: (p) => seen.push(p) }).report();
    expect(seen[0]).toMatchObject({ total: null, etaSeconds: null, loaded: 10 });
  });
});

describe('verifyStoredFile', () => {
  let root: string;
  let store: ModelStore;
  const bytes = randomBytes(50_000);
  const digest = createHash('sha256').update(bytes).digest('hex');

  async function storeFile(recorded: string | null) {
    const writer = await store.openWriter('m', 'unet/model.onnx');
    await writer.append(bytes);
    await writer.close();
    await store.writeManifest('m', {
      version: 1,
      id: 'm',
      entry: null,
      files: { 'unet/model.onnx': { size: bytes.length, sha256: recorded, storedAt: 0 } },
    });
  }
  async function flipByte(at: number) {
    const writer = await store.openWriter('m', 'unet/model.onnx');
    const copy = Buffer.from(bytes);
    copy[at] = (copy[at] as number) ^ 0xff;
    await writer.truncate(0);
    await writer.append(copy);
    await writer.close();
  }

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'ls-verify-'));
    store = fsModelStore(root);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('passes an intact file and catches flipped bytes of the same size', async () => {
    await storeFile(digest);
    expect(await verifyStoredFile(store, 'm', 'unet/model.onnx')).toEqual({
      ok: true,
      reason: 'size and SHA-256 match',
    });
    await flipByte(1234);
    expect(await verifyStoredFile(store, 'm', 'unet/model.onnx')).toEqual({
      ok: false,
      reason: 'its SHA-256 changed since it was stored',
    });
  });

  it('checks against the catalog digest when the manifest recorded none', async () => {
    await storeFile(null);
    expect((await verifyStoredFile(store, 'm', 'unet/model.onnx')).reason).toMatch(/no digest recorded/);
    expect(await verifyStoredFile(store, 'm', 'unet/model.onnx', digest)).toMatchObject({ ok: true });
    await flipByte(7);
    expect(await verifyStoredFile(store, 'm', 'unet/model.onnx', digest)).toEqual({
      ok: false,
      reason: 'its SHA-256 does not match the catalog',
    });
  });

  it('reports a missing, unlisted or resized file', async () => {
    expect((await verifyStoredFile(store, 'm', 'unet/model.onnx')).reason).toBe('it is not listed as stored');
    await storeFile(digest);
    await store.remove('m', 'unet/model.onnx');
    expect((await verifyStoredFile(store, 'm', 'unet/model.onnx')).reason).toBe('the file is missing');
  });
});
