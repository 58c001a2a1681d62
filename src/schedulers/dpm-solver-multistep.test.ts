import { describe, expect, it } from 'vitest';
import sd15Dpm20 from '../../tests/fixtures/schedulers/dpmpp-2m-sd15-20.json';
import { TorchGenerator } from '../math/torch-generator.ts';
import { parseSchedulerConfig } from './config.ts';
import type { DpmSolverMultistepScheduler } from './dpm-solver-multistep.ts';
import { type SamplerId, createScheduler } from './index.ts';
import {
  type GoldenCase,
  SD15_CONFIG,
  checkGolden,
  fakeEps,
  runTrajectory,
  toleranceRatio,
} from '../../tests/support/scheduler-harness.ts';

const dpm = (json: object = SD15_CONFIG, id: SamplerId = 'dpmpp-2m') =>
  createScheduler(id, parseSchedulerConfig(json)) as DpmSolverMultistepScheduler;

describe('DPM++ 2M: golden trajectory from diffusers (DPMSolverMultistepScheduler)', () => {
  it('SD 1.5 (leading), 20 steps', () => {
    const s = dpm();
    const run = runTrajectory(s, 20);
    expect(checkGolden(sd15Dpm20 as GoldenCase, run, s.sigmas)).toEqual([]);
  });
});

// Integer timesteps from diffusers' DPMSolverMultistepScheduler.set_timesteps for T = 1000:
//   leading:  (arange(N + 1) · (1000 // (N + 1)))[::-1][:-1] + steps_offset  (one extra, dropped)
//   trailing: arange(1000, 0, −1000/N).round() − 1
//   linspace: linspace(0, 999, N + 1).round()[::-1][:-1]  (round half to even: 249.75 → 250)
const SCHEDULES: [string, number, number[]][] = [
  ['leading', 1, [501]],
  ['leading', 4, [801, 601, 401, 201]],
  ['leading', 20, [941, 894, 847, 800, 753, 706, 659, 612, 565, 518, 471, 424, 377, 330, 283, 236, 189, 142, 95, 48]],
  ['trailing', 1, [999]],
  ['trailing', 4, [999, 749, 499, 249]],
  ['trailing', 20, [999, 949, 899, 849, 799, 749, 699, 649, 599, 549, 499, 449, 399, 349, 299, 249, 199, 149, 99, 49]],
  ['linspace', 1, [999]],
  ['linspace', 4, [999, 749, 500, 250]],
  ['linspace', 20, [999, 949, 899, 849, 799, 749, 699, 649, 599, 549, 500, 450, 400, 350, 300, 250, 200, 150, 100, 50]],
];

describe('DPM++ 2M schedules (derived from the algorithm)', () => {
  it.each(SCHEDULES)('%s, %i steps', (spacing, n, timesteps) => {
    const s = dpm({ ...SD15_CONFIG, timestep_spacing: spacing });
    s.setTimesteps(n);
    expect(s.timesteps).toEqual(timesteps);
    expect(s.sigmas).toHaveLength(n + 1);
    expect(s.sigmas[n]).toBe(0);
    expect(s.initNoiseSigma).toBe(1);
  });

  it.each([
    // Karras (ρ = 7) over the whole training range σ(0) = 0.0291675 … σ(999) = 14.614645; the
    // timesteps are _sigma_to_t of each sigma, rounded (the spacing only sets N).
    [1, [999], [14.614645, 0]],
    [4, [999, 687, 146, 0], [14.614645, 3.1686108, 0.44692087, 0.029167533, 0]],
    [
      20,
      [999, 962, 921, 876, 827, 772, 710, 640, 561, 474, 380, 285, 197, 123, 69, 35, 15, 6, 2, 0],
      [
        14.614645, 11.725371, 9.340211, 7.383626, 5.7894206, 4.4998436, 3.464755, 2.6408474, 1.9909215, 1.4832165,
        1.0907905, 0.79094946, 0.56472445, 0.39639223, 0.27303976, 0.1841693, 0.121342435, 0.07786081, 0.04848191,
        0.029167533, 0,
      ],
    ],
  ] as [number, number[], number[]][])('Karras, %i steps', (n, timesteps, sigmas) => {
    for (const spacing of ['leading', 'trailing', 'linspace']) {
      const s = dpm({ ...SD15_CONFIG, timestep_spacing: spacing }, 'dpmpp-2m-karras');
      s.setTimesteps(n);
      expect(s.timesteps).toEqual(timesteps);
      expect(toleranceRatio(s.sigmas, sigmas, 1e-6, 1e-12)).toBeLessThanOrEqual(1);
    }
  });

  it('the sampler id decides Karras, whatever the config says', () => {
    const plain = dpm({ ...SD15_CONFIG, use_karras_sigmas: true }, 'dpmpp-2m');
    plain.setTimesteps(20);
    expect(plain.timesteps).toEqual(SCHEDULES[2]?.[2]);
  });
});

