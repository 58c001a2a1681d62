/**
 * The ModelStore on the Origin Private File System, for dedicated workers (the download worker
 * writes; the engine worker reads through src/runtime/web/opfs-model-source.ts).
 *
 * Writes use `createSyncAccessHandle()` (dedicated workers only): in-place writes with `flush()`,
 * so bytes survive a reload and a resume appends to them. `createWritable()` would copy the
 * whole file to a swap file on each open and lose uncommitted bytes on a reload; the Cache API
 * can only store a complete Response (no append, no resume). Layout:
 *   latent-studio-models/<encoded model id>/<path segments>   + .latent-studio-manifest.json
 */
import {
  MANIFEST_NAME,
  modelDirName,
  modelIdFromDir,
  pathSegments,
  type FileWriter,
  type ModelStore,
  type StoredModelManifest,
} from './model-store.ts';

export const OPFS_ROOT = 'latent-studio-models';

type DirEntries = { entries(): AsyncIterable<[string, FileSystemHandle]> };

const isNotFound = (error: unknown) =>
  typeof error === 'object' &&
  error !== null &&
  ['NotFoundError', 'TypeMismatchError'].includes((error as { name?: string }).name ?? '');

export async function opfsRoot(): Promise<FileSystemDirectoryHandle> {
  const root = await navigator.storage.getDirectory();
  return root.getDirectoryHandle(OPFS_ROOT, { create: true });
}

/** The file handle of `path` in a model's folder, or null when absent (create: false). */
export async function opfsFile(model: string, path: string, create = false): Promise<FileSystemFileHandle | null> {
  try {
    let dir = await (await opfsRoot()).getDirectoryHandle(modelDirName(model), { create });
    const parts = pathSegments(path);
    for (const part of parts.slice(0, -1)) dir = await dir.getDirectoryHandle(part, { create });
    return await dir.getFileHandle(parts[parts.length - 1] as string, { create });
  } catch (error) {
    if (!create && isNotFound(error)) return null;
    throw error;
  }
}

async function dirSize(dir: FileSystemDirectoryHandle): Promise<number> {
  let total = 0;
  for await (const [, handle] of (dir as unknown as DirEntries).entries()) {
    if (handle.kind === 'directory') total += await dirSize(handle as FileSystemDirectoryHandle);
    else total += (await (handle as FileSystemFileHandle).getFile()).size;
  }
  return total;
}

async function writeWhole(handle: FileSystemFileHandle, bytes: Uint8Array): Promise<void> {
  const access = await handle.createSyncAccessHandle();
  try {
    access.truncate(0);
    access.write(bytes, { at: 0 });
    access.flush();
  } finally {
    access.close();
  }
}

export function opfsModelStore(): ModelStore {
  return {
    label: 'OPFS',
    async openWriter(model, path): Promise<FileWriter> {
      const handle = (await opfsFile(model, path, true)) as FileSystemFileHandle;
      const access = await handle.createSyncAccessHandle();
      let size = access.getSize();
      return {
        size: async () => size,
        truncate: async (n) => {
          access.truncate(n);
          size = n;
        },
        append: async (bytes) => {
          let offset = 0;
          while (offset < bytes.length) {
            const wrote = access.write(bytes.subarray(offset), { at: size });
            if (wrote <= 0) throw new DOMException('The file system refused the write.', 'QuotaExceededError');
            offset += wrote;
            size += wrote;
          }
        },
        flush: async () => access.flush(),
        close: async () => access.close(),
      };
    },
    async size(model, path) {
      const handle = await opfsFile(model, path);
      return handle ? (await handle.getFile()).size : null;
    },
    async read(model, path) {
      const handle = await opfsFile(model, path);
      return handle ? handle.getFile() : null;
    },
    async remove(model, path) {
      const root = await opfsRoot();
      try {
        if (path === undefined) {
          await root.removeEntry(modelDirName(model), { recursive: true });
          return;
        }
        let dir = await root.getDirectoryHandle(modelDirName(model));
        const parts = pathSegments(path);
        for (const part of parts.slice(0, -1)) dir = await dir.getDirectoryHandle(part);
        await dir.removeEntry(parts[parts.length - 1] as string);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    },
    async readManifest(model) {
      const handle = await opfsFile(model, MANIFEST_NAME);
      if (!handle) return null;
      try {
        return JSON.parse(await (await handle.getFile()).text()) as StoredModelManifest;
      } catch {
        return null;
      }
    },
    async writeManifest(model, manifest) {
      const handle = (await opfsFile(model, MANIFEST_NAME, true)) as FileSystemFileHandle;
      await writeWhole(handle, new TextEncoder().encode(JSON.stringify(manifest)));
    },
    async listModels() {
      const ids: string[] = [];
      for await (const [name, handle] of ((await opfsRoot()) as unknown as DirEntries).entries()) {
        if (handle.kind === 'directory') ids.push(modelIdFromDir(name));
      }
      return ids;
    },
    async usage() {
      return dirSize(await opfsRoot());
    },
  };
}
