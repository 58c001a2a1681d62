/**
 * The upscaler loader (src/runtime/upscaler-model.ts) on onnxruntime-web, on the backend the
 * diffusion model runs on (WebGPU or WASM), reading the folder over HTTP or from OPFS.
 */
import type { Backend } from '../../protocol/messages.ts';
import type { UpscalerRef } from '../../protocol/upscale-params.ts';
import { httpModelSource } from '../model-source.ts';
import { loadOrtUpscaler, type LoadedUpscaler } from '../upscaler-model.ts';
import { opfsModelSource } from './opfs-model-source.ts';
import { ortFor } from './ort-web.ts';

export async function loadWebUpscaler(
  ref: Extract<UpscalerRef, { kind: 'model' }>,
  backend: Backend,
): Promise<LoadedUpscaler> {
  // The same onnxruntime-web build (and wasm heap / GPU device) as the diffusion model's backend.
  const ort = await ortFor(backend);
  return loadOrtUpscaler({
    ort,
    source: ref.storage === 'opfs' ? opfsModelSource(ref.id) : httpModelSource(ref.baseUrl),
    sessionOptions: {
      executionProviders: [backend === 'webgpu' ? 'webgpu' : 'wasm'],
      graphOptimizationLevel: 'all',
    },
    scale: ref.scale,
  });
}
