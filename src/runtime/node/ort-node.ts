/**
 * onnxruntime-node for the CLI, the bench and the Node tests: the same loader and pipeline as the
 * browser worker, with model files read from disk.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { EngineError } from '../../protocol/messages.ts';
import { loadClipTokenizer } from '../clip-tokenizer.ts';
import type { ModelFileSource } from '../model-source.ts';
import { loadOrtModel, type LoadedModel } from '../ort-model.ts';

export function fileModelSource(dir: string): ModelFileSource {
  const root = resolve(dir);
  return {
    label: root,
    async readBytes(path, onProgress) {
      try {
        const bytes = new Uint8Array(await readFile(join(root, path)));
        onProgress?.(path, bytes.length, bytes.length);
        return bytes;
      } catch {
        throw new EngineError('model-missing-file', `The model is missing ${path} (looked in ${root}).`);
      }
    },
    async readOptionalText(path) {
      try {
        return await readFile(join(root, path), 'utf8');
      } catch {
        return null;
      }
    },
  };
}

export async function loadNodeModel(dir: string, options: { threads?: number } = {}): Promise<LoadedModel> {
  return loadOrtModel({
    ort,
    source: fileModelSource(dir),
    id: resolve(dir).split(/[\\/]/).pop() ?? dir,
    sessionOptions: {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
    },
    loadTokenizer: loadClipTokenizer,
    now: () => performance.now(),
  });
}
