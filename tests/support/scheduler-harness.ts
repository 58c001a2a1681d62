/**
 * Test-only helpers for the scheduler tests (imported by *.test.ts, never by the app): the
 * harness that produced the golden trajectories in tests/fixtures/schedulers/ — the fake model
 * `fake_eps`, latents from seed 0, noise from seed 1234 — and tolerance checks.
 */

import { fround } from '../../src/math/float32.ts';
import { TorchGenerator } from '../../src/math/torch-generator.ts';
import { prepareLatents } from '../../src/schedulers/prepare-latents.ts';
import type { Scheduler } from '../../src/schedulers/scheduler.ts';

/** The SD 1.5 `scheduler_config.json` as the Hub ships it (a PNDMScheduler config). */
export const SD15_CONFIG = {
  _class_name: 'PNDMScheduler',
  _diffusers_version: '0.6.0',
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  beta_start: 0.00085,
  clip_sample: false,
  num_train_timesteps: 1000,
  set_alpha_to_one: false,
  skip_prk_steps: true,
  steps_offset: 1,
  timestep_spacing: 'leading',
  trained_betas: null,
  prediction_type: 'epsilon',
} as const;

/** SD-Turbo: the same with "trailing" spacing. */
export const SDTURBO_CONFIG = { ...SD15_CONFIG, timestep_spacing: 'trailing' } as const;

/** `fake_eps(x_in, t) = fl32(fl32(x_in · fl32(0.1)) + fl32(0.01 · (t / 1000)))` */
export function fakeEps(xIn: Float32Array, t: number): Float32Array {
  const c = fround(0.01 * (t / 1000));
  const k = fround(0.1);
  return xIn.map((v) => fround(v * k) + c);
}

/** A generator that records every noise tensor it hands out. */
export class RecordingGenerator extends TorchGenerator {
  readonly draws: Float32Array[] = [];
  override randn(shape: readonly number[]): Float32Array {
    const r = super.randn(shape);
    this.draws.push(r.slice());
    return r;
  }
}

export interface Trajectory {
  timesteps: readonly number[];
  initNoiseSigma: number;
  initial: Float32Array;
  scaledFirst: Float32Array;
  modelOutputFirst: Float32Array;
  /** Latents after each step. */
  steps: Float32Array[];
  draws: Float32Array[];
}

export interface RunOptions {
  shape?: readonly number[];
  latentSeed?: number;
  noiseSeed?: number;
  model?: (xIn: Float32Array, t: number, index: number) => Float32Array;
  initial?: Float32Array;
}

/** The golden harness: set_timesteps, seeded latents, then scale → model → step per timestep. */
export function runTrajectory(scheduler: Scheduler, numInferenceSteps: number, options: RunOptions = {}): Trajectory {
  const shape = options.shape ?? [1, 4, 8, 8];
  const model = options.model ?? fakeEps;
  scheduler.setTimesteps(numInferenceSteps);
  const initial = options.initial ?? prepareLatents(options.latentSeed ?? 0, shape, scheduler.initNoiseSigma);
  const generator = new RecordingGenerator(options.noiseSeed ?? 1234);
  let x = initial;
  let scaledFirst: Float32Array = new Float32Array(0);
  let modelOutputFirst: Float32Array = new Float32Array(0);
  const steps: Float32Array[] = [];
  scheduler.timesteps.forEach((t, i) => {
    const xIn = scheduler.scaleModelInput(x, t);
    const eps = model(xIn, t, i);
    if (i === 0) {
      scaledFirst = xIn;
      modelOutputFirst = eps;
    }
    x = scheduler.step(eps, t, x, generator);
    steps.push(x);
  });
  return {
    timesteps: scheduler.timesteps,
    initNoiseSigma: scheduler.initNoiseSigma,
    initial,
    scaledFirst,
    modelOutputFirst,
    steps,
    draws: generator.draws,
  };
}

/**
 * Largest error of `actual` against `expected` in units of the tolerance
 * |a − e| ≤ rel·|e| + abs: ≤ 1 passes. (The abs term is for values near zero.)
 */
export function toleranceRatio(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rel: number,
  abs: number,
): number {
  if (actual.length !== expected.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i] ?? NaN;
    const r = Math.abs((actual[i] ?? NaN) - e) / (rel * Math.abs(e) + abs);
    if (!(r <= worst)) worst = r;
  }
  return worst;
}

export function sum(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i] ?? 0;
  return s;
}

export function sumAbs(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += Math.abs(values[i] ?? 0);
  return s;
}

