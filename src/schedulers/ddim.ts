/**
 * DDIM: a port of diffusers' `DDIMScheduler` (scheduling_ddim.py, diffusers 58eb52c0) —
 * `set_timesteps` (integer timesteps, spacings "leading" / "trailing" / "linspace") and `step`
 * with the pipeline default eta = 0 (deterministic; no noise is drawn). As in diffusers the
 * previous timestep is `t − T // N` whatever the spacing, and below zero it uses
 * `final_alpha_cumprod` (1, or ᾱ₀ when set_alpha_to_one is false). Scalars are float32 as in
 * diffusers' 0-dim tensors. DDIM has no step index (it works from the timestep itself), so
 * `set_begin_index` is a no-op, and `add_noise` is DDPM's, at `alphas_cumprod[t]`. Golden values: tests/fixtures/schedulers/ddim-sd15-20.json.
 */

import { addNoiseAtAlphaCumprod } from './add-noise.ts';
import type { SchedulerConfig } from './config.ts';
import { assertSameLength, assertSteps, npArange, npLinspace, roundHalfEven } from './noise-schedule.ts';
import type { Scheduler } from './scheduler.ts';
import { finalAlphaCumprod, trainingSchedule } from './sigma-ops.ts';

const fround = Math.fround;

export class DdimScheduler implements Scheduler {
  readonly order = 1;
  readonly initNoiseSigma = 1.0;
  timesteps: readonly number[];
  private readonly config: SchedulerConfig;
  private readonly alphasCumprod: Float32Array;
  private readonly finalAlphaCumprod: number;
  private numInferenceSteps: number | null = null;

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
    const n = numInferenceSteps;
    if (n > c.numTrainTimesteps) {
      throw new Error(`DDIM: ${n} steps exceed num_train_timesteps (${c.numTrainTimesteps})`);
    }
    switch (c.timestepSpacing) {
      case 'linspace':
        this.timesteps = npLinspace(0, c.numTrainTimesteps - 1, n)
          .map(roundHalfEven)
          .reverse();
        break;
      case 'leading': {
        const ratio = Math.floor(c.numTrainTimesteps / n);
        this.timesteps = Array.from({ length: n }, (_, i) => (n - 1 - i) * ratio + c.stepsOffset);
        break;
      }
      case 'trailing':
        this.timesteps = npArange(c.numTrainTimesteps, 0, -c.numTrainTimesteps / n).map((t) => roundHalfEven(t) - 1);
        break;
      default: {
        const never: never = c.timestepSpacing;
        throw new Error(`unknown timestep spacing ${String(never)}`);
      }
    }
    this.numInferenceSteps = n;
  }

  setBeginIndex(): void {
    // DDIMScheduler has no set_begin_index; the pipeline's hasattr check skips it.
  }

  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    return addNoiseAtAlphaCumprod(original, noise, this.alphaAt(timestep));
  }

  scaleModelInput(sample: Float32Array): Float32Array {
    return sample;
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array): Float32Array {
    assertSameLength(modelOutput, sample);
    if (this.numInferenceSteps === null) throw new Error('DDIM: call setTimesteps before step');
    const c = this.config;
    const prevTimestep = timestep - Math.floor(c.numTrainTimesteps / this.numInferenceSteps);
    const alphaProdT = this.alphaAt(timestep);
    const alphaProdPrev = prevTimestep >= 0 ? this.alphaAt(prevTimestep) : this.finalAlphaCumprod;
    const betaProdT = fround(1 - alphaProdT);
    const sqrtAlpha = fround(Math.sqrt(alphaProdT));
    const sqrtBeta = fround(Math.sqrt(betaProdT));
    // eta = 0: std_dev_t = 0, so the direction coefficient is (1 − ᾱ_prev − 0) ** 0.5.
    const dirCoef = fround(Math.sqrt(fround(1 - alphaProdPrev)));
    const sqrtAlphaPrev = fround(Math.sqrt(alphaProdPrev));
    const clip = c.clipSample ? fround(c.clipSampleRange) : Infinity;
    const isEpsilon = c.predictionType === 'epsilon';

    const out = new Float32Array(sample.length);
    for (let k = 0; k < out.length; k++) {
      const x = sample[k] ?? 0;
      const m = modelOutput[k] ?? 0;
      let x0: number;
      let eps: number;
      if (isEpsilon) {
        x0 = fround(fround(x - fround(sqrtBeta * m)) / sqrtAlpha);
        eps = m;
      } else {
        x0 = fround(fround(sqrtAlpha * x) - fround(sqrtBeta * m));
        eps = fround(fround(sqrtAlpha * m) + fround(sqrtBeta * x));
      }
      // Clipping changes x̂₀ only; pred_epsilon keeps the model's (use_clipped_model_output=False).
      x0 = Math.min(Math.max(x0, -clip), clip);
      out[k] = fround(sqrtAlphaPrev * x0) + fround(dirCoef * eps);
    }
    return out;
  }

  /** `alphas_cumprod[t]`, with Python's negative indexing (diffusers can produce t = −1). */
  private alphaAt(t: number): number {
    const n = this.alphasCumprod.length;
    const v = this.alphasCumprod[t < 0 ? t + n : t];
    if (v === undefined || !Number.isInteger(t)) throw new Error(`DDIM: timestep ${t} is outside the schedule`);
    return v;
  }
}
