/**
 * A1111's default "Original" emphasis, ported from stable-diffusion-webui `modules/sd_emphasis.py`
 * (`EmphasisOriginal.after_transformers`, applied per chunk by `process_tokens` in
 * `modules/sd_hijack_clip.py`), and the chunk join from `FrozenCLIPEmbedderWithCustomWordsBase.forward`
 * (`torch.hstack(zs)`):
 *
 *   original_mean = z.mean()
 *   z = z * multipliers[:, None]          (one weight per token, broadcast over the hidden dim)
 *   z = z * (original_mean / z.mean())    (restore the mean)
 *
 * Every step is rounded to float32 as torch does on a float32 tensor (weights become a float32
 * tensor, products and the ratio are float32). The one difference is the mean: torch sums a
 * float32 tensor with a cascade of float32 partial sums (and CUDA in yet another order); we sum
 * in float64 and round once, which is at least as accurate, then divide in float32 as torch's
 * `sum / numel` does. Results agree with torch to float32 rounding of the mean (≈1 ulp).
 * Tests: `emphasis.test.ts` (synthetic tensors).
 */

/** torch's float32 `mean()` over `data`, up to summation order (see above). */
export function float32Mean(data: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum += data[i] as number;
  return Math.fround(Math.fround(sum) / Math.fround(data.length));
}

/**
 * Applies emphasis weights to one chunk's text-encoder output `hidden` ([tokens, dim] row-major,
 * i.e. the [1, 77, D] last_hidden_state of one chunk). Returns a new array; `hidden` is not changed.
 * With all weights 1 the result equals the input exactly.
 *
 * If the weighted tensor's mean is 0 the ratio is ±Infinity/NaN, as in A1111.
 */
export function applyEmphasis(
  hidden: Float32Array,
  tokens: number,
  dim: number,
  weights: readonly number[],
): Float32Array {
  if (hidden.length !== tokens * dim) {
    throw new RangeError(`applyEmphasis: hidden has ${hidden.length} values, expected ${tokens}×${dim}`);
  }
  if (weights.length !== tokens) {
    throw new RangeError(`applyEmphasis: ${weights.length} weights for ${tokens} tokens`);
  }
  // Short cut, not a change of result: with all weights 1 the formula gives z * (m / m) = z.
  if (weights.every((w) => w === 1)) return hidden.slice();

  const originalMean = float32Mean(hidden);
  const out = new Float32Array(hidden.length);
  for (let t = 0; t < tokens; t++) {
    const w = Math.fround(weights[t] as number);
    const base = t * dim;
    for (let d = 0; d < dim; d++) out[base + d] = (hidden[base + d] as number) * w; // stored as float32
  }
  const newMean = float32Mean(out);
  const ratio = Math.fround(originalMean / newMean);
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) * ratio;
  return out;
}

/**
 * Joins per-chunk encoder outputs ([tokens_i, dim] each) along the token axis, giving
 * [Σ tokens_i, dim] — A1111's `torch.hstack(zs)` over chunks (77·k tokens for k chunks).
 */
export function concatChunks(hiddenPerChunk: readonly Float32Array[], dim: number): Float32Array {
  let total = 0;
  for (const [i, part] of hiddenPerChunk.entries()) {
    if (part.length % dim !== 0)
      throw new RangeError(`concatChunks: chunk ${i} has ${part.length} values, not a multiple of ${dim}`);
    total += part.length;
  }
  const out = new Float32Array(total);
  let offset = 0;
  for (const part of hiddenPerChunk) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
