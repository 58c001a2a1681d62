/**
 * add_noise for the schedulers the golden set (tests/fixtures/img2img/add-noise.json, checked in
 * src/pipeline/get-timesteps.test.ts) does not cover — Euler a, Heun, LCM, DPM++ 2M Karras — as
 * derived checks of diffusers' formulas, and which index each picks (begin index before stepping,
 * the current step index after, a search without a begin index).
 */
import { describe, expect, it } from 'vitest';
import { SD15_CONFIG } from '../../tests/support/scheduler-harness.ts';
import { TorchGenerator } from '../math/torch-generator.ts';
import { parseSchedulerConfig } from './config.ts';
import { createScheduler, type SamplerId } from './index.ts';
import { trainingSchedule } from './sigma-ops.ts';

const config = parseSchedulerConfig(SD15_CONFIG);
const original = new TorchGenerator(7).randn([1, 4, 8, 8]);
const noise = new TorchGenerator(8).randn([1, 4, 8, 8]);
const f = Math.fround;

function sigmasOf(s: unknown): Float32Array {
  return (s as { sigmas: Float32Array }).sigmas;
}

describe('addNoise', () => {
  for (const id of ['euler-a', 'heun'] as SamplerId[]) {
    it(`${id}: original + noise·σ at the begin index`, () => {
      const s = createScheduler(id, config);
      s.setTimesteps(10);
      s.setBeginIndex(4);
      const sigma = sigmasOf(s)[4] as number;
      const out = s.addNoise(original, noise, s.timesteps[4] as number);
      for (let i = 0; i < out.length; i++) expect(out[i]).toBe(f((original[i] ?? 0) + f((noise[i] ?? 0) * sigma)));
    });
  }

  it('dpmpp-2m-karras: α_t·x₀ + σ_t·ε with α_t = 1/√(σ²+1)', () => {
    const s = createScheduler('dpmpp-2m-karras', config);
    s.setTimesteps(10);
    s.setBeginIndex(3);
    const sigma = sigmasOf(s)[3] as number;
    const alpha = f(1 / f(Math.sqrt(f(f(sigma * sigma) + 1))));
    const sigmaT = f(sigma * alpha);
    const out = s.addNoise(original, noise, s.timesteps[3] as number);
    for (let i = 0; i < out.length; i++) {
      expect(out[i]).toBe(f(f(alpha * (original[i] ?? 0)) + f(sigmaT * (noise[i] ?? 0))));
    }
  });

  it('lcm: DDPM add_noise at alphas_cumprod[t]', () => {
    const s = createScheduler('lcm', config);
    s.setTimesteps(4);
    const t = s.timesteps[1] as number;
    const a = trainingSchedule(config).alphasCumprod[t] as number;
    const out = s.addNoise(original, noise, t);
    const sa = f(Math.sqrt(a));
    const sb = f(Math.sqrt(f(1 - a)));
    for (let i = 0; i < out.length; i++) expect(out[i]).toBe(f(f(sa * (original[i] ?? 0)) + f(sb * (noise[i] ?? 0))));
  });

  it('Euler: searches without a begin index, uses the step index once stepping started', () => {
    const s = createScheduler('euler', config);
    s.setTimesteps(10);
    const sig = sigmasOf(s);
    const at = (i: number) => s.addNoise(original, noise, s.timesteps[i] as number)[0];
    const expected = (i: number) => f((original[0] ?? 0) + f((noise[0] ?? 0) * (sig[i] as number)));
    expect(at(6)).toBe(expected(6));
    s.setBeginIndex(2);
    expect(at(6)).toBe(expected(2)); // begin index wins, whatever timestep is passed
    s.step(new Float32Array(original.length), s.timesteps[2] as number, original);
    expect(at(6)).toBe(expected(3)); // inpainting's re-noise after a step: the next step's sigma
    s.setTimesteps(10);
    expect(at(6)).toBe(expected(6)); // set_timesteps clears both indices
  });
});
