/**
 * Messages between the main thread (src/state/models.ts) and the download worker. Calls are
 * request/reply pairs matched by `call`; download progress streams as events.
 */
import type { DownloadErrorCode, DownloadJob, DownloadProgress } from './model-downloader.ts';

export interface StoredModelStatus {
  id: string;
  complete: boolean;
  missing: string[];
  storedBytes: number;
  partialBytes: number;
  /** The catalog entry saved with the download (custom models are listed from it). */
  entry: unknown;
}

export type DownloadRequest =
  | { type: 'configure'; call: number; quotaBytes: number | null }
  | { type: 'download'; call: number; job: DownloadJob }
  | { type: 'pause'; call: number; modelId: string }
  | { type: 'delete'; call: number; modelId: string }
  | { type: 'invalidate'; call: number; modelId: string; path: string }
  /** Re-reads a stored file and compares it with the size and digest recorded when it was stored. */
  | { type: 'verify'; call: number; modelId: string; path: string }
  | { type: 'status'; call: number; models: { id: string; paths: string[] }[] };

export type DownloadReply =
  | { type: 'reply'; call: number; ok: true; value: unknown }
  | {
      type: 'reply';
      call: number;
      ok: false;
      code: DownloadErrorCode | 'internal';
      message: string;
      file: string | null;
    };

export type DownloadEvent = DownloadReply | { type: 'progress'; progress: DownloadProgress };
