/**
 * The storage seam of the model manager: where downloaded model files live. The browser uses
 * OPFS (model-store-opfs.ts, in the download worker); the Node tests use a folder on disk
 * (tests/support/fs-model-store.ts). `withQuotaLimit` wraps any store to fail with a real
 * QuotaExceededError past a byte budget: the one test seam for "the disk is full".
 *
 * A file counts as stored only when the model's manifest lists it with its size (and sha256
 * where known), written after verification; bytes on disk without a manifest entry are a
 * partial download that a later run resumes with `Range: bytes=N-`.
 */

export interface StoredFileInfo {
  size: number;
  /** Verified digest, when the catalog knew one. */
  sha256: string | null;
  storedAt: number;
}

export interface StoredModelManifest {
  version: 1;
  id: string;
  /** The catalog entry the model was downloaded from (so custom models load offline too). */
  entry: unknown;
  files: Record<string, StoredFileInfo>;
}

/** An open file, written at its end (the download resumes where the bytes stop). */
export interface FileWriter {
  size(): Promise<number>;
  truncate(size: number): Promise<void>;
  append(bytes: Uint8Array): Promise<void>;
  /** Makes written bytes durable (so a reload resumes from them). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface ModelStore {
  readonly label: string;
  openWriter(model: string, path: string): Promise<FileWriter>;
  /** Bytes on disk, or null when the file does not exist. */
  size(model: string, path: string): Promise<number | null>;
  read(model: string, path: string): Promise<Blob | null>;
  /** Removes one file, or the whole model (and its manifest) when `path` is omitted. */
  remove(model: string, path?: string): Promise<void>;
  readManifest(model: string): Promise<StoredModelManifest | null>;
  writeManifest(model: string, manifest: StoredModelManifest): Promise<void>;
  listModels(): Promise<string[]>;
  /** Bytes used by all stored models. */
  usage(): Promise<number>;
}

/** Model ids such as "schmuell/sd-turbo-ort-web" become one safe directory name. */
export const modelDirName = (model: string) => encodeURIComponent(model);
export const modelIdFromDir = (dir: string) => decodeURIComponent(dir);

/** Splits "unet/model.onnx" into checked path segments (no "..", no empty parts). */
export function pathSegments(path: string): string[] {
  const parts = path.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) throw new Error(`Invalid model file path: ${path}`);
  return parts;
}

export const MANIFEST_NAME = '.latent-studio-manifest.json';

export function isQuotaError(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    ((error as { name?: unknown }).name === 'QuotaExceededError' ||
      /quota/i.test(String((error as { message?: unknown }).message)))
  );
}

/**
 * Wraps a store so that writes past `maxBytes` (all models together) fail with a
 * QuotaExceededError, as the browser's would: lets tests and `?storageQuota=` exercise the
 * "disk full" path without filling a disk.
 */
export function withQuotaLimit(store: ModelStore, maxBytes: number): ModelStore {
  return {
    ...store,
    label: `${store.label} (quota ${maxBytes} bytes)`,
    openWriter: async (model, path) => {
      const writer = await store.openWriter(model, path);
      let used = await store.usage();
      return {
        ...writer,
        size: () => writer.size(),
        truncate: async (size) => {
          const before = await writer.size();
          await writer.truncate(size);
          used -= before - size;
        },
        append: async (bytes) => {
          if (used + bytes.length > maxBytes) {
            throw new DOMException(`The storage quota (${maxBytes} bytes) was exceeded.`, 'QuotaExceededError');
          }
          await writer.append(bytes);
          used += bytes.length;
        },
        flush: () => writer.flush(),
        close: () => writer.close(),
      };
    },
  };
}
