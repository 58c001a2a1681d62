/**
 * A model's defaults, from one merged source, applied to the form in one place. PURE.
 *
 * The catalog knows what the model is meant to run with (SD-Turbo: 1 step, CFG off); the loaded
 * model's own files know its native size and scheduler (the engine's ModelSummary). The merge
 * takes steps and CFG from the catalog and size and sampler from the files, which are the truth
 * about the export. `applyModelDefaults` is the only function that writes them into params.
 */
import type { ModelSummary } from '../protocol/messages.ts';
import type { GenerationParams } from '../protocol/params.ts';

export interface ModelDefaults {
  steps: number;
  cfg: number;
  sampler: string;
  width: number;
  height: number;
}

/** The catalog's defaults merged with what the model's files say. */
export function mergeModelDefaults(catalog: Partial<ModelDefaults>, summary: ModelSummary): Partial<ModelDefaults> {
  return {
    ...catalog,
    width: summary.width,
    height: summary.height,
    sampler: summary.defaultSampler,
  };
}

/**
 * The form for a newly loaded model. With `defaults` (the person chose this model, or the form
 * is untouched) the merged defaults replace the form's values; without (bringing back the last
 * visit's model and form, or reloading), the form is kept wherever the model accepts it.
 */
export function applyModelDefaults(
  params: GenerationParams,
  summary: ModelSummary,
  defaults: Partial<ModelDefaults> | null,
  samplers: readonly string[],
): GenerationParams {
  if (defaults !== null) return { ...params, ...mergeModelDefaults(defaults, summary) };
  const fits = (n: number) => n % summary.sizeMultiple === 0;
  const sizeOk = fits(params.width) && fits(params.height);
  const samplerOk = samplers.includes(params.sampler);
  if (sizeOk && samplerOk) return params;
  return {
    ...params,
    ...(sizeOk ? {} : { width: summary.width, height: summary.height }),
    ...(samplerOk ? {} : { sampler: summary.defaultSampler }),
  };
}
