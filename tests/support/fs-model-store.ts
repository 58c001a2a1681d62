/**
 * A ModelStore on a folder, for the Node tests: the same contract as the OPFS store the browser
 * uses (model-store-opfs.ts), on real files, so the downloader's resume/verify/quota logic is
 * tested against a real disk and a real HTTP server.
 */
import { openAsBlob } from 'node:fs';
import { mkdir, open, readdir, readFile, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  MANIFEST_NAME,
  modelDirName,
  modelIdFromDir,
  pathSegments,
  type ModelStore,
  type StoredModelManifest,
} from '../../src/storage/model-store.ts';

async function sizeOf(path: string): Promise<number | null> {
  try {
    return (await stat(path)).size;
  } catch {
    return null;
  }
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const nested = await Promise.all(
    entries.map((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)])),
  );
  return nested.flat();
}

export function fsModelStore(root: string): ModelStore {
  const fileOf = (model: string, path: string) => join(root, modelDirName(model), ...pathSegments(path));
  const manifestOf = (model: string) => join(root, modelDirName(model), MANIFEST_NAME);
  return {
    label: root,
    async openWriter(model, path) {
      const file = fileOf(model, path);
      await mkdir(dirname(file), { recursive: true });
      const handle: FileHandle = await open(file, 'a+');
      return {
        size: async () => (await handle.stat()).size,
        truncate: (size) => handle.truncate(size),
        append: async (bytes) => {
          await handle.appendFile(bytes);
        },
        flush: () => handle.datasync(),
        close: () => handle.close(),
      };
    },
    size: (model, path) => sizeOf(fileOf(model, path)),
    async read(model, path) {
      const file = fileOf(model, path);
      return (await sizeOf(file)) === null ? null : openAsBlob(file);
    },
    async remove(model, path) {
      await rm(path === undefined ? join(root, modelDirName(model)) : fileOf(model, path), {
        recursive: true,
        force: true,
      });
    },
    async readManifest(model) {
      try {
        return JSON.parse(await readFile(manifestOf(model), 'utf8')) as StoredModelManifest;
      } catch {
        return null;
      }
    },
    async writeManifest(model, manifest) {
      await mkdir(join(root, modelDirName(model)), { recursive: true });
      await writeFile(manifestOf(model), JSON.stringify(manifest));
    },
    async listModels() {
      const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
      return entries.filter((e) => e.isDirectory()).map((e) => modelIdFromDir(e.name));
    },
    async usage() {
      const files = await walk(root);
      const sizes = await Promise.all(files.map(sizeOf));
      return sizes.reduce<number>((n, s) => n + (s ?? 0), 0);
    },
  };
}