/** A golden trajectory from diffusers (tests/fixtures/schedulers/*.json). */
export interface GoldenCase {
  numInferenceSteps: number;
  timesteps: number[];
  sigmas?: number[];
  initNoiseSigma: number;
  initialLatents: number[];
  scaleModelInputFirst?: number[];
  modelOutputFirstHead: number[];
  latentsAfterFirstStep: number[];
  finalLatents: number[];
  perStep: { xSum: number; xHead: number[] }[];
  noiseDraws?: Record<string, number[]>;
  noiseDrawHeads?: number[][];
  noiseDrawSums?: number[];
}

/** The issue's bars. */
export const SIGMA_REL = 1e-6;
export const LATENT_REL = 1e-5;
export const LATENT_ABS = 1e-6;

/**
 * Checks a trajectory against a golden case; returns what failed (empty when all pass):
 * timesteps exact, sigmas ≤ 1e-6 relative, latents ≤ 1e-5 relative, noise bit-exact.
 */
export function checkGolden(golden: GoldenCase, run: Trajectory, sigmas?: ArrayLike<number>): string[] {
  const failures: string[] = [];
  const f32 = (xs: readonly number[]) => Float32Array.from(xs);
  const close = (what: string, actual: ArrayLike<number>, expected: readonly number[], rel: number, abs: number) => {
    const r = toleranceRatio(actual, f32(expected), rel, abs);
    if (!(r <= 1)) failures.push(`${what}: ${r.toExponential(2)}× the tolerance`);
  };
  const exact = (what: string, actual: ArrayLike<number>, expected: readonly number[]) => {
    const e = f32(expected);
    const bad = Array.from(e).findIndex((v, i) => actual[i] !== v);
    if (actual.length !== e.length || bad >= 0)
      failures.push(`${what}: differs at index ${bad} (length ${actual.length})`);
  };

  if (JSON.stringify(run.timesteps) !== JSON.stringify(golden.timesteps)) {
    failures.push(`timesteps: ${JSON.stringify(run.timesteps)} ≠ ${JSON.stringify(golden.timesteps)}`);
  }
  if (golden.sigmas !== undefined) close('sigmas', sigmas ?? [], golden.sigmas, SIGMA_REL, 1e-12);
  close('init_noise_sigma', [run.initNoiseSigma], [golden.initNoiseSigma], SIGMA_REL, 0);
  exact('initial latents (noise × init_noise_sigma)', run.initial, golden.initialLatents);
  if (golden.scaleModelInputFirst !== undefined) {
    close('scale_model_input (first)', run.scaledFirst, golden.scaleModelInputFirst, LATENT_REL, LATENT_ABS);
  }
  close(
    'model output (first, head)',
    run.modelOutputFirst.subarray(0, 16),
    golden.modelOutputFirstHead,
    LATENT_REL,
    LATENT_ABS,
  );
  close('latents after the first step', run.steps[0] ?? [], golden.latentsAfterFirstStep, LATENT_REL, LATENT_ABS);
  close('final latents', run.steps[run.steps.length - 1] ?? [], golden.finalLatents, LATENT_REL, LATENT_ABS);
  if (run.steps.length !== golden.perStep.length)
    failures.push(`${run.steps.length} steps, want ${golden.perStep.length}`);
  golden.perStep.forEach(({ xSum, xHead }, i) => {
    const x = run.steps[i] ?? new Float32Array(0);
    close(`step ${i} head`, x.subarray(0, xHead.length), xHead, LATENT_REL, LATENT_ABS);
    const s = sum(x);
    if (!(Math.abs(s - xSum) <= LATENT_REL * sumAbs(x))) failures.push(`step ${i} sum ${s} ≠ ${xSum}`);
  });
  const draws = golden.noiseDrawSums?.length ?? 0;
  if (run.draws.length !== draws) failures.push(`${run.draws.length} noise draws, want ${draws}`);
  for (const [i, values] of Object.entries(golden.noiseDraws ?? {}))
    exact(`noise draw ${i}`, run.draws[Number(i)] ?? [], values);
  golden.noiseDrawHeads?.forEach((head, i) =>
    exact(`noise draw ${i} head`, (run.draws[i] ?? new Float32Array(0)).subarray(0, head.length), head),
  );
  golden.noiseDrawSums?.forEach((s, i) => {
    const d = run.draws[i] ?? new Float32Array(0);
    if (!(Math.abs(sum(d) - s) <= 1e-12 * sumAbs(d))) failures.push(`noise draw ${i} sum ${sum(d)} ≠ ${s}`);
  });
  return failures;
}
