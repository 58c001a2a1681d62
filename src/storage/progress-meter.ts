/**
 * A download's progress: bytes per file, the sum, speed over a sliding window of the bytes
 * received in this session (resumed bytes do not count as speed), and the time left. Runs in
 * the download worker (and Node tests); the clock is injected.
 */
import type { DownloadProgress, FileProgress } from './download-types.ts';

export interface ProgressMeter {
  /** Bytes that just arrived from the network. */
  received(bytes: number): void;
  /** Sends a snapshot to the listener (files are copied). */
  report(): void;
}

export function createProgressMeter(
  modelId: string,
  files: readonly FileProgress[],
  options: { now: () => number; onProgress?: (progress: DownloadProgress) => void; windowMs?: number },
): ProgressMeter {
  const windowMs = options.windowMs ?? 3000;
  const samples: { t: number; bytes: number }[] = [];
  let received = 0;
  return {
    received(bytes) {
      received += bytes;
    },
    report() {
      if (!options.onProgress) return;
      const t = options.now();
      samples.push({ t, bytes: received });
      while (samples.length > 2 && t - (samples[0] as { t: number }).t > windowMs) samples.shift();
      const first = samples[0] as { t: number; bytes: number };
      const seconds = (t - first.t) / 1000;
      const bytesPerSecond = seconds > 0.2 ? (received - first.bytes) / seconds : 0;
      const loaded = files.reduce((n, f) => n + f.loaded, 0);
      const total = files.every((f) => f.total !== null) ? files.reduce((n, f) => n + (f.total ?? 0), 0) : null;
      options.onProgress({
        modelId,
        files: files.map((f) => ({ ...f })),
        loaded,
        total,
        bytesPerSecond,
        etaSeconds: total !== null && bytesPerSecond > 0 ? Math.max(0, (total - loaded) / bytesPerSecond) : null,
      });
    },
  };
}
