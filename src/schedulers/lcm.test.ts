import { describe, expect, it } from 'vitest';
import common from '../../tests/fixtures/schedulers/common.json';
import { parseSchedulerConfig } from './config.ts';
import { createScheduler } from './index.ts';
import type { LcmScheduler } from './lcm.ts';
import {
  RecordingGenerator,
  SD15_CONFIG,
  runTrajectory,
  toleranceRatio,
} from '../../tests/support/scheduler-harness.ts';

// No diffusers trajectory for LCM in the shared set: these checks follow from the algorithm.

/** An LCM-LoRA / LCM-distilled SD 1.5 scheduler_config.json. */
const LCM_CONFIG = {
  _class_name: 'LCMScheduler',
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  beta_start: 0.00085,
  clip_sample: false,
  clip_sample_range: 1.0,
  num_train_timesteps: 1000,
  original_inference_steps: 50,
  prediction_type: 'epsilon',
  rescale_betas_zero_snr: false,
  set_alpha_to_one: true,
  steps_offset: 1,
  thresholding: false,
  timestep_scaling: 10.0,
  timestep_spacing: 'leading',
  trained_betas: null,
};

const lcm = (json: object = LCM_CONFIG) => createScheduler('lcm', parseSchedulerConfig(json)) as LcmScheduler;
const alphaBar = (t: number) => Math.fround(common.alphasCumprod[t] ?? NaN);

describe('LCM schedule (derived from the algorithm)', () => {
  // lcm_origin_timesteps = [1…50]·(1000 // 50) − 1 = 19, 39, …, 999, reversed; the N timesteps
  // are those at floor(linspace(0, 50, N, endpoint=False)). The spacing key plays no part.
  it.each([
    [1, [999]],
    [4, [999, 759, 499, 259]],
    [20, [999, 959, 899, 859, 799, 759, 699, 659, 599, 559, 499, 459, 399, 359, 299, 259, 199, 159, 99, 59]],
  ] as [number, number[]][])('%i steps', (n, timesteps) => {
    for (const spacing of ['leading', 'trailing', 'linspace']) {
      const run = runTrajectory(lcm({ ...LCM_CONFIG, timestep_spacing: spacing }), n);
      expect(run.timesteps).toEqual(timesteps);
      // noise is drawn between steps only: none after the last one
      expect(run.draws).toHaveLength(n - 1);
    }
  });

  it('original_inference_steps = 100 uses k = 10: 999, 989, …, 9', () => {
    const s = lcm({ ...LCM_CONFIG, original_inference_steps: 100 });
    s.setTimesteps(4);
    expect(s.timesteps).toEqual([999, 749, 499, 249]);
  });

  it('rejects more steps than original_inference_steps, and original steps beyond T', () => {
    expect(() => lcm().setTimesteps(51)).toThrow(/original_inference_steps/);
    expect(() => lcm({ ...LCM_CONFIG, original_inference_steps: 2000 }).setTimesteps(4)).toThrow(
      /exceeds num_train_timesteps/,
    );
  });
});

describe('LCM steps (closed forms)', () => {
  const x0 = [0.5, -1, 0.25, 2];
  const eps = [1, -0.5, 0.3, -2];
  const noisy = (t: number) =>
    Float32Array.from(x0, (v, i) => Math.sqrt(alphaBar(t)) * v + Math.sqrt(1 - alphaBar(t)) * (eps[i] ?? NaN));
  /** Consistency-model boundary scalings with σ_data = 0.5 and timestep_scaling 10. */
  const scalings = (t: number) => {
    const s = 10 * t;
    return { cSkip: 0.25 / (s * s + 0.25), cOut: s / Math.sqrt(s * s + 0.25) };
  };

  it('a middle step: denoised = c_out·x̂₀ + c_skip·x, then re-noised to the next timestep', () => {
    const s = lcm();
    s.setTimesteps(4);
    const g = new RecordingGenerator(42);
    s.step(Float32Array.from(eps), 999, noisy(999), g); // step 0
    const x = noisy(759);
    const out = s.step(Float32Array.from(eps), 759, x, g); // step 1 → 499
    const noise = g.draws[1] ?? new Float32Array(0);
    const { cSkip, cOut } = scalings(759);
    const want = x0.map((v, i) => {
      const denoised = cOut * v + cSkip * (x[i] ?? NaN);
      return Math.sqrt(alphaBar(499)) * denoised + Math.sqrt(1 - alphaBar(499)) * (noise[i] ?? NaN);
    });
    expect(toleranceRatio(out, want, 1e-5, 1e-6)).toBeLessThanOrEqual(1);
  });

  it('the last step returns denoised without drawing', () => {
    const s = lcm();
    s.setTimesteps(1);
    const g = new RecordingGenerator(42);
    const x = noisy(999);
    const out = s.step(Float32Array.from(eps), 999, x, g);
    const { cSkip, cOut } = scalings(999);
    expect(
      toleranceRatio(
        out,
        x0.map((v, i) => cOut * v + cSkip * (x[i] ?? NaN)),
        1e-5,
        1e-6,
      ),
    ).toBeLessThanOrEqual(1);
    expect(g.draws).toHaveLength(0);
  });

  it('throws without a generator where it must draw, not on the last step', () => {
    const s = lcm();
    s.setTimesteps(2);
    expect(() => s.step(Float32Array.from(eps), 999, noisy(999))).toThrow(/TorchGenerator/);
    const one = lcm();
    one.setTimesteps(1);
    expect(one.step(Float32Array.from(eps), 999, noisy(999))).toHaveLength(4);
  });

  it('uses the LCM class defaults for keys a PNDM config lacks (original_inference_steps 50)', () => {
    const s = lcm(SD15_CONFIG);
    s.setTimesteps(4);
    expect(s.timesteps).toEqual([999, 759, 499, 259]);
    expect(s.initNoiseSigma).toBe(1);
  });
});
