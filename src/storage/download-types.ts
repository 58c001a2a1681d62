/**
 * The downloader's vocabulary: a job (files with URL, size, digest), its progress, and the
 * typed error every failure becomes. Types and one error class, shared by the download worker,
 * the main thread (progress display) and Node tests.
 */

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
