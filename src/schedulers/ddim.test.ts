import { describe, expect, it } from 'vitest';
import common from '../../tests/fixtures/schedulers/common.json';
import sd15Ddim20 from '../../tests/fixtures/schedulers/ddim-sd15-20.json';
import { parseSchedulerConfig } from './config.ts';
import type { DdimScheduler } from './ddim.ts';
import { createScheduler } from './index.ts';
import {
  type GoldenCase,
  SD15_CONFIG,
  checkGolden,
  runTrajectory,
  toleranceRatio,
} from '../../tests/support/scheduler-harness.ts';

const ddim = (json: object = SD15_CONFIG) => createScheduler('ddim', parseSchedulerConfig(json)) as DdimScheduler;
/** ᾱ of the SD 1.5 schedule (diffusers' float32 alphas_cumprod). */
const alphaBar = (t: number) => Math.fround(common.alphasCumprod[t] ?? NaN);

describe('DDIM: golden trajectory from diffusers (DDIMScheduler, eta = 0)', () => {
  it('SD 1.5 (leading, set_alpha_to_one false), 20 steps', () => {
    const run = runTrajectory(ddim(), 20);
    expect(checkGolden(sd15Ddim20 as GoldenCase, run)).toEqual([]);
  });
});

// Integer timesteps from DDIMScheduler.set_timesteps for T = 1000, steps_offset 1:
//   leading:  arange(N) · (1000 // N), reversed, + 1
//   trailing: round(arange(1000, 0, −1000/N)) − 1
//   linspace: linspace(0, 999, N).round()[::-1] (half to even)
const SCHEDULES: [string, number, number[]][] = [
  ['leading', 1, [1]],
  ['leading', 4, [751, 501, 251, 1]],
  ['leading', 20, [951, 901, 851, 801, 751, 701, 651, 601, 551, 501, 451, 401, 351, 301, 251, 201, 151, 101, 51, 1]],
  ['trailing', 1, [999]],
  ['trailing', 4, [999, 749, 499, 249]],
  ['trailing', 20, [999, 949, 899, 849, 799, 749, 699, 649, 599, 549, 499, 449, 399, 349, 299, 249, 199, 149, 99, 49]],
  ['linspace', 1, [0]],
  ['linspace', 4, [999, 666, 333, 0]],
  ['linspace', 20, [999, 946, 894, 841, 789, 736, 684, 631, 578, 526, 473, 421, 368, 315, 263, 210, 158, 105, 53, 0]],
];

describe('DDIM schedules (derived from the algorithm)', () => {
  it.each(SCHEDULES)('%s, %i steps', (spacing, n, timesteps) => {
    const s = ddim({ ...SD15_CONFIG, timestep_spacing: spacing });
    const run = runTrajectory(s, n);
    expect(run.timesteps).toEqual(timesteps);
    expect(run.steps).toHaveLength(n);
    expect(run.draws).toHaveLength(0);
    expect(s.initNoiseSigma).toBe(1);
  });

  it('rejects more steps than training timesteps', () => {
    expect(() => ddim().setTimesteps(1001)).toThrow(/exceed/);
  });
});

describe('DDIM steps with eta = 0 (identities)', () => {
  /** x_t = √ᾱ_t·x0 + √(1 − ᾱ_t)·ε for a known x0 and ε. */
  const noisy = (x0: number[], eps: number[], t: number) =>
    Float32Array.from(x0, (v, i) => Math.sqrt(alphaBar(t)) * v + Math.sqrt(1 - alphaBar(t)) * (eps[i] ?? NaN));
  const x0 = [0.5, -1, 0.25, 2];
  const eps = [1, -0.5, 0.3, -2];

  it.each([
    // (spacing, N, t, the ᾱ the step lands on). prev_t = t − 1000 // N for every spacing — so
    // with linspace N = 4 the step from 999 lands on ᾱ_749, not on the next timestep 666.
    ['leading', 20, 951, 901],
    ['trailing', 4, 999, 749],
    ['linspace', 4, 999, 749],
  ] as [string, number, number, number][])('%s, N = %i: x_%i → √ᾱ_prev·x0 + √(1 − ᾱ_prev)·ε', (spacing, n, t, prev) => {
    const s = ddim({ ...SD15_CONFIG, timestep_spacing: spacing });
    s.setTimesteps(n);
    const out = s.step(Float32Array.from(eps), t, noisy(x0, eps, t));
    expect(toleranceRatio(out, Array.from(noisy(x0, eps, prev)), 1e-5, 1e-6)).toBeLessThanOrEqual(1);
  });

  it.each([
    [false, alphaBar(0)],
    [true, 1],
  ])('the last step uses final_alpha_cumprod (set_alpha_to_one %s)', (setAlphaToOne, finalAlpha) => {
    const s = ddim({ ...SD15_CONFIG, set_alpha_to_one: setAlphaToOne });
    s.setTimesteps(4);
    const out = s.step(Float32Array.from(eps), 1, noisy(x0, eps, 1));
    const want = x0.map((v, i) => Math.sqrt(finalAlpha) * v + Math.sqrt(1 - finalAlpha) * (eps[i] ?? NaN));
    expect(toleranceRatio(out, want, 1e-5, 1e-6)).toBeLessThanOrEqual(1);
  });

  it('clip_sample clamps x̂₀ but keeps the model’s ε for the direction term', () => {
    const s = ddim({ ...SD15_CONFIG, clip_sample: true });
    s.setTimesteps(20);
    const big = [3, -4, 0.5, 1.5];
    const out = s.step(Float32Array.from(eps), 951, noisy(big, eps, 951));
    const clipped = big.map((v) => Math.min(Math.max(v, -1), 1));
    expect(toleranceRatio(out, Array.from(noisy(clipped, eps, 901)), 1e-5, 1e-6)).toBeLessThanOrEqual(1);
  });

  it('v_prediction: v = √ᾱ·ε − √(1 − ᾱ)·x0 gives the same identity', () => {
    const s = ddim({ ...SD15_CONFIG, prediction_type: 'v_prediction' });
    s.setTimesteps(20);
    const t = 501;
    const v = x0.map((x, i) => Math.sqrt(alphaBar(t)) * (eps[i] ?? NaN) - Math.sqrt(1 - alphaBar(t)) * x);
    const out = s.step(Float32Array.from(v), t, noisy(x0, eps, t));
    expect(toleranceRatio(out, Array.from(noisy(x0, eps, 451)), 1e-5, 1e-5)).toBeLessThanOrEqual(1);
  });

  it('needs setTimesteps before step', () => {
    expect(() => ddim().step(new Float32Array(1), 1, new Float32Array(1))).toThrow(/setTimesteps/);
  });
});
