import { describe, expect, it } from 'vitest';
import { parseSchedulerConfig } from './config.ts';
import type { HeunDiscreteScheduler } from './heun.ts';
import { createScheduler } from './index.ts';
import { SD15_CONFIG, runTrajectory, toleranceRatio } from '../../tests/support/scheduler-harness.ts';

// No diffusers trajectory for Heun in the shared set: these checks follow from the algorithm.

const heun = (json: object = SD15_CONFIG) =>
  createScheduler('heun', parseSchedulerConfig(json)) as HeunDiscreteScheduler;

/** [t0, t1, t1, …, t(n−1), t(n−1)]: every timestep after the first is visited twice. */
const interleave = (ts: number[]) => ts.flatMap((t, i) => (i === 0 ? [t] : [t, t]));

describe('Heun schedule: 2n − 1 interleaved timesteps, 2n sigmas', () => {
  it.each([
    // The base schedules are EulerDiscreteScheduler's (see euler.test.ts for the formulas).
    ['leading', 1, [1]],
    ['leading', 4, [751, 501, 251, 1]],
    ['leading', 20, [951, 901, 851, 801, 751, 701, 651, 601, 551, 501, 451, 401, 351, 301, 251, 201, 151, 101, 51, 1]],
    ['trailing', 1, [999]],
    ['trailing', 4, [999, 749, 499, 249]],
    [
      'trailing',
      20,
      [999, 949, 899, 849, 799, 749, 699, 649, 599, 549, 499, 449, 399, 349, 299, 249, 199, 149, 99, 49],
    ],
    ['linspace', 1, [0]],
    ['linspace', 4, [999, 666, 333, 0]],
  ] as [string, number, number[]][])('%s, %i steps', (spacing, n, base) => {
    const s = heun({ ...SD15_CONFIG, timestep_spacing: spacing });
    s.setTimesteps(n);
    expect(s.timesteps).toEqual(interleave(base));
    expect(s.timesteps).toHaveLength(2 * n - 1);
    expect(s.sigmas).toHaveLength(2 * n);
    expect(s.sigmas[2 * n - 1]).toBe(0);
    for (let i = 1; i < n; i++) expect(s.sigmas[2 * i]).toBe(s.sigmas[2 * i - 1]);
    expect(s.order).toBe(2);
  });

  it('Karras sigmas are interleaved too', () => {
    const s = heun({ ...SD15_CONFIG, use_karras_sigmas: true });
    s.setTimesteps(4);
    // Same Karras sigmas as EulerDiscreteScheduler (euler.test.ts), each inner one twice.
    const want = [4.116698, 1.2087777, 1.2087777, 0.2733872, 0.2733872, 0.04131448, 0.04131448, 0];
    expect(toleranceRatio(s.sigmas, want, 1e-6, 1e-12)).toBeLessThanOrEqual(1);
  });
});

describe('Heun steps (closed forms)', () => {
  it.each([1, 4, 20])('constant ε = c lands on x0 − c·σ_max after %i steps, through x0 + c(σ_k − σ_0)', (n) => {
    // With ε constant, x̂₀ = x − σc and both derivatives equal c, so each Heun step is exact:
    // x(σ) = x0 + c(σ − σ0).
    const s = heun();
    const c = 0.25;
    const x0 = Float32Array.from({ length: 64 }, (_, i) => (i - 32) / 8);
    const run = runTrajectory(s, n, {
      shape: [1, 4, 4, 4],
      initial: x0,
      model: (x) => new Float32Array(x.length).fill(c),
    });
    expect(run.steps).toHaveLength(2 * n - 1);
    const sigma0 = s.sigmas[0] ?? NaN;
    for (let k = 1; k < n; k++) {
      const sigmaK = s.sigmas[2 * k] ?? NaN;
      const want = Array.from(x0, (v) => v + c * (sigmaK - sigma0));
      expect(toleranceRatio(run.steps[2 * k - 1] ?? [], want, 1e-5, 1e-5)).toBeLessThanOrEqual(1);
    }
    const final = Array.from(x0, (v) => v - c * sigma0);
    expect(toleranceRatio(run.steps[2 * n - 2] ?? [], final, 1e-5, 1e-5)).toBeLessThanOrEqual(1);
  });

  it('averages the two derivatives (trapezoidal rule) when ε depends on t', () => {
    // ε(t) = t/1000 everywhere: the pair from σ_i to σ_(i+1) gives
    // x + (σ_(i+1) − σ_i)·(ε(t_i) + ε(t_(i+1)))/2.
    const s = heun();
    const x0 = new Float32Array(16).fill(2);
    const run = runTrajectory(s, 4, {
      shape: [16],
      initial: x0,
      model: (x, t) => new Float32Array(x.length).fill(t / 1000),
    });
    const base = [751, 501, 251, 1];
    const sig = [s.sigmas[0], s.sigmas[1], s.sigmas[3], s.sigmas[5], 0].map((v) => v ?? NaN);
    let x = 2;
    for (let i = 0; i < 3; i++) {
      const eI = Math.fround((base[i] ?? NaN) / 1000);
      const eNext = Math.fround((base[i + 1] ?? NaN) / 1000);
      // first half: Euler with ε(t_i); second half: average with ε(t_(i+1))
      expect(run.steps[2 * i]?.[0] ?? NaN).toBeCloseTo(x + ((sig[i + 1] ?? NaN) - (sig[i] ?? NaN)) * eI, 5);
      x += ((sig[i + 1] ?? NaN) - (sig[i] ?? NaN)) * ((eI + eNext) / 2);
      expect(run.steps[2 * i + 1]?.[0] ?? NaN).toBeCloseTo(x, 5);
    }
    // the final step is first order: Euler from σ_3 to 0 with ε(t_3)
    x += (0 - (sig[3] ?? NaN)) * Math.fround(1 / 1000);
    expect(run.steps[6]?.[0] ?? NaN).toBeCloseTo(x, 5);
  });

  it('clip_sample clamps x̂₀ to ±clip_sample_range', () => {
    const s = heun({ ...SD15_CONFIG, clip_sample: true, clip_sample_range: 1 });
    s.setTimesteps(4);
    const [sigma, next] = [s.sigmas[0] ?? NaN, s.sigmas[1] ?? NaN];
    // ε = 0: x̂₀ = x = 10, clamped to 1, so the derivative is (10 − 1)/σ.
    const out = s.step(new Float32Array(1), 751, Float32Array.from([10]));
    expect(out[0]).toBeCloseTo(10 + ((10 - 1) / sigma) * (next - sigma), 4);
  });

  it('setTimesteps resets a half-finished Heun step', () => {
    const s = heun();
    s.setTimesteps(4);
    s.step(new Float32Array(4), 751, new Float32Array(4).fill(1));
    s.setTimesteps(4);
    const again = s.step(new Float32Array(4), 751, new Float32Array(4).fill(1));
    expect(Array.from(again)).toEqual([1, 1, 1, 1]);
  });
});
