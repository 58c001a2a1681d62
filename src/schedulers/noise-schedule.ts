/**
 * Beta / alpha / sigma math shared by the scheduler ports, reproducing diffusers 58eb52c0 and the
 * torch / numpy calls it makes, down to their rounding:
 *
 * - betas: `torch.linspace(..., dtype=torch.float32)` (ATen's vectorised linspace kernel, float32
 *   with fused multiply-adds) for "linear", squared for "scaled_linear";
 *   `betas_for_alpha_bar` for "squaredcos_cap_v2";
 * - `alphas_cumprod = torch.cumprod(1 - betas)`: torch accumulates in float64, then casts;
 * - timestep spacings "linspace" / "leading" / "trailing" via `np.linspace`, `np.arange` and
 *   `np.round` (round half to even) exactly as numpy evaluates them;
 * - `np.interp` of the training sigmas at fractional timesteps, `_convert_to_karras` and
 *   `_sigma_to_t` (EulerDiscreteScheduler and friends).
 *
 * Golden values: tests/fixtures/schedulers/common.json (betas, alphas_cumprod of the SD 1.5
 * config) and the per-scheduler fixtures beside it.
 */

import { fma32, fround } from '../math/float32.ts';
import type { SchedulerConfig } from './config.ts';

/** `betas` as each diffusers scheduler's `__init__` builds them (float32). */
export function computeBetas(config: SchedulerConfig): Float32Array {
  const n = config.numTrainTimesteps;
  if (config.trainedBetas !== null) return Float32Array.from(config.trainedBetas);
  switch (config.betaSchedule) {
    case 'linear':
      return torchLinspaceF32(config.betaStart, config.betaEnd, n);
    case 'scaled_linear': {
      // `torch.linspace(beta_start**0.5, beta_end**0.5, n) ** 2`; the roots are Python floats.
      const b = torchLinspaceF32(Math.sqrt(config.betaStart), Math.sqrt(config.betaEnd), n);
      for (let i = 0; i < n; i++) b[i] = fround((b[i] ?? 0) * (b[i] ?? 0));
      return b;
    }
    case 'squaredcos_cap_v2':
      return betasForAlphaBarCosine(n);
    default: {
      const never: never = config.betaSchedule;
      throw new Error(`unknown beta schedule ${String(never)}`);
    }
  }
}

/** `torch.cumprod(1.0 - betas, dim=0)`: float32 alphas, float64 running product, float32 out. */
export function computeAlphasCumprod(betas: Float32Array): Float32Array {
  const out = new Float32Array(betas.length);
  let acc = 1;
  for (let i = 0; i < betas.length; i++) {
    acc *= fround(1 - (betas[i] ?? 0));
    out[i] = acc;
  }
  return out;
}

/** `((1 - alphas_cumprod) / alphas_cumprod) ** 0.5` on the float32 tensor, in training order. */
export function trainingSigmas(alphasCumprod: Float32Array): Float32Array {
  const out = new Float32Array(alphasCumprod.length);
  for (let i = 0; i < alphasCumprod.length; i++) {
    const a = alphasCumprod[i] ?? 0;
    out[i] = Math.sqrt(fround(fround(1 - a) / a));
  }
  return out;
}

/**
 * ATen's CPU `linspace` kernel for float32 (x86-64, AVX2 build): step = (end − start)/(steps − 1)
 * in float32; elements are produced 8 at a time as `base + k·step`, with `base` counted from the
 * start for the first half and from the end for the second, and a scalar tail for the last
 * numel mod 16. GCC contracts each `a·b + c` into one FMA, which decides the last bit.
 */
export function torchLinspaceF32(startD: number, endD: number, steps: number): Float32Array {
  const out = new Float32Array(steps);
  if (steps === 1) {
    out[0] = startD;
    return out;
  }
  const start = fround(startD);
  const end = fround(endD);
  const step = fround(fround(end - start) / (steps - 1));
  const halfway = Math.floor(steps / 2);
  const at = (idx: number): number => (idx < halfway ? fma32(step, idx, start) : fma32(-step, steps - idx - 1, end));
  let i = 0;
  // The vectorised loop takes two 8-lane vectors per iteration; what is left runs scalar.
  for (; i + 16 <= steps; i += 16) {
    for (let v = i; v < i + 16; v += 8) {
      const base = at(v);
      out[v] = base;
      for (let k = 1; k < 8; k++) out[v + k] = fma32(k, step, base);
    }
  }
  for (; i < steps; i++) out[i] = at(i);
  return out;
}

/** `betas_for_alpha_bar(n, alpha_transform_type="cosine")`: Python floats, then float32. */
function betasForAlphaBarCosine(n: number): Float32Array {
  const alphaBar = (t: number) => Math.cos((((t + 0.008) / 1.008) * Math.PI) / 2) ** 2;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.min(1 - alphaBar((i + 1) / n) / alphaBar(i / n), 0.999);
  return out;
}

/** numpy's `np.round` for decimals=0: round half to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** `np.linspace(start, stop, num, endpoint)` in float64, evaluated as numpy does. */
export function npLinspace(start: number, stop: number, num: number, endpoint = true): number[] {
  const div = endpoint ? num - 1 : num;
  const delta = stop - start;
  const out: number[] = [];
  if (div > 0) {
    const step = delta / div;
    for (let i = 0; i < num; i++) out.push(step === 0 ? (i / div) * delta + start : i * step + start);
  } else {
    for (let i = 0; i < num; i++) out.push(i * delta + start);
  }
  if (endpoint && num > 1) out[num - 1] = stop;
  return out;
}

