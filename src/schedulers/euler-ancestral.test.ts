import { describe, expect, it } from 'vitest';
import sd15EulerA20 from '../../tests/fixtures/schedulers/euler-ancestral-sd15-20.json';
import { TorchGenerator } from '../math/torch-generator.ts';
import { parseSchedulerConfig } from './config.ts';
import { EulerAncestralDiscreteScheduler } from './euler-ancestral.ts';
import { createScheduler } from './index.ts';
import {
  type GoldenCase,
  RecordingGenerator,
  SD15_CONFIG,
  SDTURBO_CONFIG,
  checkGolden,
  fakeEps,
  runTrajectory,
  toleranceRatio,
} from '../../tests/support/scheduler-harness.ts';

const eulerA = (json: object) =>
  createScheduler('euler-a', parseSchedulerConfig(json)) as EulerAncestralDiscreteScheduler;

describe('Euler a: golden trajectory from diffusers (EulerAncestralDiscreteScheduler)', () => {
  it('SD 1.5 (leading), 20 steps, noise from seed 1234 — every draw bit-exact', () => {
    const s = eulerA(SD15_CONFIG);
    const run = runTrajectory(s, 20);
    expect(checkGolden(sd15EulerA20 as GoldenCase, run, s.sigmas)).toEqual([]);
  });
});

describe('Euler a (derived from the algorithm)', () => {
  it.each([
    // Same discretisation as EulerDiscreteScheduler (see euler.test.ts for how these follow).
    ['leading', 4, [751, 501, 251, 1]],
    ['trailing', 1, [999]],
    ['trailing', 4, [999, 749, 499, 249]],
    ['linspace', 4, [999, 666, 333, 0]],
  ] as [string, number, number[]][])(
    '%s, %i steps: timesteps, final σ 0, one draw per step',
    (spacing, n, timesteps) => {
      const s = eulerA({ ...SD15_CONFIG, timestep_spacing: spacing });
      const run = runTrajectory(s, n);
      expect(run.timesteps).toEqual(timesteps);
      expect(s.sigmas[n]).toBe(0);
      // diffusers draws at every step, the last (σ_up = 0) included.
      expect(run.draws).toHaveLength(n);
    },
  );

  it('the last step is the plain Euler step to σ = 0, whatever noise was drawn', () => {
    const a = eulerA(SDTURBO_CONFIG);
    const e = createScheduler('euler', parseSchedulerConfig(SDTURBO_CONFIG));
    a.setTimesteps(1);
    e.setTimesteps(1);
    const x = new TorchGenerator(0).randn([1, 4, 8, 8]);
    const t = a.timesteps[0] ?? NaN;
    const eps = fakeEps(a.scaleModelInput(x, t), t);
    expect(Array.from(a.step(eps, t, x, new TorchGenerator(99)))).toEqual(Array.from(e.step(eps, t, x)));
  });

  it('adds σ_up · noise, σ_up² = σ_to²(σ_from² − σ_to²)/σ_from²', () => {
    const run = (seed: number) => {
      const s = eulerA(SD15_CONFIG);
      s.setTimesteps(4);
      const x = new Float32Array(16).fill(1);
      const g = new RecordingGenerator(seed);
      const out = s.step(new Float32Array(16), s.timesteps[0] ?? NaN, x, g);
      return { out, noise: g.draws[0] ?? new Float32Array(0), sigmas: s.sigmas };
    };
    const a = run(1);
    const b = run(2);
    const [from, to] = [a.sigmas[0] ?? NaN, a.sigmas[1] ?? NaN];
    const up = Math.sqrt((to * to * (from * from - to * to)) / (from * from));
    const diff = Array.from(a.out, (v, i) => v - (b.out[i] ?? NaN));
    const want = Array.from(a.noise, (v, i) => (v - (b.noise[i] ?? NaN)) * up);
    expect(toleranceRatio(diff, want, 1e-5, 1e-5)).toBeLessThanOrEqual(1);
  });

  it('throws without a generator (diffusers would fall back to the global RNG)', () => {
    const s = eulerA(SD15_CONFIG);
    s.setTimesteps(4);
    expect(() => s.step(new Float32Array(4), 751, new Float32Array(4))).toThrow(/TorchGenerator/);
  });

  it('init_noise_sigma is √(σ_max² + 1) under leading, σ_max otherwise', () => {
    const lead = eulerA(SD15_CONFIG);
    lead.setTimesteps(20);
    expect(lead.initNoiseSigma).toBe((sd15EulerA20 as GoldenCase).initNoiseSigma);
    const trail = eulerA(SDTURBO_CONFIG);
    trail.setTimesteps(20);
    expect(trail.initNoiseSigma).toBe(trail.sigmas[0]);
  });
});
