/**
 * Downloads a model's files into a ModelStore: resumable, verified, with progress. Runs in the
 * download worker (OPFS) and in Node (tests), wherever `fetch` and a store exist.
 *
 * Per file: skip it if the manifest already lists it; otherwise ask for the missing tail with a
 * single `Range: bytes=N-` header and let `classifyRangeResponse` (range-response.ts) say what
 * the answer means. A dropped connection keeps the bytes received so far and resumes, with
 * backoff, a few times in a row; 5xx answers and a size the server announces wrongly are
 * retried the same way; 404 fails at once. When the bytes stop, the size on disk must equal the
 * server's total (and the catalog's where it knows one), and the sha256 of what was *stored*
 * (read back from the store) must match where the catalog knows it. Only then does the manifest
 * list the file. A quota error removes that file's partial bytes and stops; everything else
 * already stored stays. Progress and speed: progress-meter.ts.
 */
import type { DownloadFile, DownloadJob, DownloadProgress, FileProgress } from './download-types.ts';
import { DownloadError } from './download-types.ts';
import { isQuotaError, type FileWriter, type ModelStore, type StoredModelManifest } from './model-store.ts';
import { createProgressMeter, type ProgressMeter } from './progress-meter.ts';
import { classifyRangeResponse, describeSizes, sizeMismatch } from './range-response.ts';
import { sha256OfStored } from './stored-file.ts';

export * from './download-types.ts';
export { parseContentRange } from './range-response.ts';

export interface DownloadOptions {
  store: ModelStore;
  fetch?: typeof fetch;
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  /** Consecutive failed attempts (no new bytes) allowed per file before giving up. */
  retries?: number;
  retryDelayMs?: number;
  now?: () => number;
  /** Bytes between flushes, so a reload loses at most this much. */
  flushEvery?: number;
}

const abortError = (path: string | null) => new DownloadError('aborted', 'The download was paused.', path);

export async function readManifestOrNew(
  store: ModelStore,
  modelId: string,
  entry: unknown,
): Promise<StoredModelManifest> {
  const existing = await store.readManifest(modelId);
  return existing ?? { version: 1, id: modelId, entry, files: {} };
}

/**
 * What one request for a file came to: a failure to retry with backoff (one that brought new
 * bytes, such as a dropped connection, restarts the count), or all the bytes (to verify).
 */
type Attempt =
  | { kind: 'failed'; error: DownloadError; newBytes?: boolean }
  | { kind: 'fetched'; total: number | null; newBytes: boolean };