/**
 * `np.arange(start, stop, step)` for floats: length ceil((stop − start)/step), and values
 * `start + i·delta` with delta = (start + step) − start, which is how numpy's fill works. (The
 * length rule makes `np.arange(1000, 0, -1000/61)` 62 long: diffusers' "trailing" spacing then
 * yields 62 timesteps, the last one −1.)
 */
export function npArange(start: number, stop: number, step: number): number[] {
  const len = Math.max(0, Math.ceil((stop - start) / step));
  const out: number[] = [];
  if (len === 0) return out;
  out.push(start);
  const delta = start + step - start;
  for (let i = 1; i < len; i++) out.push(start + i * delta);
  return out;
}

/**
 * The float timesteps of EulerDiscrete / EulerAncestralDiscrete / HeunDiscrete `set_timesteps`
 * (before the cast to float32) for a spacing.
 */
export function discreteTimesteps(
  spacing: SchedulerConfig['timestepSpacing'],
  numTrain: number,
  n: number,
  stepsOffset: number,
): number[] {
  switch (spacing) {
    case 'linspace':
      // `np.linspace(0, T - 1, n, dtype=np.float32)[::-1]`
      return npLinspace(0, numTrain - 1, n)
        .map(fround)
        .reverse();
    case 'leading': {
      // `(np.arange(0, n) * (T // n)).round()[::-1].astype(np.float32) + steps_offset`
      const ratio = Math.floor(numTrain / n);
      return Array.from({ length: n }, (_, i) => roundHalfEven(i * ratio))
        .reverse()
        .map((t) => fround(t + stepsOffset));
    }
    case 'trailing':
      // `np.arange(T, 0, -T / n).round().astype(np.float32) - 1`
      return npArange(numTrain, 0, -numTrain / n).map((t) => fround(roundHalfEven(t) - 1));
    default: {
      const never: never = spacing;
      throw new Error(`unknown timestep spacing ${String(never)}`);
    }
  }
}

/**
 * `np.interp(x, np.arange(len(fp)), fp)` in float64 (numpy's arr_interp: value at the left grid
 * point when x sits on it, else slope·(x − j) + fp[j]; clamped outside the grid).
 */
export function interpOnIndexGrid(x: number, fp: ArrayLike<number>): number {
  const n = fp.length;
  if (Number.isNaN(x)) return x;
  if (x <= 0) return fp[0] ?? NaN;
  if (x >= n - 1) return fp[n - 1] ?? NaN;
  const j = Math.floor(x);
  const y0 = fp[j] ?? NaN;
  if (x === j) return y0;
  const slope = (fp[j + 1] ?? NaN) - y0;
  return slope * (x - j) + y0;
}

/** `_convert_to_karras` (Karras et al. 2022, ρ = 7), float64: σ_max → σ_min over n values. */
export function karrasSigmas(sigmaMin: number, sigmaMax: number, n: number): number[] {
  const rho = 7.0;
  const minInvRho = sigmaMin ** (1 / rho);
  const maxInvRho = sigmaMax ** (1 / rho);
  return npLinspace(0, 1, n).map((ramp) => (maxInvRho + ramp * (minInvRho - maxInvRho)) ** rho);
}

/** `np.log` of the float32 training sigmas (float32 result). */
export function logSigmas(sigmas: Float32Array): Float32Array {
  return sigmas.map((s) => Math.log(s));
}

/**
 * `_sigma_to_t`: the fractional training timestep whose sigma is `sigma`, by linear
 * interpolation in log-sigma between the bracketing training steps.
 */
export function sigmaToT(sigma: number, logSigmasF32: Float32Array): number {
  const n = logSigmasF32.length;
  const logSigma = Math.log(Math.max(sigma, 1e-10));
  // `np.cumsum(dists >= 0).argmax()`: the last index whose log-sigma is ≤ log σ (0 if none).
  let low = 0;
  for (let i = 0; i < n; i++) if (logSigma - (logSigmasF32[i] ?? 0) >= 0) low = i;
  low = Math.min(low, n - 2);
  const lo = logSigmasF32[low] ?? 0;
  const hi = logSigmasF32[low + 1] ?? 0;
  const w = Math.min(Math.max((lo - logSigma) / (lo - hi), 0), 1);
  return (1 - w) * low + w * (low + 1);
}

/**
 * `index_for_timestep` of the sigma-indexed schedulers: the first match, or the second when the
 * timestep occurs twice (so that img2img starting mid-schedule does not skip a sigma).
 */
export function indexForTimestep(timesteps: readonly number[], timestep: number): number {
  const first = timesteps.indexOf(timestep);
  if (first < 0) throw new Error(`timestep ${timestep} is not in the schedule`);
  const second = timesteps.indexOf(timestep, first + 1);
  return second >= 0 ? second : first;
}

export function assertSteps(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`numInferenceSteps must be a positive integer, got ${n}`);
}

/** Throws unless `modelOutput` and `sample` are the same size. */
export function assertSameLength(modelOutput: Float32Array, sample: Float32Array): void {
  if (modelOutput.length !== sample.length) {
    throw new Error(`model output has ${modelOutput.length} values but the sample has ${sample.length}`);
  }
}
