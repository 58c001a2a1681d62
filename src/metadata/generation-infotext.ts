/**
 * GenerationParams ↔ A1111 infotext. Writing uses A1111's key names and sampler labels so the
 * text pastes into A1111 (and tools that read its format); reading takes every field the studio
 * understands and reports the keys it ignored, so the UI can say exactly what changed.
 */
import { LIMITS, parseDecimal, parseSeed, type GenerationParams } from '../protocol/params.ts';
import { IMG2IMG_KEYS, img2imgEntries, readImg2imgEntries, type ImportedImageSettings } from './img2img-infotext.ts';
import { formatInfotext, parseInfotext } from './infotext.ts';
import { HIRES_KEYS, hiresEntries, readHiresEntries } from './upscale-infotext.ts';
import type { HiresParams } from '../protocol/upscale-params.ts';

/** The sampler table the studio ships (src/schedulers' SAMPLERS has this shape). */
export interface SamplerName {
  id: string;
  /** As A1111 labels it: "Euler a", "DPM++ 2M Karras", … */
  label: string;
}

export interface InfotextContext {
  samplers: readonly SamplerName[];
  modelId: string;
  /** e.g. "latent-studio 0.1.0". */
  version: string;
}

/**
 * The `parameters` text for one image (its own seed, batch count ignored). `masked` adds the
 * inpainting keys when the image had a mask.
 */
export function infotextFromParams(
  params: GenerationParams,
  context: InfotextContext,
  options: { masked?: boolean } = {},
): string {
  const sampler = context.samplers.find((s) => s.id === params.sampler)?.label ?? params.sampler;
  return formatInfotext({
    prompt: params.prompt,
    negativePrompt: params.negativePrompt,
    entries: [
      ['Steps', String(params.steps)],
      ['Sampler', sampler],
      ['CFG scale', String(params.cfg)],
      ['Seed', params.seed],
      ['Size', `${params.width}x${params.height}`],
      // A1111 writes both only for batches of 2 or more (processing.py create_infotext).
      ...batchEntries(params),
      ...img2imgEntries(params, { masked: options.masked ?? params.image?.inpaint ?? false }),
      ...hiresEntries(params),
      ['Model', context.modelId],
      ['Version', context.version],
    ],
  });
}

function batchEntries(params: GenerationParams): [string, string][] {
  const size = params.batchSize ?? 1;
  if (size < 2) return [];
  return [
    ['Batch size', String(size)],
    ['Batch pos', String(params.batchPos ?? 0)],
  ];
}

export type ImportedField =
  'prompt' | 'negativePrompt' | 'steps' | 'sampler' | 'cfg' | 'seed' | 'width' | 'height' | 'batchSize';

export interface InfotextImport {
  /** Only the fields that were present and valid. */
  params: Partial<Pick<GenerationParams, ImportedField>>;
  /** Keys of the parameter line the studio does not use (A1111 extras, hashes…). */
  ignored: string[];
  /** Fields present but unusable, each with a sentence for the person. */
  problems: string[];
  /** The `Model` the image names, if any. */
  model: string | null;
  /** Image-to-image / variation settings the text carried (only the keys present). */
  imageSettings: ImportedImageSettings;
  /** Hires. fix settings, when the text has "Hires upscale". */
  hires: HiresParams | null;
}

export type InfotextResult = { ok: true; value: InfotextImport } | { ok: false; message: string };

/** Keys read here, plus ones that carry no setting (so they are not reported as ignored). */
const KNOWN_KEYS = new Set([
  'Steps',
  'Sampler',
  'Schedule type',
  'CFG scale',
  'Seed',
  'Size',
  'Model',
  'Version',
  'Batch size',
  // Which row of its call an image was: nothing to set.
  'Batch pos',
  ...IMG2IMG_KEYS,
  ...HIRES_KEYS,
]);

const norm = (s: string) => s.trim().toLowerCase().replace(/\s+/g, ' ');

/**
 * Reads an infotext into form fields. Fails (so the caller changes nothing) when the text has no
 * A1111 parameter line: fewer than three `key: value` pairs on its last line.
 */
