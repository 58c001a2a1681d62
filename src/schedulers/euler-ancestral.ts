/**
 * Euler a: a port of diffusers' `EulerAncestralDiscreteScheduler`
 * (scheduling_euler_ancestral_discrete.py, diffusers 58eb52c0) — `__init__`, `set_timesteps`,
 * `init_noise_sigma`, `scale_model_input`, `step`, `set_begin_index` and `add_noise`. Each step splits σ_to into σ_down (the
 * deterministic Euler target) and σ_up (fresh noise), and draws that noise with
 * `randn_tensor(model_output.shape, generator=...)` — at every step, including the last where
 * σ_up = 0, exactly as diffusers does, so the generator's stream stays aligned.
 * Golden values: tests/fixtures/schedulers/euler-ancestral-sd15-20.json.
 */

import type { TorchGenerator } from '../math/torch-generator.ts';
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

export class EulerAncestralDiscreteScheduler implements Scheduler {
  readonly order = 1;
  timesteps: readonly number[];
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
    const { timesteps, sigmas } = eulerFamilySchedule(this.config, this.trainSigmas, numInferenceSteps, false);
    this.sigmas = Float32Array.from([...sigmas, 0]);
    this.timesteps = timesteps;
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

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, generator?: TorchGenerator): Float32Array {
    assertSameLength(modelOutput, sample);
    if (generator === undefined) throw new Error('Euler a draws noise at every step: pass a TorchGenerator');
    const i = this.initStepIndex(timestep);
    const sigma = this.sigmas[i] ?? NaN;
    const sigmaFrom2 = fround(sigma * sigma);
    const sigmaTo = this.sigmas[i + 1] ?? NaN;
    const sigmaTo2 = fround(sigmaTo * sigmaTo);
    // sigma_up = (σ_to² · (σ_from² − σ_to²) / σ_from²) ** 0.5, sigma_down = (σ_to² − σ_up²) ** 0.5
    const sigmaUp = fround(Math.sqrt(fround(fround(sigmaTo2 * fround(sigmaFrom2 - sigmaTo2)) / sigmaFrom2)));
    const sigmaDown = fround(Math.sqrt(fround(sigmaTo2 - fround(sigmaUp * sigmaUp))));
    const dt = fround(sigmaDown - sigma);
    // randn_tensor(model_output.shape): only numel matters to the generator.
    const noise = generator.randn([sample.length]);

    const isEpsilon = this.config.predictionType === 'epsilon';
    const { cOut, s2p1 } = vPredictionScalars(sigma);
    const out = new Float32Array(sample.length);
    for (let k = 0; k < out.length; k++) {
      const x = sample[k] ?? 0;
      const m = modelOutput[k] ?? 0;
      const pred = isEpsilon ? fround(x - fround(sigma * m)) : fround(fround(m * cOut) + fround(x / s2p1));
      const derivative = fround(fround(x - pred) / sigma);
      out[k] = fround(x + fround(derivative * dt)) + fround((noise[k] ?? 0) * sigmaUp);
    }
    this.index.current = i + 1;
    return out;
  }

  private initStepIndex(timestep: number): number {
    return this.index.resolve(() => indexForTimestep(this.timesteps, fround(timestep)));
  }
}
