/**
 * Public API of the schedulers: sampler ids with their A1111 labels, config parsing, and a
 * factory mapping each sampler to its diffusers class port (one file per scheduler beside this).
 */

import { type SchedulerClassName, type SchedulerConfig, resolveConfigFor } from './config.ts';
import { DdimScheduler } from './ddim.ts';
import { DpmSolverMultistepScheduler } from './dpm-solver-multistep.ts';
import { EulerDiscreteScheduler } from './euler.ts';
import { EulerAncestralDiscreteScheduler } from './euler-ancestral.ts';
import { HeunDiscreteScheduler } from './heun.ts';
import { LcmScheduler } from './lcm.ts';
import type { Scheduler } from './scheduler.ts';

export type { SchedulerConfig } from './config.ts';
export { parseSchedulerConfig } from './config.ts';
export type { Scheduler } from './scheduler.ts';
export { prepareLatents, scaleByInitNoiseSigma } from './prepare-latents.ts';
export { TorchGenerator } from '../math/torch-generator.ts';

export type SamplerId = 'euler' | 'euler-a' | 'heun' | 'dpmpp-2m' | 'dpmpp-2m-karras' | 'ddim' | 'lcm';

export const SAMPLERS: readonly { id: SamplerId; label: string }[] = Object.freeze([
  { id: 'euler', label: 'Euler' },
  { id: 'euler-a', label: 'Euler a' },
  { id: 'heun', label: 'Heun' },
  { id: 'dpmpp-2m', label: 'DPM++ 2M' },
  { id: 'dpmpp-2m-karras', label: 'DPM++ 2M Karras' },
  { id: 'ddim', label: 'DDIM' },
  { id: 'lcm', label: 'LCM' },
] as const);

const CLASS_OF: Readonly<Record<SamplerId, SchedulerClassName>> = {
  euler: 'EulerDiscreteScheduler',
  'euler-a': 'EulerAncestralDiscreteScheduler',
  heun: 'HeunDiscreteScheduler',
  'dpmpp-2m': 'DPMSolverMultistepScheduler',
  'dpmpp-2m-karras': 'DPMSolverMultistepScheduler',
  ddim: 'DDIMScheduler',
  lcm: 'LCMScheduler',
};

export function isSamplerId(x: unknown): x is SamplerId {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(CLASS_OF, x);
}

/** The sampler matching the model's own scheduler class; 'euler' for classes not ported here. */
export function defaultSamplerFor(config: SchedulerConfig): SamplerId {
  switch (config.className) {
    case 'EulerDiscreteScheduler':
      return 'euler';
    case 'EulerAncestralDiscreteScheduler':
      return 'euler-a';
    case 'HeunDiscreteScheduler':
      return 'heun';
    case 'DPMSolverMultistepScheduler':
      return config.useKarrasSigmas ? 'dpmpp-2m-karras' : 'dpmpp-2m';
    case 'DDIMScheduler':
      return 'ddim';
    case 'LCMScheduler':
      return 'lcm';
    default:
      return 'euler';
  }
}

/**
 * A scheduler for `id` configured like diffusers' `Class.from_config(config)`: the JSON's explicit
 * keys, that class's defaults for the rest. The DPM++ ids fix use_karras_sigmas, as the names say.
 */
export function createScheduler(id: SamplerId, config: SchedulerConfig): Scheduler {
  const resolved = resolveConfigFor(config, CLASS_OF[id]);
  switch (id) {
    case 'euler':
      return new EulerDiscreteScheduler(resolved);
    case 'euler-a':
      return new EulerAncestralDiscreteScheduler(resolved);
    case 'heun':
      return new HeunDiscreteScheduler(resolved);
    case 'dpmpp-2m':
      return new DpmSolverMultistepScheduler({ ...resolved, useKarrasSigmas: false });
    case 'dpmpp-2m-karras':
      return new DpmSolverMultistepScheduler({ ...resolved, useKarrasSigmas: true });
    case 'ddim':
      return new DdimScheduler(resolved);
    case 'lcm':
      return new LcmScheduler(resolved);
    default: {
      const never: never = id;
      throw new Error(`unknown sampler ${String(never)}`);
    }
  }
}
