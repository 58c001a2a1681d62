/**
 * Euler sampler: a port of diffusers' `EulerDiscreteScheduler` (scheduling_euler_discrete.py,
 * diffusers 58eb52c0) — `__init__`, `set_timesteps` (spacings, `np.interp` of sigmas, Karras
 * sigmas with `_sigma_to_t`, `final_sigmas_type`), `init_noise_sigma`, `scale_model_input` and
 * `step` with the default s_churn = 0 (no noise). Element-wise arithmetic is float32 in the
 * order torch evaluates it. Golden values: tests/fixtures/schedulers/euler-*.json.
 */

import type { SchedulerConfig } from './config.ts';
import {
  assertSameLength,
  assertSteps,
  computeAlphasCumprod,
  computeBetas,
  discreteTimesteps,
  indexForTimestep,
  interpOnIndexGrid,
  karrasSigmas,
  logSigmas,
  sigmaToT,
  trainingSigmas,
} from './noise-schedule.ts';
import type { Scheduler } from './scheduler.ts';
import { eulerInitNoiseSigma, fullTrainingSchedule, scaleBySigma, vPredictionScalars } from './sigma-ops.ts';

const fround = Math.fround;

export class EulerDiscreteScheduler implements Scheduler {
  readonly order = 1;
  timesteps: readonly number[];
  /** Float32 sigmas, one more than timesteps (the final sigma). */
  sigmas: Float32Array;
  private readonly config: SchedulerConfig;
  private readonly trainSigmas: Float32Array;
  private stepIndex: number | null = null;

  constructor(config: SchedulerConfig) {
    this.config = config;
    this.trainSigmas = trainingSigmas(computeAlphasCumprod(computeBetas(config)));
    ({ timesteps: this.timesteps, sigmas: this.sigmas } = fullTrainingSchedule(this.trainSigmas));
  }

  get initNoiseSigma(): number {
    return eulerInitNoiseSigma(this.sigmas, this.config.timestepSpacing);
  }

  setTimesteps(numInferenceSteps: number): void {
    assertSteps(numInferenceSteps);
    const c = this.config;
    let timesteps = discreteTimesteps(c.timestepSpacing, c.numTrainTimesteps, numInferenceSteps, c.stepsOffset);
    let sigmas = timesteps.map((t) => interpOnIndexGrid(t, this.trainSigmas));
    if (c.useKarrasSigmas) {
      // Karras between the schedule's own first and last sigma, then timesteps mapped back.
      const logs = logSigmas(this.trainSigmas);
      sigmas = karrasSigmas(sigmas[sigmas.length - 1] ?? 0, sigmas[0] ?? 0, numInferenceSteps);
      timesteps = sigmas.map((s) => sigmaToT(s, logs));
    }
    const last = c.finalSigmasType === 'sigma_min' ? this.sigmaMin() : 0;
    this.sigmas = Float32Array.from([...sigmas, last]);
    this.timesteps = timesteps.map(fround);
    this.stepIndex = null;
  }

  scaleModelInput(sample: Float32Array, timestep: number): Float32Array {
    const sigma = this.sigmas[this.initStepIndex(timestep)] ?? NaN;
    return scaleBySigma(sample, sigma);
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array): Float32Array {
    assertSameLength(modelOutput, sample);
    const i = this.initStepIndex(timestep);
    const sigma = this.sigmas[i] ?? NaN;
    const sigmaNext = this.sigmas[i + 1] ?? NaN;
    // gamma = 0 (s_churn = 0), so sigma_hat = sigma · (0 + 1) = sigma.
    const sigmaHat = sigma;
    const dt = fround(sigmaNext - sigmaHat);
    const isEpsilon = this.config.predictionType === 'epsilon';
    const { cOut, s2p1 } = vPredictionScalars(sigma);
    const out = new Float32Array(sample.length);
    for (let k = 0; k < out.length; k++) {
      const x = sample[k] ?? 0;
      const m = modelOutput[k] ?? 0;
      // pred_original_sample: epsilon uses sigma_hat, v_prediction sigma (equal here).
      const pred = isEpsilon ? fround(x - fround(sigmaHat * m)) : fround(fround(m * cOut) + fround(x / s2p1));
      const derivative = fround(fround(x - pred) / sigmaHat);
      out[k] = x + fround(derivative * dt);
    }
    this.stepIndex = i + 1;
    return out;
  }

  /** `((1 - alphas_cumprod[0]) / alphas_cumprod[0]) ** 0.5`: the smallest training sigma. */
  private sigmaMin(): number {
    return this.trainSigmas[0] ?? NaN;
  }

  private initStepIndex(timestep: number): number {
    if (this.stepIndex === null) this.stepIndex = indexForTimestep(this.timesteps, fround(timestep));
    return this.stepIndex;
  }
}
