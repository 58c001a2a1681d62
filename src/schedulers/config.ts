/**
 * Scheduler configuration: parses a Hub `scheduler_config.json` (snake_case, converted to
 * camelCase here and nowhere else) and resolves omitted keys with the defaults of the diffusers
 * class being constructed, as `SchedulerClass.from_config(config)` does: keys the JSON states
 * win; keys it omits take the constructing class's `__init__` defaults (diffusers 58eb52c0).
 */

export type BetaSchedule = 'linear' | 'scaled_linear' | 'squaredcos_cap_v2';
export type TimestepSpacing = 'leading' | 'trailing' | 'linspace';
export type PredictionType = 'epsilon' | 'v_prediction';
export type FinalSigmasType = 'zero' | 'sigma_min';

/** The diffusers classes this module ports, by `_class_name`. */
export type SchedulerClassName =
  | 'EulerDiscreteScheduler'
  | 'EulerAncestralDiscreteScheduler'
  | 'HeunDiscreteScheduler'
  | 'DPMSolverMultistepScheduler'
  | 'DDIMScheduler'
  | 'LCMScheduler';

/**
 * A parsed scheduler config. Fields the JSON omits hold the defaults of `className` when that is
 * one of the ported classes (generic diffusers defaults otherwise); `createScheduler` re-resolves
 * them for the class it builds, so only `explicitKeys` carry over between classes.
 */
export interface SchedulerConfig {
  /** `_class_name` as written in the JSON ('' when absent); may name a class not ported here. */
  className: string;
  numTrainTimesteps: number;
  betaStart: number;
  betaEnd: number;
  betaSchedule: BetaSchedule;
  trainedBetas: readonly number[] | null;
  stepsOffset: number;
  timestepSpacing: TimestepSpacing;
  predictionType: PredictionType;
  setAlphaToOne: boolean;
  clipSample: boolean;
  clipSampleRange: number;
  useKarrasSigmas: boolean;
  finalSigmasType: FinalSigmasType;
  lowerOrderFinal: boolean;
  originalInferenceSteps: number;
  timestepScaling: number;
  /** The keys the JSON stated explicitly; the others are defaults and may differ per class. */
  explicitKeys: readonly SchedulerConfigKey[];
}

export type SchedulerConfigKey = Exclude<keyof SchedulerConfig, 'className' | 'explicitKeys'>;
type ConfigValues = Omit<SchedulerConfig, 'className' | 'explicitKeys'>;

/** snake_case JSON key → camelCase field. */
const JSON_KEYS: Readonly<Record<SchedulerConfigKey, string>> = {
  numTrainTimesteps: 'num_train_timesteps',
  betaStart: 'beta_start',
  betaEnd: 'beta_end',
  betaSchedule: 'beta_schedule',
  trainedBetas: 'trained_betas',
  stepsOffset: 'steps_offset',
  timestepSpacing: 'timestep_spacing',
  predictionType: 'prediction_type',
  setAlphaToOne: 'set_alpha_to_one',
  clipSample: 'clip_sample',
  clipSampleRange: 'clip_sample_range',
  useKarrasSigmas: 'use_karras_sigmas',
  finalSigmasType: 'final_sigmas_type',
  lowerOrderFinal: 'lower_order_final',
  originalInferenceSteps: 'original_inference_steps',
  timestepScaling: 'timestep_scaling',
};

/**
 * Defaults shared by most diffusers schedulers' `__init__`; keys a class does not accept keep
 * these values and are ignored by that class's port.
 */
const BASE_DEFAULTS: ConfigValues = {
  numTrainTimesteps: 1000,
  betaStart: 0.0001,
  betaEnd: 0.02,
  betaSchedule: 'linear',
  trainedBetas: null,
  stepsOffset: 0,
  timestepSpacing: 'linspace',
  predictionType: 'epsilon',
  setAlphaToOne: true,
  clipSample: false,
  clipSampleRange: 1.0,
  useKarrasSigmas: false,
  finalSigmasType: 'zero',
  lowerOrderFinal: true,
  originalInferenceSteps: 50,
  timestepScaling: 10.0,
};

