/**
 * Euler sampler: a port of diffusers' `EulerDiscreteScheduler` (scheduling_euler_discrete.py,
 * diffusers 58eb52c0) — `__init__`, `set_timesteps` (spacings, `np.interp` of sigmas, Karras
 * sigmas with `_sigma_to_t`, `final_sigmas_type`), `init_noise_sigma`, `scale_model_input` and
 * `step` with the default s_churn = 0 (no noise), `set_begin_index` and the sigma-based `add_noise`
 * (img2img, inpainting). Element-wise arithmetic is float32 in the
 * order torch evaluates it. Golden values: tests/fixtures/schedulers/euler-*.json.
 */

import { addNoiseAtSigma } from './add-noise.ts';
import type { SchedulerConfig } from './config.ts';
import { assertSameLength, assertSteps, indexForTimestep } from './noise-schedule.ts';
import type { Scheduler } from './scheduler.ts';
import {
  eulerFamilySchedule,
  eulerInitNoiseSigma,
  fullTrainingSchedule,
  scaleBySigma,
  trainingSchedule,
  vPredictionScalars,
} from './sigma-ops.ts';
import { StepIndex } from './step-index.ts';

const fround = Math.fround;

export class EulerDiscreteScheduler implements Scheduler {
  readonly order = 1;
  timesteps: readonly number[];
  /** Float32 sigmas, one more than timesteps (the final sigma). */
  sigmas: Float32Array;
  private readonly config: SchedulerConfig;
  private readonly trainSigmas: Float32Array;
  private readonly index = new StepIndex();

  constructor(config: SchedulerConfig) {
    this.config = config;
    this.trainSigmas = trainingSchedule(config).sigmas;
    ({ timesteps: this.timesteps, sigmas: this.sigmas } = fullTrainingSchedule(this.trainSigmas));
  }

  get initNoiseSigma(): number {
    return eulerInitNoiseSigma(this.sigmas, this.config.timestepSpacing);
  }

  setTimesteps(numInferenceSteps: number): void {
    assertSteps(numInferenceSteps);
    const c = this.config;
    const { timesteps, sigmas } = eulerFamilySchedule(c, this.trainSigmas, numInferenceSteps, c.useKarrasSigmas);
    const last = c.finalSigmasType === 'sigma_min' ? this.sigmaMin() : 0;
    this.sigmas = Float32Array.from([...sigmas, last]);
    this.timesteps = timesteps.map(fround);
    this.index.reset();
  }

  setBeginIndex(index: number): void {
    this.index.setBegin(index);
  }

  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    const i = this.index.forAddNoise(() => indexForTimestep(this.timesteps, fround(timestep)));
    return addNoiseAtSigma(original, noise, this.sigmas[i] ?? NaN);
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
    this.index.current = i + 1;
    return out;
  }

  /** `((1 - alphas_cumprod[0]) / alphas_cumprod[0]) ** 0.5`: the smallest training sigma. */
  private sigmaMin(): number {
    return this.trainSigmas[0] ?? NaN;
  }

  private initStepIndex(timestep: number): number {
    return this.index.resolve(() => indexForTimestep(this.timesteps, fround(timestep)));
  }
}
