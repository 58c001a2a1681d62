/**
 * Float32 pieces shared by the sigma-parameterised (k-diffusion style) ports
 * `EulerDiscreteScheduler`, `EulerAncestralDiscreteScheduler` and `HeunDiscreteScheduler`
 * (diffusers 58eb52c0): `scale_model_input` and the scalar coefficients of `pred_original_sample`.
 * Scalars are 0-dim float32 tensors in diffusers, so each scalar expression is rounded to float32
 * before it meets the latents. Golden values: tests/fixtures/schedulers/.
 *
 * Hot loops in this folder use a module-local `Math.fround`: V8 did not inline the imported
 * alias when the modules run unbundled (Node, Vitest), which made steps 2–3× slower.
 */

const fround = Math.fround;

/** `sample / ((sigma**2 + 1) ** 0.5)` */
export function scaleBySigma(sample: Float32Array, sigma: number): Float32Array {
  const denom = fround(Math.sqrt(fround(fround(sigma * sigma) + 1)));
  const out = new Float32Array(sample.length);
  for (let i = 0; i < out.length; i++) out[i] = (sample[i] ?? 0) / denom;
  return out;
}

/**
 * Scalars of the v-prediction x̂₀ = `model_output·(−σ/(σ² + 1)**0.5) + sample/(σ² + 1)`:
 * `cOut` = −σ/√(σ² + 1) and `s2p1` = σ² + 1, each rounded as torch rounds them.
 */
export function vPredictionScalars(sigma: number): { cOut: number; s2p1: number } {
  const s2p1 = fround(fround(sigma * sigma) + 1);
  return { cOut: fround(-sigma / fround(Math.sqrt(s2p1))), s2p1 };
}

/**
 * `init_noise_sigma` of diffusers' Euler-family schedulers (Euler, Euler a, Heun): the largest
 * sigma, or under "leading" spacing sqrt(σ_max² + 1) (which keeps the variance of the noisy
 * sample), computed in float32.
 */
export function eulerInitNoiseSigma(sigmas: Float32Array, timestepSpacing: string): number {
  const max = sigmas.reduce((m, s) => Math.max(m, s), -Infinity);
  if (timestepSpacing !== 'leading') return max;
  return Math.fround(Math.sqrt(Math.fround(Math.fround(max * max) + 1)));
}

/**
 * What Euler and Euler a hold before set_timesteps (their __init__): the full training schedule,
 * highest sigma first, plus the final zero sigma.
 */
export function fullTrainingSchedule(trainSigmas: Float32Array): { timesteps: number[]; sigmas: Float32Array } {
  const n = trainSigmas.length;
  const sigmas = new Float32Array(n + 1);
  for (let i = 0; i < n; i++) sigmas[i] = trainSigmas[n - 1 - i] ?? 0;
  return { timesteps: Array.from({ length: n }, (_, i) => n - 1 - i), sigmas };
}
