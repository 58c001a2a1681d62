/**
 * The call table between the main thread (the models slice, src/state/models-slice.ts) and the
 * download worker (model-download.worker.ts), over the typed RPC helper (src/protocol/rpc.ts):
 * each call's arguments and its typed result. Download progress streams as `progress` events.
 * Types only; runs on both threads.
 */
import type { CallReply, CallRequest } from '../protocol/rpc.ts';
import type { DownloadErrorCode, DownloadJob, DownloadProgress } from './model-downloader.ts';
import type { StoredFileCheck } from './stored-file.ts';

export interface StoredModelStatus {
  id: string;
  complete: boolean;
  missing: string[];
  storedBytes: number;
  partialBytes: number;
  /** The catalog entry saved with the download (custom models are listed from it). */
  entry: unknown;
}

export type DownloadCalls = {
  configure: { args: { quotaBytes: number | null }; result: null };
  download: { args: { job: DownloadJob }; result: null };
  pause: { args: { modelId: string }; result: null };
  /** Resolves when no tab downloads the model any more (its Web Lock is free). */
  whenIdle: { args: { modelId: string }; result: null };
  delete: { args: { modelId: string }; result: null };
  invalidate: { args: { modelId: string; path: string }; result: null };
  /** Re-reads a stored file and compares it with the size and digest recorded when it was stored. */
  verify: { args: { modelId: string; path: string; sha256?: string | null }; result: StoredFileCheck };
  status: {
    args: { models: { id: string; paths: string[] }[] };
    result: { models: StoredModelStatus[]; usage: number };
  };
};

/** Why a call failed, as the worker reports it. */
export interface DownloadFailure {
  code: DownloadErrorCode | 'internal';
  message: string;
  file: string | null;
}

export type DownloadRequest = CallRequest<DownloadCalls>;
export type DownloadReply = CallReply<DownloadCalls, DownloadFailure>;
export type DownloadProgressEvent = { type: 'progress'; progress: DownloadProgress };
export type DownloadEvent = DownloadReply | DownloadProgressEvent;
