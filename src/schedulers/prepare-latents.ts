/**
 * Initial latents as diffusers' `prepare_latents` makes them with a CPU generator:
 * `randn_tensor(shape, generator=torch.Generator().manual_seed(seed)) * scheduler.init_noise_sigma`
 * (float32 product). Golden values: `initial_latents` in tests/fixtures/schedulers/*.json.
 */

import { fround } from '../math/float32.ts';
import { TorchGenerator } from '../math/torch-generator.ts';

export function prepareLatents(seed: bigint | number, shape: readonly number[], initNoiseSigma: number): Float32Array {
  const latents = new TorchGenerator(seed).randn(shape);
  const sigma = fround(initNoiseSigma);
  if (sigma === 1) return latents;
  for (let i = 0; i < latents.length; i++) latents[i] = (latents[i] ?? 0) * sigma;
  return latents;
}
