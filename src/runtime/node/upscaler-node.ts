/** The upscaler loader (src/runtime/upscaler-model.ts) on onnxruntime-node, reading a folder. */
import * as ort from 'onnxruntime-node';
import { loadOrtUpscaler, type LoadedUpscaler } from '../upscaler-model.ts';
import { fileModelSource } from './ort-node.ts';

export function loadNodeUpscaler(
  dir: string,
  options: { threads?: number; scale?: number } = {},
): Promise<LoadedUpscaler> {
  return loadOrtUpscaler({
    ort,
    source: fileModelSource(dir),
    sessionOptions: {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
    },
    ...(options.scale !== undefined ? { scale: options.scale } : {}),
  });
}
