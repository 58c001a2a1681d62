/**
 * A ModelFileSource over the model manager's store: downloaded models load from here (OPFS in
 * the engine worker, a folder in the Node tests) with the same loader as the app's own models.
 * A file that is absent is reported as missing, naming it, so the studio can fetch it again.
 */
import { EngineError } from '../protocol/messages.ts';
import type { ModelStore } from '../storage/model-store.ts';
import type { ModelFileSource } from './model-source.ts';

export function storeModelSource(store: ModelStore, modelId: string): ModelFileSource {
  return {
    label: `stored model ${modelId} (${store.label})`,
    async readBytes(path, onProgress) {
      const blob = await store.read(modelId, path);
      if (!blob) throw new EngineError('model-missing-file', `The stored model ${modelId} is missing ${path}.`, path);
      onProgress?.(path, 0, blob.size);
      const bytes = new Uint8Array(await blob.arrayBuffer());
      onProgress?.(path, bytes.length, bytes.length);
      return bytes;
    },
    async readOptionalText(path) {
      const blob = await store.read(modelId, path);
      return blob ? blob.text() : null;
    },
  };
}
