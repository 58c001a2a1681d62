import { describe, expect, it } from 'vitest';
import sd15Euler20 from '../../tests/fixtures/schedulers/euler-sd15-20.json';
import turboEuler1 from '../../tests/fixtures/schedulers/euler-sdturbo-1.json';
import turboEuler20 from '../../tests/fixtures/schedulers/euler-sdturbo-20.json';
import { parseSchedulerConfig } from './config.ts';
import { EulerDiscreteScheduler } from './euler.ts';
import { createScheduler } from './index.ts';
import {
  type GoldenCase,
  SD15_CONFIG,
  SDTURBO_CONFIG,
  checkGolden,
  runTrajectory,
  toleranceRatio,
} from '../../tests/support/scheduler-harness.ts';

const euler = (json: object) => createScheduler('euler', parseSchedulerConfig(json)) as EulerDiscreteScheduler;

describe('Euler: golden trajectories from diffusers (EulerDiscreteScheduler)', () => {
  it.each([
    ['SD 1.5 (leading), 20 steps', SD15_CONFIG, sd15Euler20],
    ['SD-Turbo (trailing), 1 step', SDTURBO_CONFIG, turboEuler1],
    ['SD-Turbo (trailing), 20 steps', SDTURBO_CONFIG, turboEuler20],
  ] as [string, object, GoldenCase][])('%s', (_, config, golden) => {
    const s = euler(config);
    const run = runTrajectory(s, golden.numInferenceSteps);
    expect(checkGolden(golden, run, s.sigmas)).toEqual([]);
  });
});

// Expected schedules for the SD 1.5 config (T = 1000, steps_offset 1) with each spacing,
// evaluated from diffusers' set_timesteps formulas:
//   leading:  (arange(N) · (1000 // N)).round()[::-1] + 1
//   trailing: arange(1000, 0, −1000/N).round() − 1
//   linspace: linspace(0, 999, N, dtype=float32)[::-1] (fractional, float32)
// Sigmas are np.interp of the training sigmas √((1 − ᾱ)/ᾱ) at those timesteps, then 0.
const SCHEDULES: [string, number, number[], number[] | null][] = [
  ['leading', 1, [1], [0.04131448, 0]],
  ['leading', 4, [751, 501, 251, 1], [4.116698, 1.6236929, 0.6983986, 0.04131448, 0]],
  [
    'leading',
    20,
    [951, 901, 851, 801, 751, 701, 651, 601, 551, 501, 451, 401, 351, 301, 251, 201, 151, 101, 51, 1],
    null,
  ],
  ['trailing', 1, [999], [14.614645, 0]],
  ['trailing', 4, [999, 749, 499, 249], [14.614645, 4.081731, 1.612887, 0.6932054, 0]],
  [
    'trailing',
    20,
    [999, 949, 899, 849, 799, 749, 699, 649, 599, 549, 499, 449, 399, 349, 299, 249, 199, 149, 99, 49],
    null,
  ],
  // linspace with N = 1 is [0]: np.linspace(0, 999, 1) is [start]. A diffusers quirk, reproduced.
  ['linspace', 1, [0], [0.029167533, 0]],
  ['linspace', 4, [999, 666, 333, 0], [14.614645, 2.9183083, 0.9323583, 0.029167533, 0]],
  [
    'linspace',
    20,
    [
      999, 946.4211, 893.8421, 841.2632, 788.6842, 736.1053, 683.5263, 630.9474, 578.3684, 525.7895, 473.21054,
      420.6316, 368.05264, 315.4737, 262.89474, 210.3158, 157.73685, 105.1579, 52.57895, 0,
    ],
    null,
  ],
];

