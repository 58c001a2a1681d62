/**
 * Heun sampler: a port of diffusers' `HeunDiscreteScheduler` (scheduling_heun_discrete.py,
 * diffusers 58eb52c0) — `set_timesteps` (which interleaves the schedule into 2n − 1 timesteps
 * and 2n sigmas so that every step but the last calls the model twice), `init_noise_sigma`,
 * `scale_model_input` and `step`, whose first call of a pair stores the Euler derivative, dt and
 * sample and whose second averages the two derivatives (the trapezoidal rule). The final step
 * (σ_next = 0) stays a plain Euler step. `set_begin_index` / `add_noise` as Euler's (img2img
 * slices the interleaved schedule at t_start · order, order = 2). Golden values: derived checks in heun.test.ts (no
 * diffusers trajectory in the shared set).
 */

import { addNoiseAtSigma } from './add-noise.ts';
import type { SchedulerConfig } from './config.ts';
import { assertSameLength, assertSteps, indexForTimestep } from './noise-schedule.ts';
import type { Scheduler } from './scheduler.ts';
import {
  eulerFamilySchedule,
  eulerInitNoiseSigma,
  scaleBySigma,
  trainingSchedule,
  vPredictionScalars,
} from './sigma-ops.ts';
import { StepIndex } from './step-index.ts';

const fround = Math.fround;

interface FirstOrderState {
  derivative: Float32Array;
  dt: number;
  sample: Float32Array;
}

export class HeunDiscreteScheduler implements Scheduler {
  readonly order = 2;
  timesteps: readonly number[] = [];
  sigmas = new Float32Array(0);
  private readonly config: SchedulerConfig;
  private readonly trainSigmas: Float32Array;
  private readonly index = new StepIndex();
  /** Set between the two halves of a Heun step (`dt is not None` in diffusers). */
  private pending: FirstOrderState | null = null;

  constructor(config: SchedulerConfig) {
    this.config = config;
    this.trainSigmas = trainingSchedule(config).sigmas;
    // diffusers' __init__ calls set_timesteps(num_train_timesteps).
    this.setTimesteps(config.numTrainTimesteps);
  }

  get initNoiseSigma(): number {
    return eulerInitNoiseSigma(this.sigmas, this.config.timestepSpacing);
  }

  setTimesteps(numInferenceSteps: number): void {
    assertSteps(numInferenceSteps);
    const c = this.config;
    const { timesteps, sigmas } = eulerFamilySchedule(c, this.trainSigmas, numInferenceSteps, c.useKarrasSigmas);
    const s = Float32Array.from([...sigmas, 0]);
    // sigmas: [s0, s1, s1, …, s(n−1), s(n−1), 0]; timesteps: [t0, t1, t1, …, t(n−1), t(n−1)].
    const interleaved = [s[0] ?? NaN];
    for (let i = 1; i < s.length - 1; i++) interleaved.push(s[i] ?? NaN, s[i] ?? NaN);
    interleaved.push(s[s.length - 1] ?? NaN);
    this.sigmas = Float32Array.from(interleaved);
    const t32 = timesteps.map(fround);
    const ts = [t32[0] ?? NaN];
    for (let i = 1; i < t32.length; i++) ts.push(t32[i] ?? NaN, t32[i] ?? NaN);
    this.timesteps = ts;
    this.pending = null;
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
    return scaleBySigma(sample, this.sigmas[this.initStepIndex(timestep)] ?? NaN);
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array): Float32Array {
    assertSameLength(modelOutput, sample);
    const i = this.initStepIndex(timestep);
    const pending = this.pending;
    const sigmaNext = (pending === null ? this.sigmas[i + 1] : this.sigmas[i]) ?? NaN;
    // sigma_hat = sigma · (gamma + 1) with gamma = 0.
    const sigmaHat = (pending === null ? this.sigmas[i] : this.sigmas[i - 1]) ?? NaN;
    // Epsilon and v-prediction both use sigma_hat in the first half, sigma_next in the second.
    const sigmaInput = pending === null ? sigmaHat : sigmaNext;
    const isEpsilon = this.config.predictionType === 'epsilon';
    const { cOut, s2p1 } = vPredictionScalars(sigmaInput);
    const clip = this.config.clipSample ? fround(this.config.clipSampleRange) : Infinity;

    const out = new Float32Array(sample.length);
    if (pending === null) {
      const dt = fround(sigmaNext - sigmaHat);
      const derivative = new Float32Array(sample.length);
      for (let k = 0; k < out.length; k++) {
        const x = sample[k] ?? 0;
        const m = modelOutput[k] ?? 0;
        let pred = isEpsilon ? fround(x - fround(sigmaInput * m)) : fround(fround(m * cOut) + fround(x / s2p1));
        pred = Math.min(Math.max(pred, -clip), clip);
        const d = fround(fround(x - pred) / sigmaHat);
        derivative[k] = d;
        out[k] = x + fround(d * dt);
      }
      // diffusers keeps a reference to `sample`; a copy protects us from callers reusing buffers.
      this.pending = { derivative, dt, sample: sample.slice() };
    } else {
      const { derivative: prevDerivative, dt, sample: prevSample } = pending;
      for (let k = 0; k < out.length; k++) {
        const x = sample[k] ?? 0;
        const m = modelOutput[k] ?? 0;
        let pred = isEpsilon ? fround(x - fround(sigmaInput * m)) : fround(fround(m * cOut) + fround(x / s2p1));
        pred = Math.min(Math.max(pred, -clip), clip);
        const d = fround(fround(x - pred) / sigmaNext);
        const avg = fround(fround((prevDerivative[k] ?? 0) + d) / 2);
        out[k] = (prevSample[k] ?? 0) + fround(avg * dt);
      }
      this.pending = null;
    }
    this.index.current = i + 1;
    return out;
  }

  private initStepIndex(timestep: number): number {
    return this.index.resolve(() => indexForTimestep(this.timesteps, fround(timestep)));
  }
}