export async function downloadModel(job: DownloadJob, options: DownloadOptions): Promise<StoredModelManifest> {
  const { store, signal } = options;
  const fetchImpl = options.fetch ?? fetch;
  const now = options.now ?? (() => Date.now());
  const retries = options.retries ?? 4;
  const retryDelayMs = options.retryDelayMs ?? 500;
  const flushEvery = options.flushEvery ?? 8 * 1024 * 1024;
  const id = job.modelId;

  const manifest = await readManifestOrNew(store, id, job.entry);
  manifest.entry = job.entry;
  await store.writeManifest(id, manifest);

  const files: FileProgress[] = job.files.map((f) => {
    const stored = manifest.files[f.path];
    return stored
      ? { path: f.path, state: 'stored', loaded: stored.size, total: stored.size }
      : { path: f.path, state: 'pending', loaded: 0, total: f.size };
  });
  const meter = createProgressMeter(id, files, {
    now,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  meter.report();

  const sleep = (ms: number) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(null));
      const timer = setTimeout(resolve, ms);
      signal?.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          reject(abortError(null));
        },
        { once: true },
      );
    });

  /** The per-file loop: attempt, then verify, until the file is stored or an error is final. */
  async function downloadFile(file: DownloadFile, progress: FileProgress): Promise<void> {
    let failures = 0;
    let checksumFailures = 0;
    const retryOrThrow = async (error: DownloadError) => {
      failures += 1;
      if (failures > retries) throw error;
      await sleep(retryDelayMs * 2 ** (failures - 1));
    };
    for (;;) {
      if (signal?.aborted) throw abortError(file.path);
      const existing = await bytesOnDisk(file);
      Object.assign(progress, { state: 'downloading', loaded: existing });
      meter.report();
      const complete = file.size !== null && existing === file.size;
      const attempt: Attempt = complete
        ? { kind: 'fetched', total: file.size, newBytes: false }
        : await fetchRest(file, existing, progress);
      if (attempt.newBytes) failures = 0;
      if (attempt.kind === 'failed') {
        await retryOrThrow(attempt.error);
        continue;
      }
      const verdict = await verify(file, attempt.total, progress);
      if (verdict === 'stored') return;
      if (verdict === 'size') await retryOrThrow(sizeError(file, attempt.total));
      else if (++checksumFailures > 1) throw checksumError(file);
    }
  }

  /** Bytes already stored of a file (bytes beyond the catalog's size are dropped). */
  async function bytesOnDisk(file: DownloadFile): Promise<number> {
    const size = (await store.size(id, file.path)) ?? 0;
    if (file.size === null || size <= file.size) return size;
    await store.remove(id, file.path);
    return 0;
  }

  /** One request for the missing bytes, streamed into the store. */
  async function fetchRest(file: DownloadFile, existing: number, progress: FileProgress): Promise<Attempt> {
    let response: Response;
    try {
      response = await fetchImpl(file.url, {
        headers: existing > 0 ? { Range: `bytes=${existing}-` } : {},
        cache: 'no-store',
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (signal?.aborted) throw abortError(file.path);
      const message = `Could not reach the server for ${file.path}: ${String(error)}`;
      return { kind: 'failed', error: new DownloadError('network', message, file.path) };
    }
    const discard = () => response.body?.cancel().catch(() => undefined);
    const answer = classifyRangeResponse(response, existing, file.path, file.url);
    switch (answer.kind) {
      case 'fail':
        await discard();
        throw answer.error;
      case 'retry':
        await discard();
        return { kind: 'failed', error: answer.error };
      case 'restart':
        await discard();
        await store.remove(id, file.path);
        return { kind: 'failed', error: answer.error };
      case 'complete':
        await discard();
        return { kind: 'fetched', total: answer.total, newBytes: false };
      case 'append':
      case 'from-start':
        break;
    }
    // A size the server announces wrongly (a proxy, a changed file) is retried, then refused.
    const mismatch = sizeMismatch(file.path, answer.total, file.size);
    if (mismatch) {
      await discard();
      return { kind: 'failed', error: mismatch };
    }
    progress.total = answer.total;
    const offset = answer.kind === 'append' ? existing : 0;
    const { written, dropped } = await streamInto(file, response, offset, progress);
    if (signal?.aborted) throw abortError(file.path);
    const total = answer.total ?? (dropped ? null : written);
    if (dropped || total === null || written < total) {
      // The body ended early (dropped connection, short body): resume from what is stored.
      const got = `${(written / 1e6).toFixed(1)} MB of ${total === null ? '?' : `${(total / 1e6).toFixed(1)} MB`}`;
      const error = new DownloadError(
        'network',
        `The connection dropped while downloading ${file.path} (${got}).`,
        file.path,
      );
      return { kind: 'failed', error, newBytes: written > existing };
    }
    return { kind: 'fetched', total, newBytes: written > existing };
  }

  /** Checks what is stored against the expected size and digests; records it in the manifest. */
  async function verify(
    file: DownloadFile,
    total: number | null,
    progress: FileProgress,
  ): Promise<'stored' | 'size' | 'checksum'> {
    const onDisk = (await store.size(id, file.path)) ?? 0;
    const expected = total ?? file.size;
    if (expected !== null && onDisk !== expected) {
      await store.remove(id, file.path);
      return 'size';
    }
    // The digest of what was stored is always recorded (so a later load failure can tell a
    // damaged file from an incompatible one); it must match the catalog's where known.
    progress.state = 'verifying';
    meter.report();
    const digest = await sha256OfStored(store, id, file.path);
    if (file.sha256 && digest !== file.sha256.toLowerCase()) {
      await store.remove(id, file.path);
      return 'checksum';
    }
    manifest.files[file.path] = { size: onDisk, sha256: digest, storedAt: now() };
    await store.writeManifest(id, manifest);
    Object.assign(progress, { state: 'stored', loaded: onDisk, total: onDisk });
    meter.report();
    return 'stored';
  }

  const sizeError = (file: DownloadFile, total: number | null) => {
    const [stored, expected] = describeSizes(total ?? 0, file.size ?? total ?? 0);
    return new DownloadError(
      'size-mismatch',
      `${file.path}: stored ${stored}, expected ${expected}; removed.`,
      file.path,
    );
  };
  const checksumError = (file: DownloadFile) =>
    new DownloadError(
      'checksum',
      `${file.path} is corrupted (its SHA-256 does not match the catalog); removed.`,
      file.path,
    );

  /** Writes the body at `offset` (0 truncates); returns the bytes on disk afterwards. */
  async function streamInto(
    file: DownloadFile,
    response: Response,
    offset: number,
    progress: FileProgress,
  ): Promise<{ written: number; dropped: boolean }> {
    const writer: FileWriter = await store.openWriter(id, file.path);
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await writer.close().catch(() => undefined);
    };
    try {
      if ((await writer.size()) !== offset) await writer.truncate(offset);
      const result = await pump(response, writer, offset, progress, meter, { flushEvery, signal, path: file.path });
      await writer.flush();
      return result;
    } catch (error) {
      // Close first: the partial file is removed below, and OPFS locks an open file.
      await close();
      if (!isQuotaError(error)) throw error;
      await response.body?.cancel().catch(() => undefined);
      await store.remove(id, file.path).catch(() => undefined);
      Object.assign(progress, { state: 'error', loaded: 0 });
      meter.report();
      throw new DownloadError(
        'quota',
        `Not enough storage for ${file.path}: the browser refused to store more (quota exceeded). Its partial file was removed; the files already stored are kept. Free some space (delete a model) and try again.`,
        file.path,
      );
    } finally {
      await close();
    }
  }

  try {
    for (const [index, file] of job.files.entries()) {
      const progress = files[index] as FileProgress;
      if (progress.state === 'stored') continue;
      try {
        await downloadFile(file, progress);
      } catch (error) {
        if (!(error instanceof DownloadError && error.code === 'aborted')) progress.state = 'error';
        meter.report();
        throw error;
      }
    }
  } catch (error) {
    if (error instanceof DownloadError) throw error;
    if (signal?.aborted) throw abortError(null);
    throw new DownloadError('network', error instanceof Error ? error.message : String(error));
  }
  return manifest;
}

/** Copies a response body into the writer, flushing every `flushEvery` bytes. */
async function pump(
  response: Response,
  writer: FileWriter,
  offset: number,
  progress: FileProgress,
  meter: ProgressMeter,
  options: { flushEvery: number; signal: AbortSignal | undefined; path: string },
): Promise<{ written: number; dropped: boolean }> {
  let written = offset;
  if (!response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    await writer.append(bytes);
    return { written: written + bytes.length, dropped: false };
  }
  let sinceFlush = 0;
  const reader = response.body.getReader();
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch {
        if (options.signal?.aborted) throw abortError(options.path);
        // A dropped connection (or a body shorter than its Content-Length): keep what arrived.
        return { written, dropped: true };
      }
      if (chunk.done) return { written, dropped: false };
      await writer.append(chunk.value);
      written += chunk.value.length;
      sinceFlush += chunk.value.length;
      meter.received(chunk.value.length);
      progress.loaded = written;
      if (sinceFlush >= options.flushEvery) {
        await writer.flush();
        sinceFlush = 0;
      }
      meter.report();
    }
  } finally {
    reader.releaseLock();
  }
}
