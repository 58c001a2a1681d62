/**
 * Generation parameters as the user sets them, their limits, and validation.
 *
 * Validation lives here (pure) so the UI, the worker and the CLI reject the same inputs with the
 * same messages: the UI shows the message next to the form, the worker refuses a job it would
 * otherwise run with NaN latents, and the CLI prints it.
 */

import { promptWeightProblem } from '../prompt/parse-prompt-attention.ts';
import type { Backend } from './messages.ts';
import { LIMITS } from './limits.ts';
import { backendSizeProblem } from './sizes.ts';
import {
  imageParamIssues,
  interpolationParamIssues,
  variationParamIssues,
  type ImageParams,
  type InterpolationParams,
  type VariationParams,
} from './image-params.ts';
import { hiresParamIssues, type HiresParams, type PostprocessParams } from './upscale-params.ts';

export { LIMITS } from './limits.ts';

/**
 * A decimal number as a person types it, or NaN: `12`, `-3`, `7.5`, `.5`, `5.`. Nothing else:
 * JavaScript's Number() also reads `0x10`, `1e1`, ` 12 ` and `Infinity`, which are not decimal
 * numbers to anyone filling in a form, and A1111 writes none of them.
 */
export function parseDecimal(text: string): number {
  return /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/.test(text) ? Number(text) : NaN;
}

/** Seeds span torch's accepted range 0 … 2^64−1; torch keeps the low 32 bits. */
export const MAX_SEED = 2n ** 64n - 1n;

export interface GenerationParams {
  prompt: string;
  negativePrompt: string;
  /** Decimal string so the full 64-bit range survives JSON, postMessage and IndexedDB. */
  seed: string;
  steps: number;
  cfg: number;
  sampler: string;
  width: number;
  height: number;
  batchCount: number;
  /**
   * A1111 "Batch size": images per U-Net call, each batch of them one of the `batchCount`
   * sequential jobs, so a job makes batchCount × batchSize images (seeds seed … seed + n − 1).
   * Absent = 1 (params saved before it existed).
   */
  batchSize?: number;
  /** Per image only: its row within its call (A1111 "Batch pos"), for the infotext. */
  batchPos?: number;
  /** Set when the job starts from an image (img2img / inpaint / outpaint); see image-params.ts. */
  image?: ImageParams;
  /** A1111 variation seed / resize seed from. */
  variation?: VariationParams;
  /** Set for an interpolation job: its frames replace the batch. */
  interpolation?: InterpolationParams;
  /** A1111 "Hires. fix" (txt2img only): generate, upscale, img2img at a denoising strength. */
  hires?: HiresParams;
  /** Set on an upscaled gallery image: A1111 extras' "Postprocess upscale by" / "Postprocess upscaler". */
  postprocess?: PostprocessParams;
}

export interface ParamIssue {
  field: keyof GenerationParams;
  message: string;
}

/** Parses a seed typed by a person: a non-negative integer up to 2^64−1. */
export function parseSeed(text: string): bigint | null {
  const trimmed = text.trim();
  if (!/^\d{1,20}$/.test(trimmed)) return null;
  const value = BigInt(trimmed);
  return value <= MAX_SEED ? value : null;
}

/** Images a job makes: A1111's n_iter × batch_size (interpolation frames aside). */
export function imagesPerJob(params: Pick<GenerationParams, 'batchCount' | 'batchSize'>): number {
  return params.batchCount * (params.batchSize ?? 1);
}

/** Seed of the i-th image of a batch (seed, seed+1, … as A1111 and diffusers do), wrapping at 2^64. */
export function seedForImage(seed: string, index: number): string {
  const base = parseSeed(seed) ?? 0n;
  return ((base + BigInt(index)) & MAX_SEED).toString();
}

/** A random seed in torch's effective range (32 bits), from a source of uniform numbers in [0,1). */
export function randomSeed(random: () => number): string {
  return Math.floor(random() * 2 ** 32).toString();
}

/**
 * Checks every field and returns the problems found (empty when the params can run).
 * `vaeFactor` is the model's pixel-per-latent factor; sizes must be multiples of it times 8 so
 * every U-Net level divides evenly.
 */