describe('DPM++ 2M steps (closed forms)', () => {
  /** x̂₀ = (x − σ_t ε)/α_t with α = 1/√(σ² + 1), σ_t = σα (float32 as diffusers). */
  const dataPrediction = (x: Float32Array, eps: Float32Array, sigma: number) => {
    const f = Math.fround;
    const alpha = f(1 / f(Math.sqrt(f(f(sigma * sigma) + 1))));
    const sigmaT = f(sigma * alpha);
    return x.map((v, i) => f(f(v - f(sigmaT * (eps[i] ?? 0))) / alpha));
  };

  it.each([1, 4, 20])('the last of %i steps returns x̂₀ exactly (first order to σ = 0)', (n) => {
    const s = dpm();
    const run = runTrajectory(s, n);
    const last = run.steps.length - 1;
    const x = last === 0 ? run.initial : (run.steps[last - 1] ?? new Float32Array(0));
    const t = s.timesteps[last] ?? NaN;
    const want = dataPrediction(x, fakeEps(x, t), s.sigmas[last] ?? NaN);
    expect(Array.from(run.steps[last] ?? [])).toEqual(Array.from(want));
  });

  it('the first step is first order: (σ_t/σ_s)·x − α_t(e^(−h) − 1)·x̂₀', () => {
    const s = dpm();
    s.setTimesteps(20);
    const x = new TorchGenerator(0).randn([64]);
    const eps = fakeEps(x, s.timesteps[0] ?? NaN);
    const out = s.step(eps, s.timesteps[0] ?? NaN, x);
    const [sS, sT] = [s.sigmas[0] ?? NaN, s.sigmas[1] ?? NaN];
    const a = (sg: number) => 1 / Math.sqrt(sg * sg + 1);
    const lambda = (sg: number) => Math.log(a(sg)) - Math.log(sg * a(sg));
    const h = lambda(sT) - lambda(sS);
    const x0 = dataPrediction(x, eps, sS);
    const want = Array.from(
      x,
      (v, i) => ((sT * a(sT)) / (sS * a(sS))) * v - a(sT) * (Math.exp(-h) - 1) * (x0[i] ?? NaN),
    );
    expect(toleranceRatio(out, want, 1e-5, 1e-6)).toBeLessThanOrEqual(1);
  });

  it('v_prediction: x̂₀ = α·x − σ_t·v, so the final step returns that', () => {
    const s = dpm({ ...SD15_CONFIG, prediction_type: 'v_prediction' });
    s.setTimesteps(1);
    const x = Float32Array.from([1, -2, 3, 0.5]);
    const v = Float32Array.from([0.1, 0.2, -0.3, 0]);
    const sigma = s.sigmas[0] ?? NaN;
    const alpha = 1 / Math.sqrt(sigma * sigma + 1);
    const out = s.step(v, s.timesteps[0] ?? NaN, x);
    expect(
      toleranceRatio(
        out,
        Array.from(x, (xi, i) => alpha * xi - sigma * alpha * (v[i] ?? NaN)),
        1e-5,
        1e-6,
      ),
    ).toBeLessThanOrEqual(1);
  });

  it('needs setTimesteps before step, and leaves the input untouched by scaleModelInput', () => {
    const s = dpm();
    expect(() => s.step(new Float32Array(4), 999, new Float32Array(4))).toThrow(/setTimesteps/);
    const x = new Float32Array(4);
    expect(s.scaleModelInput(x)).toBe(x);
  });
});
