/**
 * Initial latents as diffusers' `prepare_latents` makes them with a CPU generator:
 * `randn_tensor(shape, generator=torch.Generator().manual_seed(seed)) * scheduler.init_noise_sigma`
 * (float32 product). With A1111 variation seeds / "resize seed from" the noise is
 * `ImageRNG.first`'s (src/math/variation-noise.ts) before the same scaling. Golden values:
 * `initial_latents` in tests/fixtures/schedulers/*.json, tests/fixtures/img2img/subseed-slerp.json.
 */

import { fround } from '../math/float32.ts';
import type { TorchGenerator } from '../math/torch-generator.ts';
import { initialNoise, type VariationOptions } from '../math/variation-noise.ts';

export interface PrepareLatentsOptions {
  /** The seed's generator, to draw from and leave positioned for the sampler (default: a fresh one). */
  generator?: TorchGenerator;
  variation?: VariationOptions | null;
  /** Old latent size for A1111 "Resize seed from". */
  resizeFrom?: { height: number; width: number } | null;
}

export function prepareLatents(
  seed: bigint | number,
  shape: readonly number[],
  initNoiseSigma: number,
  options: PrepareLatentsOptions = {},
): Float32Array {
  const { noise } = initialNoise(BigInt(seed), shape, options.variation, options.resizeFrom, options.generator);
  return scaleByInitNoiseSigma(noise, initNoiseSigma);
}

/** `noise * init_noise_sigma` (float32), in place; also inpainting's strength-1 start. */
export function scaleByInitNoiseSigma(noise: Float32Array, initNoiseSigma: number): Float32Array {
  const sigma = fround(initNoiseSigma);
  if (sigma === 1) return noise;
  for (let i = 0; i < noise.length; i++) noise[i] = (noise[i] ?? 0) * sigma;
  return noise;
}
