import { describe, expect, it } from 'vitest';
import { type SchedulerClassName, parseSchedulerConfig, resolveConfigFor } from './config.ts';
import { SD15_CONFIG } from '../../tests/support/scheduler-harness.ts';

describe('parseSchedulerConfig', () => {
  it('reads a Hub scheduler_config.json into camelCase, ignoring keys it does not use', () => {
    const c = parseSchedulerConfig(SD15_CONFIG);
    expect(c).toMatchObject({
      className: 'PNDMScheduler',
      numTrainTimesteps: 1000,
      betaStart: 0.00085,
      betaEnd: 0.012,
      betaSchedule: 'scaled_linear',
      trainedBetas: null,
      stepsOffset: 1,
      timestepSpacing: 'leading',
      predictionType: 'epsilon',
      setAlphaToOne: false,
      clipSample: false,
    });
    expect(new Set(c.explicitKeys)).toEqual(
      new Set([
        'numTrainTimesteps',
        'betaStart',
        'betaEnd',
        'betaSchedule',
        'stepsOffset',
        'timestepSpacing',
        'predictionType',
        'setAlphaToOne',
        'clipSample',
      ]),
    );
  });

  // Each diffusers class's own __init__ defaults (diffusers 58eb52c0) for an otherwise empty config.
  it.each([
    [
      'EulerDiscreteScheduler',
      {
        betaStart: 0.0001,
        betaEnd: 0.02,
        betaSchedule: 'linear',
        timestepSpacing: 'linspace',
        stepsOffset: 0,
        useKarrasSigmas: false,
        finalSigmasType: 'zero',
      },
    ],
    ['EulerAncestralDiscreteScheduler', { betaStart: 0.0001, betaSchedule: 'linear', timestepSpacing: 'linspace' }],
    [
      'HeunDiscreteScheduler',
      { betaStart: 0.00085, betaEnd: 0.012, betaSchedule: 'linear', timestepSpacing: 'linspace', clipSample: false },
    ],
    [
      'DPMSolverMultistepScheduler',
      { betaStart: 0.0001, timestepSpacing: 'linspace', lowerOrderFinal: true, finalSigmasType: 'zero' },
    ],
    [
      'DDIMScheduler',
      { betaStart: 0.0001, timestepSpacing: 'leading', clipSample: true, clipSampleRange: 1, setAlphaToOne: true },
    ],
    [
      'LCMScheduler',
      {
        betaStart: 0.00085,
        betaEnd: 0.012,
        betaSchedule: 'scaled_linear',
        originalInferenceSteps: 50,
        setAlphaToOne: true,
        timestepSpacing: 'leading',
        timestepScaling: 10,
        clipSample: false,
      },
    ],
  ] as [SchedulerClassName, object][])('defaults of %s', (className, want) => {
    const c = parseSchedulerConfig({ _class_name: className });
    expect(c).toMatchObject({
      className,
      numTrainTimesteps: 1000,
      predictionType: 'epsilon',
      trainedBetas: null,
      ...want,
    });
    expect(c.explicitKeys).toEqual([]);
  });

  it('treats null like an omitted key for optional values', () => {
    const c = parseSchedulerConfig({
      _class_name: 'EulerDiscreteScheduler',
      trained_betas: null,
      use_karras_sigmas: null,
      sigma_min: null,
    });
    expect(c.trainedBetas).toBeNull();
    expect(c.useKarrasSigmas).toBe(false);
    expect(c.explicitKeys).toEqual([]);
  });

  it('accepts trained_betas of the right length', () => {
    const betas = Array.from({ length: 10 }, (_, i) => 0.001 * (i + 1));
    const c = parseSchedulerConfig({ num_train_timesteps: 10, trained_betas: betas });
    expect(c.trainedBetas).toEqual(betas);
  });

  it.each([
    ['not an object', 42, /JSON object/],
    ['an array', [], /JSON object/],
    ['null', null, /JSON object/],
    ['_class_name', { _class_name: 7 }, /_class_name/],
    ['num_train_timesteps', { num_train_timesteps: 0 }, /num_train_timesteps must be a positive integer/],
    ['num_train_timesteps', { num_train_timesteps: 10.5 }, /num_train_timesteps/],
    ['beta_start', { beta_start: -1 }, /beta_start must be a positive number/],
    ['beta_end', { beta_end: '0.012' }, /beta_end/],
    ['beta_end ≥ 1', { beta_end: 1.5 }, /below 1/],
    [
      'beta_schedule',
      { beta_schedule: 'cosine' },
      /beta_schedule must be one of linear, scaled_linear, squaredcos_cap_v2/,
    ],
    [
      'timestep_spacing',
      { timestep_spacing: 'uniform' },
      /timestep_spacing must be one of leading, trailing, linspace/,
    ],
    ['prediction_type', { prediction_type: 'sample' }, /prediction_type must be one of epsilon, v_prediction/],
    ['steps_offset', { steps_offset: -1 }, /steps_offset must be a non-negative integer/],
    ['set_alpha_to_one', { set_alpha_to_one: 'yes' }, /set_alpha_to_one must be true or false/],
    ['clip_sample', { clip_sample: 1 }, /clip_sample must be true or false/],
    ['clip_sample_range', { clip_sample_range: 0 }, /clip_sample_range/],
    ['use_karras_sigmas', { use_karras_sigmas: 'true' }, /use_karras_sigmas/],
    ['final_sigmas_type', { final_sigmas_type: 'max' }, /final_sigmas_type must be one of zero, sigma_min/],
    ['lower_order_final', { lower_order_final: null }, /lower_order_final/],
    ['original_inference_steps', { original_inference_steps: 0 }, /original_inference_steps/],
    ['trained_betas', { trained_betas: [0.1, 'x'] }, /trained_betas/],
    [
      'trained_betas length',
      { trained_betas: [0.1, 0.2] },
      /trained_betas has 2 values but num_train_timesteps is 1000/,
    ],
    ['rescale_betas_zero_snr', { rescale_betas_zero_snr: true }, /rescale_betas_zero_snr = true is not supported/],
    ['thresholding', { thresholding: true }, /thresholding/],
    ['interpolation_type', { interpolation_type: 'log_linear' }, /interpolation_type/],
    ['timestep_type', { timestep_type: 'continuous' }, /timestep_type/],
    ['use_exponential_sigmas', { use_exponential_sigmas: true }, /use_exponential_sigmas/],
    ['sigma_min', { sigma_min: 0.1 }, /sigma_min/],
  ])('rejects a bad %s with a clear message', (_, json, message) => {
    expect(() => parseSchedulerConfig(json)).toThrow(message);
  });
});

