import { describe, expect, it } from 'vitest';
import common from '../../tests/fixtures/schedulers/common.json';
import { parseSchedulerConfig } from './config.ts';
import {
  computeAlphasCumprod,
  computeBetas,
  discreteTimesteps,
  indexForTimestep,
  interpOnIndexGrid,
  karrasSigmas,
  logSigmas,
  npArange,
  npLinspace,
  roundHalfEven,
  sigmaToT,
  torchLinspaceF32,
  trainingSigmas,
} from './noise-schedule.ts';
import { SD15_CONFIG } from '../../tests/support/scheduler-harness.ts';

const f = Math.fround;

describe('betas and alphas_cumprod: golden values from diffusers (SD 1.5 config)', () => {
  const betas = computeBetas(parseSchedulerConfig(SD15_CONFIG));
  const alphasCumprod = computeAlphasCumprod(betas);

  it('scaled_linear betas are bit-exact (torch.linspace float32 kernel, squared)', () => {
    expect(Array.from(betas)).toEqual(Array.from(Float32Array.from(common.betas)));
  });

  it('alphas_cumprod are bit-exact (float64 running product, cast to float32)', () => {
    expect(Array.from(alphasCumprod)).toEqual(Array.from(Float32Array.from(common.alphasCumprod)));
    // A float32 running product drifts in the last bits: torch does not do that.
    let acc = 1;
    const float32Product = Array.from(betas, (b) => (acc = f(acc * f(1 - b))));
    expect(float32Product).not.toEqual(Array.from(alphasCumprod));
  });
});

describe('torch.linspace (float32 CPU kernel)', () => {
  it.each([1, 2, 7, 16, 17, 100, 1000, 1008])('%i steps: endpoints exact, monotonic, within 1 ulp of a+i·step', (n) => {
    const [a, b] = [0.0001, 0.02];
    const v = torchLinspaceF32(a, b, n);
    expect(v).toHaveLength(n);
    expect(v[0]).toBe(f(a));
    if (n > 1) expect(v[n - 1]).toBe(f(b));
    for (let i = 1; i < n; i++) {
      expect(v[i]).toBeGreaterThan(v[i - 1] ?? NaN);
      const ideal = f(a) + (i * (f(b) - f(a))) / (n - 1);
      expect(Math.abs((v[i] ?? NaN) - ideal)).toBeLessThanOrEqual(2 ** -23 * Math.abs(ideal) * 2);
    }
  });

  it('the linear schedule uses it directly', () => {
    const betas = computeBetas(parseSchedulerConfig({ beta_schedule: 'linear', beta_start: 0.0001, beta_end: 0.02 }));
    expect(Array.from(betas)).toEqual(Array.from(torchLinspaceF32(0.0001, 0.02, 1000)));
  });

  it('trained_betas are taken as float32', () => {
    const trained = Array.from({ length: 1000 }, (_, i) => 0.0001 + i * 1e-5);
    const betas = computeBetas(parseSchedulerConfig({ trained_betas: trained }));
    expect(Array.from(betas)).toEqual(trained.map(f));
  });

  it('squaredcos_cap_v2 follows betas_for_alpha_bar (cosine), capped at 0.999', () => {
    const betas = computeBetas(parseSchedulerConfig({ beta_schedule: 'squaredcos_cap_v2' }));
    const alphaBar = (t: number) => Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    expect(betas[0]).toBeCloseTo(1 - alphaBar(0.001) / alphaBar(0), 7);
    expect(betas[999]).toBe(f(0.999));
  });
});

