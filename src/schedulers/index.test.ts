import { describe, expect, it } from 'vitest';
import ddimGolden from '../../tests/fixtures/schedulers/ddim-sd15-20.json';
import eulerGolden from '../../tests/fixtures/schedulers/euler-sd15-20.json';
import { TorchGenerator } from '../math/torch-generator.ts';
import {
  SAMPLERS,
  type SamplerId,
  createScheduler,
  defaultSamplerFor,
  isSamplerId,
  parseSchedulerConfig,
  prepareLatents,
} from './index.ts';
import { SD15_CONFIG, runTrajectory } from '../../tests/support/scheduler-harness.ts';

describe('SAMPLERS', () => {
  it('lists the samplers with their A1111 labels', () => {
    expect(SAMPLERS).toEqual([
      { id: 'euler', label: 'Euler' },
      { id: 'euler-a', label: 'Euler a' },
      { id: 'heun', label: 'Heun' },
      { id: 'dpmpp-2m', label: 'DPM++ 2M' },
      { id: 'dpmpp-2m-karras', label: 'DPM++ 2M Karras' },
      { id: 'ddim', label: 'DDIM' },
      { id: 'lcm', label: 'LCM' },
    ]);
  });

  it.each([
    ['euler', true],
    ['dpmpp-2m-karras', true],
    ['Euler', false],
    ['plms', false],
    [3, false],
    [null, false],
    ['toString', false],
  ])('isSamplerId(%s) = %s', (x, want) => {
    expect(isSamplerId(x)).toBe(want);
  });
});

describe('defaultSamplerFor', () => {
  it.each([
    [{ _class_name: 'EulerDiscreteScheduler' }, 'euler'],
    [{ _class_name: 'EulerDiscreteScheduler', use_karras_sigmas: true }, 'euler'],
    [{ _class_name: 'EulerAncestralDiscreteScheduler' }, 'euler-a'],
    [{ _class_name: 'HeunDiscreteScheduler' }, 'heun'],
    [{ _class_name: 'DPMSolverMultistepScheduler' }, 'dpmpp-2m'],
    [{ _class_name: 'DPMSolverMultistepScheduler', use_karras_sigmas: true }, 'dpmpp-2m-karras'],
    [{ _class_name: 'DDIMScheduler' }, 'ddim'],
    [{ _class_name: 'LCMScheduler' }, 'lcm'],
    [{ _class_name: 'PNDMScheduler' }, 'euler'],
    [{}, 'euler'],
  ] as [object, SamplerId][])('%j → %s', (json, want) => {
    expect(defaultSamplerFor(parseSchedulerConfig(json))).toBe(want);
  });
});

describe('prepareLatents', () => {
  it('is randn(seed) · init_noise_sigma in float32, as diffusers’ prepare_latents', () => {
    expect(Array.from(prepareLatents(0, [1, 4, 8, 8], eulerGolden.initNoiseSigma))).toEqual(
      Array.from(Float32Array.from(eulerGolden.initialLatents)),
    );
    expect(Array.from(prepareLatents(0n, [1, 4, 8, 8], 1))).toEqual(
      Array.from(Float32Array.from(ddimGolden.initialLatents)),
    );
    expect(Array.from(prepareLatents(5, [1, 4, 8, 8], 1))).toEqual(
      Array.from(new TorchGenerator(5).randn([1, 4, 8, 8])),
    );
  });
});

const ALL: SamplerId[] = SAMPLERS.map((s) => s.id);

describe('every sampler × spacing × step count (properties)', () => {
  const cases = ALL.flatMap((id) =>
    (['leading', 'trailing', 'linspace'] as const).flatMap((spacing) =>
      [1, 4, 20].map((n) => [id, spacing, n] as const),
    ),
  );

  it.each(cases)('%s, %s, %i steps', (id, spacing, n) => {
    const s = createScheduler(id, parseSchedulerConfig({ ...SD15_CONFIG, timestep_spacing: spacing }));
    const run = runTrajectory(s, n);
    const calls = id === 'heun' ? 2 * n - 1 : n;
    expect(s.order).toBe(id === 'heun' ? 2 : 1);
    expect(run.timesteps).toHaveLength(calls);
    expect(run.steps).toHaveLength(calls);
    // timesteps never increase (Heun repeats each but the first)
    for (let i = 1; i < run.timesteps.length; i++)
      expect(run.timesteps[i]).toBeLessThanOrEqual(run.timesteps[i - 1] ?? NaN);
    const draws = id === 'euler-a' ? n : id === 'lcm' ? n - 1 : 0;
    expect(run.draws).toHaveLength(draws);
    const final = run.steps[run.steps.length - 1] ?? new Float32Array(0);
    expect(final).toHaveLength(256);
    expect(final.every(Number.isFinite)).toBe(true);
    // With the fake model every sampler lands within a few units of the origin.
    expect(Math.max(...Array.from(final, Math.abs))).toBeLessThan(50);
    const sigmas = (s as { sigmas?: Float32Array }).sigmas;
    if (sigmas !== undefined) expect(sigmas[sigmas.length - 1]).toBe(0);
  });
});

describe('createScheduler', () => {
  it('gives each sampler a fresh, independent state', () => {
    const config = parseSchedulerConfig(SD15_CONFIG);
    const a = runTrajectory(createScheduler('dpmpp-2m', config), 20);
    const b = runTrajectory(createScheduler('dpmpp-2m', config), 20);
    expect(Array.from(b.steps[19] ?? [])).toEqual(Array.from(a.steps[19] ?? []));
  });

  it('setTimesteps restarts a scheduler that has already run', () => {
    const s = createScheduler('euler-a', parseSchedulerConfig(SD15_CONFIG));
    const first = runTrajectory(s, 4);
    const again = runTrajectory(s, 4);
    expect(Array.from(again.steps[3] ?? [])).toEqual(Array.from(first.steps[3] ?? []));
  });
});
