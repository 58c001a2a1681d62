/**
 * LCM: a port of diffusers' `LCMScheduler` (scheduling_lcm.py, diffusers 58eb52c0) —
 * `set_timesteps` (N timesteps picked from the `original_inference_steps` skipping schedule
 * k·i − 1, k = T // original_steps), `get_scalings_for_boundary_condition_discrete` and `step`:
 * x̂₀ from the model, the consistency boundary denoised = c_out·x̂₀ + c_skip·x, then fresh noise
 * at the next timestep's level (`randn_tensor` with the generator) on every step but the last.
 * `set_begin_index` and DDPM's `add_noise` (img2img through StableDiffusionImg2ImgPipeline, which
 * slices the strength-1 schedule; LCM's own `strength` argument is the LCM img2img pipeline's).
 * Scalars are float32 as in diffusers' 0-dim tensors. Golden values: derived checks in
 * lcm.test.ts (no diffusers trajectory in the shared set).
 */

import type { TorchGenerator } from '../math/torch-generator.ts';
import { addNoiseAtAlphaCumprod } from './add-noise.ts';
import type { SchedulerConfig } from './config.ts';
import { assertSameLength, assertSteps, indexForTimestep, npLinspace } from './noise-schedule.ts';
import type { Scheduler } from './scheduler.ts';
import { finalAlphaCumprod, trainingSchedule } from './sigma-ops.ts';
import { StepIndex } from './step-index.ts';

const fround = Math.fround;

/** `sigma_data` of the consistency-model boundary condition. */
const SIGMA_DATA = 0.5;

export class LcmScheduler implements Scheduler {
  readonly order = 1;
  readonly initNoiseSigma = 1.0;
  timesteps: readonly number[];
  private readonly config: SchedulerConfig;
  private readonly alphasCumprod: Float32Array;
  private readonly finalAlphaCumprod: number;
  private numInferenceSteps: number | null = null;
  private readonly index = new StepIndex();

  constructor(config: SchedulerConfig) {
    this.config = config;
    this.alphasCumprod = trainingSchedule(config).alphasCumprod;
    this.finalAlphaCumprod = finalAlphaCumprod(config, this.alphasCumprod);
    const n = config.numTrainTimesteps;
    this.timesteps = Array.from({ length: n }, (_, i) => n - 1 - i);
  }

  setTimesteps(numInferenceSteps: number): void {
    assertSteps(numInferenceSteps);
    const c = this.config;
    const originalSteps = c.originalInferenceSteps;
    const k = Math.floor(c.numTrainTimesteps / originalSteps);
    // lcm_origin_timesteps = [1 … original_steps]·k − 1, reversed (strength = 1).
    const origin = Array.from({ length: originalSteps }, (_, i) => (originalSteps - i) * k - 1);
    if (originalSteps > c.numTrainTimesteps) {
      throw new Error(
        `LCM: original_inference_steps (${originalSteps}) exceeds num_train_timesteps (${c.numTrainTimesteps})`,
      );
    }
    if (numInferenceSteps > c.numTrainTimesteps) {
      throw new Error(`LCM: ${numInferenceSteps} steps exceed num_train_timesteps (${c.numTrainTimesteps})`);
    }
    if (numInferenceSteps > originalSteps) {
      throw new Error(
        `LCM: ${numInferenceSteps} steps exceed original_inference_steps (${originalSteps}); ` +
          'use fewer steps or a larger original_inference_steps',
      );
    }
    // `np.floor(np.linspace(0, len(origin), num=N, endpoint=False))`
    this.timesteps = npLinspace(0, origin.length, numInferenceSteps, false).map((x) => origin[Math.floor(x)] ?? NaN);
    this.numInferenceSteps = numInferenceSteps;
    this.index.reset();
  }

  setBeginIndex(index: number): void {
    this.index.setBegin(index);
  }

  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    return addNoiseAtAlphaCumprod(original, noise, this.alphaAt(timestep));
  }

  scaleModelInput(sample: Float32Array): Float32Array {
    return sample;
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, generator?: TorchGenerator): Float32Array {
    assertSameLength(modelOutput, sample);
    if (this.numInferenceSteps === null) throw new Error('LCM: call setTimesteps before step');
    const i = this.index.resolve(() => indexForTimestep(this.timesteps, timestep));
    const isLast = i === this.numInferenceSteps - 1;
    if (!isLast && generator === undefined) throw new Error('LCM draws noise between steps: pass a TorchGenerator');
    const c = this.config;
    const prevTimestep = this.timesteps[i + 1] ?? timestep;

    const alphaProdT = this.alphaAt(timestep);
    const alphaProdPrev = prevTimestep >= 0 ? this.alphaAt(prevTimestep) : this.finalAlphaCumprod;
    const betaProdT = fround(1 - alphaProdT);
    const betaProdPrev = fround(1 - alphaProdPrev);

    // get_scalings_for_boundary_condition_discrete, float32: the int64 timestep tensor times the
    // Python-float scaling promotes to float32.
    const scaled = fround(timestep * fround(c.timestepScaling));
    const denom = fround(fround(scaled * scaled) + SIGMA_DATA ** 2);
    const cSkip = fround(SIGMA_DATA ** 2 / denom);
    const cOut = fround(scaled / fround(Math.sqrt(denom)));

    const sqrtAlpha = fround(Math.sqrt(alphaProdT));
    const sqrtBeta = fround(Math.sqrt(betaProdT));
    const sqrtAlphaPrev = fround(Math.sqrt(alphaProdPrev));
    const sqrtBetaPrev = fround(Math.sqrt(betaProdPrev));
    const clip = c.clipSample ? fround(c.clipSampleRange) : Infinity;
    const isEpsilon = c.predictionType === 'epsilon';
    // randn_tensor(model_output.shape) on every step but the last: only numel matters.
    const noise = isLast || generator === undefined ? null : generator.randn([sample.length]);
    this.index.current = i + 1;

    const out = new Float32Array(sample.length);
    for (let k = 0; k < out.length; k++) {
      const x = sample[k] ?? 0;
      const m = modelOutput[k] ?? 0;
      let x0 = isEpsilon
        ? fround(fround(x - fround(sqrtBeta * m)) / sqrtAlpha)
        : fround(fround(sqrtAlpha * x) - fround(sqrtBeta * m));
      x0 = Math.min(Math.max(x0, -clip), clip);
      const denoised = fround(fround(cOut * x0) + fround(cSkip * x));
      out[k] = noise === null ? denoised : fround(sqrtAlphaPrev * denoised) + fround(sqrtBetaPrev * (noise[k] ?? 0));
    }
    return out;
  }

  private alphaAt(t: number): number {
    const v = this.alphasCumprod[t];
    if (v === undefined || !Number.isInteger(t)) throw new Error(`LCM: timestep ${t} is outside the schedule`);
    return v;
  }
}
