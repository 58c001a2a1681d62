/**
 * Before a model is loaded on WebGPU: can this adapter run it? A float16 model needs the
 * `shader-f16` feature; the largest weight tensor must fit in one storage-buffer binding and one
 * buffer. Refusing here, with the reason and what to do, beats a crash deep inside session
 * creation (or a lost device). Works on the adapter's plain data so Node tests can check it.
 */
import { EngineError, type ModelRequirements } from '../protocol/messages.ts';

export interface AdapterFacts {
  description: string;
  features: ReadonlySet<string> | { has(feature: string): boolean };
  limits: { maxBufferSize: number; maxStorageBufferBindingSize: number };
}

const mb = (n: number) => `${Math.round(n / (1024 * 1024))} MiB`;

/** The first reason this adapter cannot run the model, or null when it can. */
export function adapterProblem(adapter: AdapterFacts, needs: ModelRequirements | undefined): string | null {
  if (!needs) return null;
  if (needs.shaderF16 && !adapter.features.has('shader-f16')) {
    return (
      `This model computes in float16 on the GPU, and the WebGPU adapter (${adapter.description}) does not support ` +
      `shader-f16. Use WASM (slow), or a float32 model.`
    );
  }
  const largest = needs.largestWeightBytes;
  if (largest !== undefined) {
    const limit = Math.min(adapter.limits.maxStorageBufferBindingSize, adapter.limits.maxBufferSize);
    if (largest > limit) {
      return (
        `This model has a ${mb(largest)} weight tensor, more than the WebGPU adapter (${adapter.description}) can bind ` +
        `(maxStorageBufferBindingSize ${mb(adapter.limits.maxStorageBufferBindingSize)}, maxBufferSize ` +
        `${mb(adapter.limits.maxBufferSize)}). Use WASM, or a float16 export of the model.`
      );
    }
  }
  return null;
}

export function assertAdapterCanRun(adapter: AdapterFacts, needs: ModelRequirements | undefined): void {
  const problem = adapterProblem(adapter, needs);
  if (problem) throw new EngineError('model-unsupported', problem);
}