/** Per-class `__init__` defaults where they differ from BASE_DEFAULTS. */
const CLASS_DEFAULTS: Readonly<Record<SchedulerClassName, Partial<ConfigValues>>> = {
  EulerDiscreteScheduler: { timestepSpacing: 'linspace' },
  EulerAncestralDiscreteScheduler: { timestepSpacing: 'linspace' },
  HeunDiscreteScheduler: { betaStart: 0.00085, betaEnd: 0.012, timestepSpacing: 'linspace' },
  DPMSolverMultistepScheduler: { timestepSpacing: 'linspace', lowerOrderFinal: true },
  DDIMScheduler: { clipSample: true, setAlphaToOne: true, timestepSpacing: 'leading' },
  LCMScheduler: {
    betaStart: 0.00085,
    betaEnd: 0.012,
    betaSchedule: 'scaled_linear',
    setAlphaToOne: true,
    timestepSpacing: 'leading',
  },
};

export function isSchedulerClassName(x: string): x is SchedulerClassName {
  return Object.prototype.hasOwnProperty.call(CLASS_DEFAULTS, x);
}

/**
 * Keys whose non-default values change diffusers' arithmetic in ways not ported here. Rather than
 * silently produce different images, parsing rejects them.
 */
const UNSUPPORTED: readonly { key: string; allowed: readonly unknown[] }[] = [
  { key: 'rescale_betas_zero_snr', allowed: [false, null] },
  { key: 'thresholding', allowed: [false, null] },
  { key: 'use_exponential_sigmas', allowed: [false, null] },
  { key: 'use_beta_sigmas', allowed: [false, null] },
  { key: 'use_lu_lambdas', allowed: [false, null] },
  { key: 'use_flow_sigmas', allowed: [false, null] },
  { key: 'use_dynamic_shifting', allowed: [false, null] },
  { key: 'interpolation_type', allowed: ['linear', null] },
  { key: 'timestep_type', allowed: ['discrete', null] },
  { key: 'sigma_min', allowed: [null] },
  { key: 'sigma_max', allowed: [null] },
  { key: 'euler_at_final', allowed: [false, null] },
  { key: 'variance_type', allowed: [null] },
  { key: 'lambda_min_clipped', allowed: ['-Infinity', -Infinity, null] },
];

export function parseSchedulerConfig(json: unknown): SchedulerConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new Error('scheduler config: expected a JSON object');
  }
  const raw = json as Record<string, unknown>;
  const classNameRaw = raw['_class_name'];
  if (classNameRaw !== undefined && typeof classNameRaw !== 'string') {
    throw new Error(`scheduler config: _class_name must be a string, got ${describe(classNameRaw)}`);
  }
  const className = classNameRaw ?? '';

  for (const { key, allowed } of UNSUPPORTED) {
    const v = raw[key];
    if (v !== undefined && !allowed.includes(v)) {
      throw new Error(`scheduler config: ${key} = ${describe(v)} is not supported`);
    }
  }

  const explicit: Partial<ConfigValues> = {};
  const explicitKeys: SchedulerConfigKey[] = [];
  const set = <K extends SchedulerConfigKey>(
    key: K,
    parse: (v: unknown, name: string) => ConfigValues[K] | undefined,
  ) => {
    const name = JSON_KEYS[key];
    const v = raw[name];
    if (v === undefined) return;
    const parsed = parse(v, name);
    // A JSON null means "the class default" for these optional keys, as diffusers reads it.
    if (parsed === undefined) return;
    explicit[key] = parsed;
    explicitKeys.push(key);
  };
  set('numTrainTimesteps', (v, n) => positiveInteger(v, n));
  set('betaStart', (v, n) => positiveNumber(v, n));
  set('betaEnd', (v, n) => positiveNumber(v, n));
  set('betaSchedule', (v, n) => oneOf(v, n, ['linear', 'scaled_linear', 'squaredcos_cap_v2'] as const));
  set('trainedBetas', (v, n) => (v === null ? undefined : numberArray(v, n)));
  set('stepsOffset', (v, n) => nonNegativeInteger(v, n));
  set('timestepSpacing', (v, n) => oneOf(v, n, ['leading', 'trailing', 'linspace'] as const));
  set('predictionType', (v, n) => oneOf(v, n, ['epsilon', 'v_prediction'] as const));
  set('setAlphaToOne', (v, n) => boolean(v, n));
  set('clipSample', (v, n) => boolean(v, n));
  set('clipSampleRange', (v, n) => positiveNumber(v, n));
  set('useKarrasSigmas', (v, n) => (v === null ? undefined : boolean(v, n)));
  set('finalSigmasType', (v, n) => oneOf(v, n, ['zero', 'sigma_min'] as const));
  set('lowerOrderFinal', (v, n) => boolean(v, n));
  set('originalInferenceSteps', (v, n) => positiveInteger(v, n));
  set('timestepScaling', (v, n) => positiveNumber(v, n));

  // solver_order, algorithm_type and solver_type are not read: a sampler id fixes them (DPM++ 2M is
  // dpmsolver++, order 2, midpoint), as in A1111, whatever the model shipped with.

  const config: SchedulerConfig = {
    className,
    ...resolveValues(explicit, className),
    explicitKeys,
  };
  validate(config);
  return config;
}