export function validateParams(
  params: GenerationParams,
  options: {
    samplers: readonly string[];
    sizeMultiple: number;
    /** The backend that will run it, when known: sizes it cannot run are refused (sizes.ts). */
    backend?: Backend | null;
  },
): ParamIssue[] {
  const issues: ParamIssue[] = [];
  const intInRange = (field: keyof GenerationParams, label: string, min: number, max: number) => {
    const value = params[field];
    if (typeof value !== 'number' || !Number.isFinite(value) || !Number.isInteger(value)) {
      issues.push({ field, message: `${label} must be a whole number between ${min} and ${max}.` });
    } else if (value < min || value > max) {
      issues.push({ field, message: `${label} must be between ${min} and ${max} (got ${value}).` });
    }
  };
  if (typeof params.prompt !== 'string') issues.push({ field: 'prompt', message: 'Prompt must be text.' });
  else if (params.prompt.length > LIMITS.promptChars)
    issues.push({
      field: 'prompt',
      message: `Prompt is too long (${params.prompt.length} characters; at most ${LIMITS.promptChars}).`,
    });
  else {
    const weight = promptWeightProblem(params.prompt, LIMITS.promptWeight);
    if (weight) issues.push({ field: 'prompt', message: `Prompt: ${weight}` });
  }
  if (typeof params.negativePrompt !== 'string')
    issues.push({ field: 'negativePrompt', message: 'Negative prompt must be text.' });
  else if (params.negativePrompt.length > LIMITS.promptChars)
    issues.push({
      field: 'negativePrompt',
      message: `Negative prompt is too long (at most ${LIMITS.promptChars} characters).`,
    });
  else {
    const weight = promptWeightProblem(params.negativePrompt, LIMITS.promptWeight);
    if (weight) issues.push({ field: 'negativePrompt', message: `Negative prompt: ${weight}` });
  }
  if (parseSeed(String(params.seed)) === null)
    issues.push({ field: 'seed', message: 'Seed must be a whole number from 0 to 18446744073709551615.' });
  intInRange('steps', 'Steps', LIMITS.steps.min, LIMITS.steps.max);
  intInRange('batchCount', 'Batch count', LIMITS.batch.min, LIMITS.batch.max);
  if (params.batchSize !== undefined) intInRange('batchSize', 'Batch size', LIMITS.batchSize.min, LIMITS.batchSize.max);
  if (typeof params.cfg !== 'number' || !Number.isFinite(params.cfg)) {
    issues.push({
      field: 'cfg',
      message: `CFG scale must be a number between ${LIMITS.cfg.min} and ${LIMITS.cfg.max}.`,
    });
  } else if (params.cfg < LIMITS.cfg.min || params.cfg > LIMITS.cfg.max) {
    issues.push({
      field: 'cfg',
      message: `CFG scale must be between ${LIMITS.cfg.min} and ${LIMITS.cfg.max} (got ${params.cfg}).`,
    });
  }
  for (const field of ['width', 'height'] as const) {
    const label = field === 'width' ? 'Width' : 'Height';
    const value = params[field];
    if (!Number.isInteger(value) || value < LIMITS.size.min || value > LIMITS.size.max) {
      issues.push({ field, message: `${label} must be between ${LIMITS.size.min} and ${LIMITS.size.max} pixels.` });
    } else if (value % options.sizeMultiple !== 0) {
      issues.push({ field, message: `${label} must be a multiple of ${options.sizeMultiple} for this model.` });
    }
  }
  if (options.backend && !issues.some((i) => i.field === 'width' || i.field === 'height')) {
    const problem = backendSizeProblem(params.width, params.height, options.backend);
    if (problem) issues.push({ field: 'width', message: problem });
  }
  if (!options.samplers.includes(params.sampler))
    issues.push({ field: 'sampler', message: `Unknown sampler "${params.sampler}".` });
  if (params.image)
    for (const message of imageParamIssues(params.image, options.sizeMultiple))
      issues.push({ field: 'image', message });
  if (params.variation)
    for (const message of variationParamIssues(params.variation)) issues.push({ field: 'variation', message });
  if (params.interpolation)
    for (const message of interpolationParamIssues(params.interpolation))
      issues.push({ field: 'interpolation', message });
  if (params.hires) {
    if (params.image) issues.push({ field: 'hires', message: 'Hires fix is for text to image only.' });
    const hiresIssues = hiresParamIssues(params.hires, params.width, params.height);
    for (const message of hiresIssues) issues.push({ field: 'hires', message });
    // The second pass runs at the hires size: the backend must be able to run that too.
    const scale = params.hires.scale;
    const problem =
      options.backend && hiresIssues.length === 0
        ? backendSizeProblem(Math.trunc(params.width * scale), Math.trunc(params.height * scale), options.backend)
        : null;
    if (problem) issues.push({ field: 'hires', message: `Hires fix: ${problem}` });
  }
  return issues;
}
