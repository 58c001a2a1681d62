/**
 * DPM++ 2M (and DPM++ 2M Karras): a port of diffusers' `DPMSolverMultistepScheduler`
 * (scheduling_dpmsolver_multistep.py, diffusers 58eb52c0) for algorithm_type "dpmsolver++",
 * solver_order 2, solver_type "midpoint": `set_timesteps` (integer timesteps; "leading" uses
 * T // (N + 1) and drops the last value; Karras sigmas over the full training range with
 * rounded `_sigma_to_t` timesteps), `convert_model_output` (data prediction x̂₀),
 * `dpm_solver_first_order_update`, `multistep_dpm_solver_second_order_update` and `step`
 * (first step and — with final_sigmas_type "zero", or lower_order_final under 15 steps — the
 * last step are first order), `set_begin_index` and `add_noise` (α_t·x₀ + σ_t·ε at the begin
 * index). Scalars are float32 as in diffusers' 0-dim tensors, with torch's
 * SLEEF exp/log (not correctly rounded) so that the coefficients match to the last bit.
 * Golden values: tests/fixtures/schedulers/dpmpp-2m-sd15-20.json.
 */

import { expF32, logF32 } from '../math/float32.ts';
import { addNoiseWithCoefficients } from './add-noise.ts';
import type { SchedulerConfig } from './config.ts';
import {
  assertSameLength,
  assertSteps,
  interpOnIndexGrid,
  karrasSigmas,
  logSigmas,
  npArange,
  npLinspace,
  roundHalfEven,
  sigmaToT,
} from './noise-schedule.ts';
import type { Scheduler } from './scheduler.ts';
import { trainingSchedule } from './sigma-ops.ts';
import { StepIndex } from './step-index.ts';

const fround = Math.fround;

export class DpmSolverMultistepScheduler implements Scheduler {
  readonly order = 1;
  readonly initNoiseSigma = 1.0;
  timesteps: readonly number[];
  sigmas: Float32Array;
  private readonly config: SchedulerConfig;
  private readonly trainSigmas: Float32Array;
  private numInferenceSteps: number | null = null;
  private readonly index = new StepIndex();
  /** x̂₀ of the previous step (model_outputs[-2]) once there is one. */
  private previousX0: Float32Array | null = null;
  private lowerOrderNums = 0;

  constructor(config: SchedulerConfig) {
    this.config = config;
    this.trainSigmas = trainingSchedule(config).sigmas;
    const n = config.numTrainTimesteps;
    this.timesteps = npLinspace(0, n - 1, n)
      .map(fround)
      .reverse();
    this.sigmas = this.trainSigmas;
  }

  setTimesteps(numInferenceSteps: number): void {
    assertSteps(numInferenceSteps);
    const c = this.config;
    const n = numInferenceSteps;
    // lambda_min_clipped = −inf (the only supported value) clips nothing: last_timestep = T.
    const last = c.numTrainTimesteps;
    let timesteps: number[];
    switch (c.timestepSpacing) {
      case 'linspace':
        timesteps = npLinspace(0, last - 1, n + 1)
          .map(roundHalfEven)
          .reverse()
          .slice(0, n);
        break;
      case 'leading': {
        const ratio = Math.floor(last / (n + 1));
        timesteps = Array.from({ length: n + 1 }, (_, i) => i * ratio)
          .reverse()
          .slice(0, n)
          .map((t) => t + c.stepsOffset);
        break;
      }
      case 'trailing':
        timesteps = npArange(last, 0, -c.numTrainTimesteps / n).map((t) => roundHalfEven(t) - 1);
        break;
      default: {
        const never: never = c.timestepSpacing;
        throw new Error(`unknown timestep spacing ${String(never)}`);
      }
    }
    let sigmas: number[];
    if (c.useKarrasSigmas) {
      // Karras from the training schedule's extremes; the spacing above only fixed the count.
      const logs = logSigmas(this.trainSigmas);
      sigmas = karrasSigmas(this.trainSigmas[0] ?? NaN, this.trainSigmas[this.trainSigmas.length - 1] ?? NaN, n);
      timesteps = sigmas.map((s) => sigmaToT(s, logs));
      if (c.betaSchedule !== 'squaredcos_cap_v2') timesteps = timesteps.map(roundHalfEven);
    } else {
      sigmas = timesteps.map((t) => interpOnIndexGrid(t, this.trainSigmas));
    }
    const sigmaLast = c.finalSigmasType === 'sigma_min' ? (this.trainSigmas[0] ?? NaN) : 0;
    this.sigmas = Float32Array.from([...sigmas, sigmaLast]);
    // `torch.from_numpy(timesteps).to(dtype=torch.int64)` truncates any fraction.
    this.timesteps = timesteps.map(Math.trunc);
    this.numInferenceSteps = timesteps.length;
    this.previousX0 = null;
    this.lowerOrderNums = 0;
    this.index.reset();
  }

