/**
 * Downloads a model's files into a ModelStore: resumable, verified, with progress.
 *
 * Per file: skip it if the manifest already lists it; otherwise ask for the missing tail with a
 * single `Range: bytes=N-` header (N = bytes already on disk) and append only on a 206 whose
 * Content-Range starts at N; a 200 (or any other answer) restarts the file from zero. A dropped
 * connection keeps the bytes received so far and resumes, with backoff, a few times in a row;
 * 5xx answers are retried the same way; 404 fails at once. When the bytes stop, the size on disk
 * must equal the server's total (and the catalog's size where it knows one), and the sha256 of
 * what was *stored* (read back from the store, not the bytes that passed through memory) must
 * match where the catalog knows it. Only then does the manifest list the file. A quota error
 * removes that file's partial bytes and stops; everything else already stored stays.
 *
 * Runs wherever `fetch` and a store exist: the download worker (OPFS) and Node (tests).
 */
import { isQuotaError, type FileWriter, type ModelStore, type StoredModelManifest } from './model-store.ts';
import { sha256OfStored } from './stored-file.ts';

export interface DownloadFile {
  /** Path inside the model folder, e.g. "unet/model.onnx". */
  path: string;
  url: string;
  /** Exact size in bytes, when known; verified. */
  size: number | null;
  sha256: string | null;
}

export interface DownloadJob {
  modelId: string;
  files: DownloadFile[];
  /** Saved in the manifest so the model can be listed and loaded offline. */
  entry: unknown;
}

export type DownloadErrorCode =
  | 'quota'
  | 'not-found'
  | 'http'
  | 'network'
  | 'size-mismatch'
  | 'checksum'
  | 'aborted'
  /** The same model is downloading in another tab (its files are locked there). */
  | 'busy';

export class DownloadError extends Error {
  constructor(
    readonly code: DownloadErrorCode,
    message: string,
    readonly file: string | null = null,
  ) {
    super(message);
    this.name = 'DownloadError';
  }
}

export type FileState = 'pending' | 'downloading' | 'verifying' | 'stored' | 'error';

export interface FileProgress {
  path: string;
  state: FileState;
  loaded: number;
  total: number | null;
}

export interface DownloadProgress {
  modelId: string;
  files: FileProgress[];
  loaded: number;
  /** Sum of the known totals (null while a file's size is still unknown). */
  total: number | null;
  bytesPerSecond: number;
  etaSeconds: number | null;
}

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

const formatMB = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

function abortError(path: string | null): DownloadError {
  return new DownloadError('aborted', 'The download was paused.', path);
}

// Parses a Content-Range header: "bytes 100-199/1000", or "bytes */1000" on a 416.
export function parseContentRange(header: string | null): { start: number | null; total: number | null } | null {
  if (!header) return null;
  const match = /^bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)$/i.exec(header.trim());
  if (!match) return null;
  return {
    start: match[1] === undefined ? null : Number(match[1]),
    total: match[3] === undefined || match[3] === '*' ? null : Number(match[3]),
  };
}

export async function readManifestOrNew(
  store: ModelStore,
  modelId: string,
  entry: unknown,
): Promise<StoredModelManifest> {
  const existing = await store.readManifest(modelId);
  return existing ?? { version: 1, id: modelId, entry, files: {} };
}

