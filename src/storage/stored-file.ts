/**
 * Stored model files: what is stored of a model, streaming a stored file through SHA-256, and
 * checking a stored file against what its manifest (and the catalog) recorded. Runs in the
 * download worker (and Node tests): it reads through the ModelStore seam.
 */
import type { ModelStore } from './model-store.ts';
import { Sha256 } from './sha256.ts';

/** The result of re-reading a stored file. */
export interface StoredFileCheck {
  ok: boolean;
  reason: string;
}

/** Streams a stored file through SHA-256. */
export async function sha256OfStored(
  store: ModelStore,
  modelId: string,
  path: string,
  onBytes?: (n: number) => void,
): Promise<string | null> {
  const blob = await store.read(modelId, path);
  if (!blob) return null;
  const hash = new Sha256();
  const reader = blob.stream().getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    hash.update(value);
    onBytes?.(value.length);
  }
  return hash.hex();
}

/** What is stored of a model: which of its files are complete, and the bytes on disk. */
export async function storedStatus(store: ModelStore, modelId: string, paths: readonly string[]) {
  const manifest = await store.readManifest(modelId);
  let partialBytes = 0;
  const missing: string[] = [];
  for (const path of paths) {
    if (manifest?.files[path]) continue;
    missing.push(path);
    partialBytes += (await store.size(modelId, path)) ?? 0;
  }
  const storedBytes = Object.values(manifest?.files ?? {}).reduce((n, f) => n + f.size, 0);
  return { manifest, missing, storedBytes, partialBytes, complete: manifest !== null && missing.length === 0 };
}

/** Re-reads a stored file and compares it with what the manifest recorded when it was stored. */
export async function verifyStoredFile(
  store: ModelStore,
  modelId: string,
  path: string,
  /** The catalog's digest, when known: the stored bytes must match it too. */
  catalogSha256: string | null = null,
): Promise<StoredFileCheck> {
  const info = (await store.readManifest(modelId))?.files[path];
  if (!info) return { ok: false, reason: 'it is not listed as stored' };
  const size = await store.size(modelId, path);
  if (size === null) return { ok: false, reason: 'the file is missing' };
  if (size !== info.size) return { ok: false, reason: `it has ${size} bytes instead of ${info.size}` };
  if (info.sha256 === null && !catalogSha256) return { ok: true, reason: 'size matches (no digest recorded)' };
  const digest = await sha256OfStored(store, modelId, path);
  if (catalogSha256 && digest !== catalogSha256.toLowerCase()) {
    return { ok: false, reason: 'its SHA-256 does not match the catalog' };
  }
  if (info.sha256 !== null && digest !== info.sha256) {
    return { ok: false, reason: 'its SHA-256 changed since it was stored' };
  }
  return { ok: true, reason: 'size and SHA-256 match' };
}

/** Forgets a stored file (e.g. one that failed to load) so the next download fetches it again. */
export async function invalidateStoredFile(store: ModelStore, modelId: string, path: string): Promise<void> {
  const manifest = await store.readManifest(modelId);
  if (manifest && path in manifest.files) {
    delete manifest.files[path];
    await store.writeManifest(modelId, manifest);
  }
  await store.remove(modelId, path);
}