  setBeginIndex(index: number): void {
    this.index.setBegin(index);
  }

  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    const i = this.index.forAddNoise(() => this.indexForTimestep(timestep));
    const { alpha, sigma } = alphaSigma(this.sigmas[i] ?? NaN);
    return addNoiseWithCoefficients(original, noise, alpha, sigma);
  }

  scaleModelInput(sample: Float32Array): Float32Array {
    return sample;
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array): Float32Array {
    assertSameLength(modelOutput, sample);
    if (this.numInferenceSteps === null) throw new Error('DPM++: call setTimesteps before step');
    const i = this.index.resolve(() => this.indexForTimestep(timestep));
    const len = this.timesteps.length;
    const c = this.config;
    const lowerOrderFinal = i === len - 1 && ((c.lowerOrderFinal && len < 15) || c.finalSigmasType === 'zero');

    const previous = this.previousX0;
    const x0 = new Float32Array(sample.length);
    const out =
      this.lowerOrderNums < 1 || lowerOrderFinal || previous === null
        ? this.firstOrderUpdate(modelOutput, sample, x0, i)
        : this.secondOrderUpdate(modelOutput, sample, x0, previous, i);
    this.previousX0 = x0;
    if (this.lowerOrderNums < 2) this.lowerOrderNums += 1;
    this.index.current = i + 1;
    return out;
  }

  /**
   * `dpm_solver_first_order_update`: x_t = (σ_t/σ_s)·x − α_t·(e^(−h) − 1)·x̂₀.
   * Also fills `x0` with this step's `convert_model_output` (kept for the next step).
   */
  private firstOrderUpdate(modelOutput: Float32Array, sample: Float32Array, x0: Float32Array, i: number): Float32Array {
    const t = alphaSigma(this.sigmas[i + 1] ?? NaN);
    const s = alphaSigma(this.sigmas[i] ?? NaN);
    const h = fround(lambda(t) - lambda(s));
    const ratio = fround(t.sigma / s.sigma);
    const coef = fround(t.alpha * fround(expF32(-h) - 1));
    const isEpsilon = this.config.predictionType === 'epsilon';
    const out = new Float32Array(sample.length);
    for (let k = 0; k < out.length; k++) {
      const x = sample[k] ?? 0;
      const d0 = convert(isEpsilon, s, x, modelOutput[k] ?? 0);
      x0[k] = d0;
      out[k] = fround(ratio * x) - fround(coef * d0);
    }
    return out;
  }

  /**
   * `multistep_dpm_solver_second_order_update`, midpoint: with D0 = m0 and
   * D1 = (1/r0)·(m0 − m1), x_t = (σ_t/σ_s0)·x − α_t(e^(−h) − 1)·D0 − ½·α_t(e^(−h) − 1)·D1.
   * Also fills `x0` (m0) with this step's `convert_model_output`.
   */
  private secondOrderUpdate(
    modelOutput: Float32Array,
    sample: Float32Array,
    x0: Float32Array,
    m1: Float32Array,
    i: number,
  ): Float32Array {
    const t = alphaSigma(this.sigmas[i + 1] ?? NaN);
    const s0 = alphaSigma(this.sigmas[i] ?? NaN);
    const s1 = alphaSigma(this.sigmas[i - 1] ?? NaN);
    const lambdaS0 = lambda(s0);
    const h = fround(lambda(t) - lambdaS0);
    const h0 = fround(lambdaS0 - lambda(s1));
    const invR0 = fround(1 / fround(h0 / h));
    const ratio = fround(t.sigma / s0.sigma);
    const coef = fround(t.alpha * fround(expF32(-h) - 1));
    const half = fround(0.5 * coef);
    const isEpsilon = this.config.predictionType === 'epsilon';
    const out = new Float32Array(sample.length);
    for (let k = 0; k < out.length; k++) {
      const x = sample[k] ?? 0;
      const d0 = convert(isEpsilon, s0, x, modelOutput[k] ?? 0);
      x0[k] = d0;
      const d1 = fround(invR0 * fround(d0 - (m1[k] ?? 0)));
      out[k] = fround(fround(ratio * x) - fround(coef * d0)) - fround(half * d1);
    }
    return out;
  }

  /** DPMSolverMultistep's `index_for_timestep`: absent → last index; repeated → the second. */
  private indexForTimestep(timestep: number): number {
    const first = this.timesteps.indexOf(timestep);
    if (first < 0) return this.timesteps.length - 1;
    const second = this.timesteps.indexOf(timestep, first + 1);
    return second >= 0 ? second : first;
  }
}

interface AlphaSigma {
  alpha: number;
  sigma: number;
}

/** `_sigma_to_alpha_sigma_t`: α = 1/√(σ² + 1), σ_t = σ·α (float32). */
function alphaSigma(sigma: number): AlphaSigma {
  const alpha = fround(1 / fround(Math.sqrt(fround(fround(sigma * sigma) + 1))));
  return { alpha, sigma: fround(sigma * alpha) };
}

/**
 * `convert_model_output` for dpmsolver++ (the data prediction x̂₀) of one element:
 * epsilon → (x − σ_t·ε)/α_t, v_prediction → α_t·x − σ_t·v.
 */
function convert(isEpsilon: boolean, { alpha, sigma }: AlphaSigma, x: number, m: number): number {
  return isEpsilon ? fround(fround(x - fround(sigma * m)) / alpha) : fround(fround(alpha * x) - fround(sigma * m));
}

/** λ = log α − log σ (float32; +∞ at σ = 0, which makes the last step exact x̂₀). */
function lambda({ alpha, sigma }: AlphaSigma): number {
  return fround(logF32(alpha) - logF32(sigma));
}
