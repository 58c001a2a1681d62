/**
 * The three forms of diffusers' `add_noise` (forward diffusion to one timestep), in float32 as
 * torch evaluates them on 0-dim / broadcast float32 tensors (diffusers 58eb52c0):
 *
 * - sigma schedulers (Euler, Euler a, Heun): `original + noise * sigma`;
 * - DPMSolverMultistep: `alpha_t * original + sigma_t * noise` with
 *   `alpha_t, sigma_t = _sigma_to_alpha_sigma_t(sigma)`;
 * - alpha schedulers (DDIM, LCM — DDPM's add_noise): `sqrt(ᾱ_t) * original + sqrt(1 − ᾱ_t) * noise`.
 *
 * Golden values: tests/fixtures/img2img/add-noise.json (from diffusers' own add_noise).
 */
import { assertSameLength } from './noise-schedule.ts';

const fround = Math.fround;

export function addNoiseAtSigma(original: Float32Array, noise: Float32Array, sigma: number): Float32Array {
  assertSameLength(noise, original);
  const s = fround(sigma);
  const out = new Float32Array(original.length);
  for (let i = 0; i < out.length; i++) out[i] = (original[i] ?? 0) + fround((noise[i] ?? 0) * s);
  return out;
}

/** `alpha * original + sigma * noise`, both coefficients already float32. */
export function addNoiseWithCoefficients(
  original: Float32Array,
  noise: Float32Array,
  alpha: number,
  sigma: number,
): Float32Array {
  assertSameLength(noise, original);
  const out = new Float32Array(original.length);
  for (let i = 0; i < out.length; i++) {
    out[i] = fround(alpha * (original[i] ?? 0)) + fround(sigma * (noise[i] ?? 0));
  }
  return out;
}

/** DDPM's add_noise at one timestep, given `alphas_cumprod[t]`. */
export function addNoiseAtAlphaCumprod(
  original: Float32Array,
  noise: Float32Array,
  alphaCumprod: number,
): Float32Array {
  const sqrtAlpha = fround(Math.sqrt(alphaCumprod));
  const sqrtOneMinus = fround(Math.sqrt(fround(1 - alphaCumprod)));
  return addNoiseWithCoefficients(original, noise, sqrtAlpha, sqrtOneMinus);
}
