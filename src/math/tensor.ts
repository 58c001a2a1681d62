/** A float32 tensor in row-major (NCHW for images and latents) order. */
export interface Float32Tensor {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

export const numelOf = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

export function tensor(data: Float32Array, dims: readonly number[]): Float32Tensor {
  if (data.length !== numelOf(dims)) {
    throw new Error(`tensor data has ${data.length} values but dims [${dims.join(', ')}] need ${numelOf(dims)}`);
  }
  return { data, dims };
}

/** Concatenates tensors along axis 0 (the batch axis). */
export function concatBatch(parts: readonly Float32Tensor[]): Float32Tensor {
  const first = parts[0];
  if (!first) throw new Error('concatBatch needs at least one tensor');
  const rest = first.dims.slice(1);
  let batch = 0;
  for (const part of parts) {
    if (part.dims.slice(1).join() !== rest.join()) throw new Error('concatBatch: trailing dims differ');
    batch += part.dims[0] ?? 0;
  }
  const data = new Float32Array(parts.reduce((n, p) => n + p.data.length, 0));
  let offset = 0;
  for (const part of parts) {
    data.set(part.data, offset);
    offset += part.data.length;
  }
  return { data, dims: [batch, ...rest] };
}

/** Splits a tensor along axis 0 into `count` equal parts. */
export function splitBatch(whole: Float32Tensor, count: number): Float32Tensor[] {
  const batch = whole.dims[0] ?? 0;
  if (batch % count !== 0) throw new Error(`splitBatch: batch ${batch} is not divisible by ${count}`);
  const size = whole.data.length / count;
  const dims = [batch / count, ...whole.dims.slice(1)];
  return Array.from({ length: count }, (_, i) => ({ data: whole.data.slice(i * size, (i + 1) * size), dims }));
}

/**
 * Classifier-free guidance, `uncond + s·(cond − uncond)` as diffusers' StableDiffusionPipeline
 * computes it, each operation rounded to float32 like torch.
 */
export function classifierFreeGuidance(uncond: Float32Array, cond: Float32Array, scale: number): Float32Array {
  const out = new Float32Array(cond.length);
  const s = Math.fround(scale);
  for (let i = 0; i < out.length; i++) {
    const u = uncond[i] as number;
    out[i] = u + Math.fround(s * Math.fround((cond[i] as number) - u));
  }
  return out;
}

/** Multiplies every element by a scalar in float32. */
export function scale(data: Float32Array, factor: number): Float32Array {
  const out = new Float32Array(data.length);
  const f = Math.fround(factor);
  for (let i = 0; i < data.length; i++) out[i] = (data[i] as number) * f;
  return out;
}

/** Divides every element by a scalar in float32 (torch's `latents / scaling_factor`). */
export function divide(data: Float32Array, divisor: number): Float32Array {
  const out = new Float32Array(data.length);
  const d = Math.fround(divisor);
  for (let i = 0; i < data.length; i++) out[i] = (data[i] as number) / d;
  return out;
}