export function paramsFromInfotext(
  text: string,
  options: { samplers: readonly SamplerName[]; sizeMultiple: number },
): InfotextResult {
  // The cap comes before any other work on the text (even trim): parsing is linear, but a 50 MB
  // "prompt" would still end up in the form and in localStorage.
  if (text.length > LIMITS.infotextChars) {
    return {
      ok: false,
      message: `The parameters text is too long (${text.length.toLocaleString('en-US')} characters; the studio reads at most ${LIMITS.infotextChars.toLocaleString('en-US')}).`,
    };
  }
  if (text.trim() === '') return { ok: false, message: 'The metadata is empty.' };
  const parsed = parseInfotext(text);
  if (parsed.entries.length === 0) {
    return {
      ok: false,
      message: 'No generation parameters found (expected a line like "Steps: 20, Sampler: Euler, CFG scale: 7, …").',
    };
  }
  const values = new Map<string, string>();
  for (const [k, v] of parsed.entries) values.set(k, v);
  const params: InfotextImport['params'] = {};
  const problems: string[] = [];
  // A prompt over the form's limit is not put into the form (it could not be generated).
  for (const [field, label, text] of [
    ['prompt', 'Prompt', parsed.prompt],
    ['negativePrompt', 'Negative prompt', parsed.negativePrompt],
  ] as const) {
    if (text.length <= LIMITS.promptChars) params[field] = text;
    else
      problems.push(
        `${label} is ${text.length.toLocaleString('en-US')} characters, over the ${LIMITS.promptChars.toLocaleString('en-US')} limit; kept yours.`,
      );
  }

  const steps = values.get('Steps');
  if (steps !== undefined) {
    // Decimal digits only (A1111's int()): 0x10, 1e1 and 12abc are not step counts.
    const n = parseDecimal(steps.trim());
    if (Number.isInteger(n) && n >= LIMITS.steps.min && n <= LIMITS.steps.max) params.steps = n;
    else problems.push(`Steps "${steps}" is not between ${LIMITS.steps.min} and ${LIMITS.steps.max}; kept yours.`);
  }
  const cfg = values.get('CFG scale');
  if (cfg !== undefined) {
    const n = parseDecimal(cfg.trim());
    if (Number.isFinite(n) && n >= LIMITS.cfg.min && n <= LIMITS.cfg.max) params.cfg = n;
    else problems.push(`CFG scale "${cfg}" is not between ${LIMITS.cfg.min} and ${LIMITS.cfg.max}; kept yours.`);
  }
  const seed = values.get('Seed');
  if (seed !== undefined) {
    const n = parseSeed(seed);
    if (n !== null) params.seed = n.toString();
    else problems.push(`Seed "${seed}" is not a whole number from 0 to 2^64−1; kept yours.`);
  }
  const size = values.get('Size');
  if (size !== undefined) {
    const m = /^(\d+)x(\d+)$/.exec(size.trim());
    const w = m ? Number(m[1]) : NaN;
    const h = m ? Number(m[2]) : NaN;
    const fits = (n: number) => n >= LIMITS.size.min && n <= LIMITS.size.max && n % options.sizeMultiple === 0;
    if (fits(w) && fits(h)) {
      params.width = w;
      params.height = h;
    } else {
      problems.push(`Size "${size}" is not a multiple of ${options.sizeMultiple} this model can make; kept yours.`);
    }
  }
  const batchSize = values.get('Batch size');
  if (batchSize !== undefined) {
    // A1111's paste sets its batch size slider from it.
    const n = parseDecimal(batchSize.trim());
    if (Number.isInteger(n) && n >= LIMITS.batchSize.min && n <= LIMITS.batchSize.max) params.batchSize = n;
    else
      problems.push(
        `Batch size "${batchSize}" is not between ${LIMITS.batchSize.min} and ${LIMITS.batchSize.max}; kept yours.`,
      );
  }
  const samplerLabel = values.get('Sampler');
  if (samplerLabel !== undefined) {
    const schedule = values.get('Schedule type');
    const find = (label: string) => options.samplers.find((s) => norm(s.label) === norm(label));
    // A1111 ≥ 1.9 writes "Sampler: DPM++ 2M, Schedule type: Karras"; older ones "DPM++ 2M Karras".
    const combined = schedule && norm(schedule) !== 'automatic' ? find(`${samplerLabel} ${schedule}`) : undefined;
    const sampler = combined ?? find(samplerLabel);
    if (sampler) params.sampler = sampler.id;
    else problems.push(`Sampler "${samplerLabel}" is not available here; kept yours.`);
    if (
      sampler &&
      schedule &&
      norm(schedule) !== 'automatic' &&
      !combined &&
      !norm(sampler.label).endsWith(norm(schedule))
    ) {
      problems.push(`Schedule type "${schedule}" is not available; ${sampler.label} uses its default schedule.`);
    }
  }
  const imageSettings = readImg2imgEntries(values, problems);
  const hires = readHiresEntries(values, problems);
  const ignored = parsed.entries.map(([k]) => k).filter((k) => !KNOWN_KEYS.has(k));
  return {
    ok: true,
    value: { params, ignored, problems, model: values.get('Model') ?? null, imageSettings, hires },
  };
}

/** Human names of the fields, for "Imported: prompt, steps, …" messages. */
export const FIELD_LABELS: Record<ImportedField, string> = {
  prompt: 'prompt',
  negativePrompt: 'negative prompt',
  steps: 'steps',
  sampler: 'sampler',
  cfg: 'CFG scale',
  seed: 'seed',
  width: 'width',
  height: 'height',
  batchSize: 'batch size',
};
