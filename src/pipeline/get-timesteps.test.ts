import { describe, expect, it } from 'vitest';
import golden from '../../tests/fixtures/img2img/add-noise.json';
import { createScheduler, parseSchedulerConfig, type SamplerId } from '../schedulers/index.ts';
import { getTimesteps } from './get-timesteps.ts';

const SAMPLER: Record<string, SamplerId> = { euler: 'euler', dpmpp_2m: 'dpmpp-2m', ddim: 'ddim' };
const configs = golden.configs as Record<string, Record<string, unknown>>;

function schedulerFor(c: (typeof golden.cases)[number]) {
  const s = createScheduler(SAMPLER[c.scheduler] as SamplerId, parseSchedulerConfig(configs[c.config]));
  s.setTimesteps(c.num_inference_steps);
  return s;
}

describe('getTimesteps (diffusers StableDiffusionImg2ImgPipeline)', () => {
  for (const c of golden.cases) {
    it(`${c.id}: timesteps after strength, begin index`, () => {
      const s = schedulerFor(c);
      expect([...s.timesteps]).toEqual(c.full_timesteps);
      const cut = getTimesteps(s, c.num_inference_steps, c.strength);
      expect(cut.timesteps).toEqual(c.timesteps);
      expect(cut.beginIndex).toBe(c.begin_index);
      expect(cut.denoisingSteps).toBe(c.num_denoising_steps);
    });

    it(`${c.id}: add_noise at timesteps[:1] matches diffusers`, () => {
      const s = schedulerFor(c);
      const cut = getTimesteps(s, c.num_inference_steps, c.strength);
      const original = Float32Array.from(golden.original.values);
      const noise = Float32Array.from(golden.noise.values);
      const noisy = s.addNoise(original, noise, cut.timesteps[0] as number);
      const a = c.add_noise as unknown as Record<string, number>;
      // |got − ref| ≤ 1e-5 · max(|ref|, |A·original| + |B·noise|, 1e-3), A/B the two coefficients.
      const [ca, cb] =
        c.add_noise.kind === 'sigma'
          ? [1, a['sigma'] as number]
          : c.add_noise.kind === 'dpm_alpha_sigma'
            ? [a['alpha_t'] as number, a['sigma_t'] as number]
            : [a['sqrt_alpha_prod'] as number, a['sqrt_one_minus_alpha_prod'] as number];
      let worst = 0;
      for (let i = 0; i < noisy.length; i++) {
        const ref = c.noisy_latents[i] as number;
        const scale = Math.max(Math.abs(ref), Math.abs(ca * (original[i] ?? 0)) + Math.abs(cb * (noise[i] ?? 0)), 1e-3);
        worst = Math.max(worst, Math.abs((noisy[i] ?? 0) - ref) / scale);
      }
      expect(worst).toBeLessThanOrEqual(1e-5);
    });
  }

  it('Heun slices the interleaved schedule at t_start · order', () => {
    const s = createScheduler('heun', parseSchedulerConfig(configs['sd15']));
    s.setTimesteps(10);
    const cut = getTimesteps(s, 10, 0.5);
    expect(cut.beginIndex).toBe(10);
    expect(cut.timesteps).toEqual(s.timesteps.slice(10));
    // The loop then starts on a first-order half: sigma at the begin index.
    expect(cut.timesteps.length).toBe(9);
  });

  it('strength 0 runs no step; strength outside [0, 1] is refused', () => {
    const s = createScheduler('euler', parseSchedulerConfig(configs['sd15']));
    s.setTimesteps(20);
    expect(getTimesteps(s, 20, 0).timesteps).toEqual([]);
    expect(() => getTimesteps(s, 20, 1.5)).toThrow(/between 0 and 1/);
  });
});