/**
 * The configuration a given diffusers class would be constructed with from `config`: the JSON's
 * explicit keys, and that class's own defaults for every other key.
 */
export function resolveConfigFor(config: SchedulerConfig, className: SchedulerClassName): SchedulerConfig {
  const explicit: Partial<ConfigValues> = {};
  for (const key of config.explicitKeys) copyKey(explicit, config, key);
  const resolved: SchedulerConfig = {
    className,
    ...resolveValues(explicit, className),
    explicitKeys: config.explicitKeys,
  };
  validate(resolved);
  return resolved;
}

function copyKey<K extends SchedulerConfigKey>(to: Partial<ConfigValues>, from: ConfigValues, key: K): void {
  to[key] = from[key];
}

function resolveValues(explicit: Partial<ConfigValues>, className: string): ConfigValues {
  const classDefaults = isSchedulerClassName(className) ? CLASS_DEFAULTS[className] : {};
  return { ...BASE_DEFAULTS, ...classDefaults, ...explicit };
}

function validate(c: SchedulerConfig): void {
  if (c.trainedBetas !== null && c.trainedBetas.length !== c.numTrainTimesteps) {
    throw new Error(
      `scheduler config: trained_betas has ${c.trainedBetas.length} values but num_train_timesteps is ${c.numTrainTimesteps}`,
    );
  }
  if (c.trainedBetas === null && !(c.betaStart < 1 && c.betaEnd < 1)) {
    throw new Error(`scheduler config: beta_start and beta_end must be below 1, got ${c.betaStart} and ${c.betaEnd}`);
  }
}

function describe(v: unknown): string {
  return JSON.stringify(v) ?? String(v);
}

function positiveInteger(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new Error(`scheduler config: ${name} must be a positive integer, got ${describe(v)}`);
  }
  return v;
}

function nonNegativeInteger(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new Error(`scheduler config: ${name} must be a non-negative integer, got ${describe(v)}`);
  }
  return v;
}

function positiveNumber(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new Error(`scheduler config: ${name} must be a positive number, got ${describe(v)}`);
  }
  return v;
}

function boolean(v: unknown, name: string): boolean {
  if (typeof v !== 'boolean') throw new Error(`scheduler config: ${name} must be true or false, got ${describe(v)}`);
  return v;
}

function oneOf<T extends string>(v: unknown, name: string, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new Error(`scheduler config: ${name} must be one of ${allowed.join(', ')}, got ${describe(v)}`);
  }
  return v as T;
}

function numberArray(v: unknown, name: string): readonly number[] {
  if (
    !Array.isArray(v) ||
    !v.every((x): x is number => typeof x === 'number' && Number.isFinite(x) && x > 0 && x < 1)
  ) {
    throw new Error(`scheduler config: ${name} must be an array of numbers in (0, 1)`);
  }
  return Object.freeze([...v]);
}