describe('Euler schedules (derived from the algorithm)', () => {
  it.each(SCHEDULES)('%s, %i steps', (spacing, n, timesteps, sigmas) => {
    const s = euler({ ...SD15_CONFIG, timestep_spacing: spacing });
    s.setTimesteps(n);
    expect(s.timesteps).toEqual(timesteps.map(Math.fround));
    expect(s.sigmas).toHaveLength(n + 1);
    expect(s.sigmas[n]).toBe(0);
    if (sigmas !== null) expect(toleranceRatio(s.sigmas, sigmas, 1e-6, 1e-12)).toBeLessThanOrEqual(1);
    for (let i = 1; i < n; i++) {
      expect(s.timesteps[i]).toBeLessThan(s.timesteps[i - 1] ?? NaN);
      expect(s.sigmas[i]).toBeLessThan(s.sigmas[i - 1] ?? NaN);
    }
    // init_noise_sigma: σ_max for linspace/trailing, √(σ_max² + 1) of the schedule's σ_max for leading.
    const max = s.sigmas[0] ?? NaN;
    expect(s.initNoiseSigma).toBe(spacing === 'leading' ? Math.fround(Math.sqrt(Math.fround(max * max) + 1)) : max);
  });

  it('Karras sigmas run from the schedule’s σ_max to σ_min with ρ = 7', () => {
    // diffusers' _convert_to_karras between the interpolated schedule's first and last sigma,
    // timesteps mapped back with _sigma_to_t (log-linear in the training sigmas; fractional).
    const s = euler({ ...SD15_CONFIG, use_karras_sigmas: true });
    s.setTimesteps(4);
    expect(toleranceRatio(s.sigmas, [4.116698, 1.2087777, 0.2733872, 0.04131448, 0], 1e-6, 1e-12)).toBeLessThanOrEqual(
      1,
    );
    expect(toleranceRatio(s.timesteps, [751, 411.41537, 69.40315, 1.0000001], 1e-6, 1e-12)).toBeLessThanOrEqual(1);
    const rho = 7;
    const [hi, lo] = [s.sigmas[0] ?? NaN, s.sigmas[3] ?? NaN];
    for (let i = 0; i < 4; i++) {
      const want = (hi ** (1 / rho) + (i / 3) * (lo ** (1 / rho) - hi ** (1 / rho))) ** rho;
      expect(Math.abs((s.sigmas[i] ?? NaN) - want)).toBeLessThanOrEqual(1e-6 * want);
    }
  });

  it('final_sigmas_type "sigma_min" ends at the smallest training sigma', () => {
    const s = euler({ ...SD15_CONFIG, final_sigmas_type: 'sigma_min' });
    s.setTimesteps(4);
    expect(s.sigmas[4]).toBe(Math.fround(0.029167533));
  });

  it('v_prediction with v = 0 takes the closed-form step x·(1 + σ(σ_next − σ)/(σ² + 1))', () => {
    const s = euler({ ...SD15_CONFIG, prediction_type: 'v_prediction' });
    s.setTimesteps(4);
    const x = Float32Array.from([1, -2, 0.5, 3]);
    const t = s.timesteps[0] ?? NaN;
    const [sigma, next] = [s.sigmas[0] ?? NaN, s.sigmas[1] ?? NaN];
    const out = s.step(new Float32Array(4), t, x);
    const want = Array.from(x, (v) => v * (1 + (sigma * (next - sigma)) / (sigma * sigma + 1)));
    expect(toleranceRatio(out, want, 1e-5, 1e-7)).toBeLessThanOrEqual(1);
  });

  it('scales the model input by 1/√(σ² + 1) and returns a new array', () => {
    const s = euler(SD15_CONFIG);
    s.setTimesteps(20);
    const x = Float32Array.from([1, 2]);
    const t = s.timesteps[0] ?? NaN;
    const y = s.scaleModelInput(x, t);
    expect(y).not.toBe(x);
    const sigma = s.sigmas[0] ?? NaN;
    expect(y[1]).toBe(Math.fround(2 / Math.fround(Math.sqrt(Math.fround(Math.fround(sigma * sigma) + 1)))));
  });

  it('rejects timesteps outside the schedule and mismatched sizes', () => {
    const s = euler(SD15_CONFIG);
    s.setTimesteps(4);
    expect(() => s.scaleModelInput(new Float32Array(4), 500)).toThrow(/not in the schedule/);
    expect(() => s.step(new Float32Array(3), 751, new Float32Array(4))).toThrow(/values/);
    expect(() => s.setTimesteps(0)).toThrow(/positive integer/);
  });

  it('EulerDiscreteScheduler can also be built directly from a resolved config', () => {
    const s = new EulerDiscreteScheduler(
      parseSchedulerConfig({ ...SD15_CONFIG, _class_name: 'EulerDiscreteScheduler' }),
    );
    s.setTimesteps(20);
    expect(s.timesteps).toEqual((sd15Euler20 as GoldenCase).timesteps);
  });
});