export async function downloadModel(job: DownloadJob, options: DownloadOptions): Promise<StoredModelManifest> {
  const { store, signal } = options;
  const fetchImpl = options.fetch ?? fetch;
  const now = options.now ?? (() => Date.now());
  const retries = options.retries ?? 4;
  const retryDelayMs = options.retryDelayMs ?? 500;
  const flushEvery = options.flushEvery ?? 8 * 1024 * 1024;

  const manifest = await readManifestOrNew(store, job.modelId, job.entry);
  manifest.entry = job.entry;
  await store.writeManifest(job.modelId, manifest);

  const files: FileProgress[] = job.files.map((f) => {
    const stored = manifest.files[f.path];
    return stored
      ? { path: f.path, state: 'stored', loaded: stored.size, total: stored.size }
      : { path: f.path, state: 'pending', loaded: 0, total: f.size };
  });

  // Speed: bytes received in this session over a sliding window (resumed bytes don't count).
  const samples: { t: number; bytes: number }[] = [];
  let received = 0;
  const report = () => {
    if (!options.onProgress) return;
    const t = now();
    samples.push({ t, bytes: received });
    while (samples.length > 2 && t - (samples[0] as { t: number }).t > 3000) samples.shift();
    const first = samples[0] as { t: number; bytes: number };
    const dt = (t - first.t) / 1000;
    const bytesPerSecond = dt > 0.2 ? (received - first.bytes) / dt : 0;
    const loaded = files.reduce((n, f) => n + f.loaded, 0);
    const total = files.every((f) => f.total !== null) ? files.reduce((n, f) => n + (f.total ?? 0), 0) : null;
    options.onProgress({
      modelId: job.modelId,
      files: files.map((f) => ({ ...f })),
      loaded,
      total,
      bytesPerSecond,
      etaSeconds: total !== null && bytesPerSecond > 0 ? Math.max(0, (total - loaded) / bytesPerSecond) : null,
    });
  };
  report();

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
      let existing = (await store.size(job.modelId, file.path)) ?? 0;
      if (file.size !== null && existing > file.size) {
        await store.remove(job.modelId, file.path);
        existing = 0;
      }
      progress.loaded = existing;
      progress.state = 'downloading';
      report();

      let total: number | null = file.size;
      if (file.size === null || existing < file.size) {
        let response: Response;
        try {
          response = await fetchImpl(file.url, {
            headers: existing > 0 ? { Range: `bytes=${existing}-` } : {},
            cache: 'no-store',
            ...(signal ? { signal } : {}),
          });
        } catch (error) {
          if (signal?.aborted) throw abortError(file.path);
          await retryOrThrow(
            new DownloadError('network', `Could not reach the server for ${file.path}: ${String(error)}`, file.path),
          );
          continue;
        }

        let append = false;
        if (response.status === 206) {
          const range = parseContentRange(response.headers.get('content-range'));
          if (range?.start === existing) {
            append = true;
            total = range.total ?? (existing + Number(response.headers.get('content-length') ?? NaN) || null);
          } else {
            // A range we did not ask for: start the file over.
            await response.body?.cancel().catch(() => undefined);
            await store.remove(job.modelId, file.path);
            await retryOrThrow(
              new DownloadError('http', `${file.path}: the server answered a different byte range.`, file.path),
            );
            continue;
          }
        } else if (response.status === 416 && existing > 0) {
          const range = parseContentRange(response.headers.get('content-range'));
          await response.body?.cancel().catch(() => undefined);
          if (range?.total === existing) {
            total = existing;
          } else {
            await store.remove(job.modelId, file.path);
            continue;
          }
        } else if (response.status === 200) {
          const length = response.headers.get('content-length');
          total = length === null ? null : Number(length);
        } else if (response.status === 404 || response.status === 410) {
          await response.body?.cancel().catch(() => undefined);
          throw new DownloadError(
            'not-found',
            `${file.path} was not found on the server (${response.status}): ${file.url}`,
            file.path,
          );
        } else {
          await response.body?.cancel().catch(() => undefined);
          const error = new DownloadError(
            'http',
            `The server answered ${response.status} for ${file.path}.`,
            file.path,
          );
          if (response.status >= 500 || response.status === 429 || response.status === 408) {
            await retryOrThrow(error);
            continue;
          }
          throw error;
        }

        if (file.size !== null && total !== null && total !== file.size) {
          await response.body?.cancel().catch(() => undefined);
          throw new DownloadError(
            'size-mismatch',
            `${file.path}: the server has ${formatMB(total)} but the catalog expects ${formatMB(file.size)}; not stored.`,
            file.path,
          );
        }
        progress.total = total;

        if (response.status !== 416) {
          const before = existing;
          const { written, dropped } = await streamInto(file, response, append ? existing : 0, progress);
          existing = written;
          if (written > before) failures = 0;
          if (signal?.aborted) throw abortError(file.path);
          if (!dropped && total === null) total = written;
          if (dropped || total === null || written < total) {
            // The body ended early (dropped connection, short body): resume from what is stored.
            await retryOrThrow(
              new DownloadError(
                'network',
                `The connection dropped while downloading ${file.path} (${formatMB(written)} of ${total === null ? '?' : formatMB(total)}).`,
                file.path,
              ),
            );
            continue;
          }
        }
      }

      // Verify what is stored.
      const onDisk = (await store.size(job.modelId, file.path)) ?? 0;
      const expected = total ?? file.size;
      if (expected !== null && onDisk !== expected) {
        await store.remove(job.modelId, file.path);
        await retryOrThrow(
          new DownloadError(
            'size-mismatch',
            `${file.path}: stored ${onDisk} bytes, expected ${expected}; removed.`,
            file.path,
          ),
        );
        continue;
      }
      // The digest of what was stored is always recorded (so a later load failure can tell a
      // damaged file from an incompatible one); it must match the catalog's where known.
      progress.state = 'verifying';
      report();
      const digest = await sha256OfStored(store, job.modelId, file.path);
      if (file.sha256) {
        if (digest !== file.sha256.toLowerCase()) {
          await store.remove(job.modelId, file.path);
          checksumFailures += 1;
          if (checksumFailures > 1) {
            throw new DownloadError(
              'checksum',
              `${file.path} is corrupted (its SHA-256 does not match the catalog); removed.`,
              file.path,
            );
          }
          continue;
        }
      }
      manifest.files[file.path] = { size: onDisk, sha256: digest, storedAt: now() };
      await store.writeManifest(job.modelId, manifest);
      progress.state = 'stored';
      progress.loaded = onDisk;
      progress.total = onDisk;
      report();
      return;
    }
  }

  /** Writes the body at `offset` (0 truncates); returns the bytes on disk afterwards. */
  async function streamInto(
    file: DownloadFile,
    response: Response,
    offset: number,
    progress: FileProgress,
  ): Promise<{ written: number; dropped: boolean }> {
    const writer: FileWriter = await store.openWriter(job.modelId, file.path);
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await writer.close().catch(() => undefined);
    };
    let written = offset;
    let sinceFlush = 0;
    let dropped = false;
    try {
      if ((await writer.size()) !== offset) await writer.truncate(offset);
      if (!response.body) {
        const bytes = new Uint8Array(await response.arrayBuffer());
        await writer.append(bytes);
        written += bytes.length;
      } else {
        const reader = response.body.getReader();
        try {
          for (;;) {
            let chunk: ReadableStreamReadResult<Uint8Array>;
            try {
              chunk = await reader.read();
            } catch (error) {
              if (signal?.aborted) throw abortError(file.path);
              // A dropped connection (or a body shorter than its Content-Length): keep what arrived.
              void error;
              dropped = true;
              break;
            }
            if (chunk.done) break;
            await writer.append(chunk.value);
            written += chunk.value.length;
            received += chunk.value.length;
            sinceFlush += chunk.value.length;
            progress.loaded = written;
            if (sinceFlush >= flushEvery) {
              await writer.flush();
              sinceFlush = 0;
            }
            report();
          }
        } finally {
          reader.releaseLock();
        }
      }
      await writer.flush();
      return { written, dropped };
    } catch (error) {
      // Close first: the partial file is removed below, and OPFS locks an open file.
      await close();
      if (isQuotaError(error)) {
        await response.body?.cancel().catch(() => undefined);
        await store.remove(job.modelId, file.path).catch(() => undefined);
        progress.state = 'error';
        progress.loaded = 0;
        report();
        throw new DownloadError(
          'quota',
          `Not enough storage for ${file.path}: the browser refused to store more (quota exceeded). Its partial file was removed; the files already stored are kept. Free some space (delete a model) and try again.`,
          file.path,
        );
      }
      throw error;
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
        report();
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