describe('numpy semantics used by set_timesteps', () => {
  it.each([
    [0.5, 0],
    [1.5, 2],
    [2.5, 2],
    [-1.5, -2],
    [937.5, 938],
    [812.5, 812],
    [2.4999, 2],
    [-2.6, -3],
  ])('np.round(%d) = %d (half to even)', (x, want) => {
    expect(roundHalfEven(x)).toBe(want);
  });

  it('np.linspace: endpoint forced to stop; num = 1 gives [start]; endpoint=False', () => {
    expect(npLinspace(0, 999, 4)).toEqual([0, 333, 666, 999]);
    expect(npLinspace(0, 999, 1)).toEqual([0]);
    expect(npLinspace(0, 50, 4, false)).toEqual([0, 12.5, 25, 37.5]);
    expect(npLinspace(0, 1, 3)).toEqual([0, 0.5, 1]);
  });

  it('np.arange(1000, 0, −1000/N): numpy’s length rule gives 62 values for N = 61', () => {
    // numpy fills start + i·((start + step) − start): the third value is …35, not 1000 − 2·1000/3.
    expect(npArange(1000, 0, -1000 / 3)).toEqual([1000, 666.6666666666667, 333.3333333333335]);
    expect(npArange(1000, 0, -1000 / 20)).toHaveLength(20);
    const quirky = npArange(1000, 0, -1000 / 61);
    expect(quirky).toHaveLength(62);
    expect(quirky[61]).toBeCloseTo(-5.684341886080801e-13, 20); // numpy's value too, below the stop
    // …so diffusers' "trailing" spacing yields 62 timesteps for 61 steps, the last one −1.
    const ts = discreteTimesteps('trailing', 1000, 61, 0);
    expect(ts).toHaveLength(62);
    expect(ts[61]).toBe(-1);
  });

  it('np.interp on the index grid: exact at grid points, linear between, clamped outside', () => {
    const fp = [1, 3, 7];
    expect(interpOnIndexGrid(1, fp)).toBe(3);
    expect(interpOnIndexGrid(1.25, fp)).toBe(4);
    expect(interpOnIndexGrid(-1, fp)).toBe(1);
    expect(interpOnIndexGrid(5, fp)).toBe(7);
    expect(interpOnIndexGrid(2, fp)).toBe(7);
  });
});

describe('Karras sigmas and _sigma_to_t', () => {
  const sigmas = trainingSigmas(Float32Array.from(common.alphasCumprod));
  const logs = logSigmas(sigmas);

  it('σ_i = (σ_max^(1/ρ) + i/(n−1)·(σ_min^(1/ρ) − σ_max^(1/ρ)))^ρ, ρ = 7', () => {
    const k = karrasSigmas(0.03, 14.6, 5);
    expect(k[0]).toBeCloseTo(14.6, 12);
    expect(k[4]).toBeCloseTo(0.03, 12);
    const mid = (14.6 ** (1 / 7) + 0.5 * (0.03 ** (1 / 7) - 14.6 ** (1 / 7))) ** 7;
    expect(k[2]).toBeCloseTo(mid, 12);
    expect(karrasSigmas(0.03, 14.6, 1)).toHaveLength(1);
    expect(karrasSigmas(0.03, 14.6, 1)[0]).toBeCloseTo(14.6, 12);
  });

  it.each([0, 1, 250, 500, 998, 999])('inverts the training sigmas at t = %i', (t) => {
    expect(sigmaToT(sigmas[t] ?? NaN, logs)).toBeCloseTo(t, 4);
  });

  it('interpolates in log σ between training steps and clamps outside', () => {
    const between = Math.sqrt((sigmas[100] ?? NaN) * (sigmas[101] ?? NaN));
    expect(sigmaToT(between, logs)).toBeCloseTo(100.5, 2);
    expect(sigmaToT(1e-6, logs)).toBe(0);
    expect(sigmaToT(1e6, logs)).toBe(999);
  });
});

describe('indexForTimestep', () => {
  it('returns the first match, or the second when the timestep repeats', () => {
    expect(indexForTimestep([9, 5, 5, 1], 9)).toBe(0);
    expect(indexForTimestep([9, 5, 5, 1], 5)).toBe(2);
    expect(() => indexForTimestep([9, 5], 3)).toThrow(/not in the schedule/);
  });
});