describe('resolveConfigFor: from_config semantics', () => {
  it('keeps the JSON’s explicit keys and takes the target class’s defaults for the rest', () => {
    // The Hub SD 1.5 config omits timestep_spacing before diffusers 0.17: Euler then uses its own
    // default (linspace) and DDIM its own (leading); steps_offset 1 and the betas carry over.
    const { timestep_spacing: _, ...withoutSpacing } = SD15_CONFIG;
    const c = parseSchedulerConfig(withoutSpacing);
    expect(resolveConfigFor(c, 'EulerDiscreteScheduler')).toMatchObject({
      className: 'EulerDiscreteScheduler',
      timestepSpacing: 'linspace',
      stepsOffset: 1,
      betaSchedule: 'scaled_linear',
    });
    expect(resolveConfigFor(c, 'DDIMScheduler')).toMatchObject({
      timestepSpacing: 'leading',
      clipSample: false,
      setAlphaToOne: false,
    });
    expect(resolveConfigFor(c, 'LCMScheduler')).toMatchObject({ originalInferenceSteps: 50, setAlphaToOne: false });
    const explicit = parseSchedulerConfig(SD15_CONFIG);
    expect(resolveConfigFor(explicit, 'EulerDiscreteScheduler').timestepSpacing).toBe('leading');
  });

  it('a key left at the source class’s default is not carried to another class', () => {
    // DDIM's clip_sample default (true) must not leak into Heun (default false).
    const c = parseSchedulerConfig({ _class_name: 'DDIMScheduler' });
    expect(c.clipSample).toBe(true);
    expect(resolveConfigFor(c, 'HeunDiscreteScheduler').clipSample).toBe(false);
  });
});
