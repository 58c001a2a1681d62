/**
 * A1111's infotext keys for upscaling.
 *
 * - Hires. fix (modules/processing.py `StableDiffusionProcessingTxt2Img.init`, its
 *   extra_generation_params): "Denoising strength", "Hires upscale", "Hires steps" (only when set,
 *   0 meaning "same as the first pass" is not written), "Hires upscaler"; "Size" stays the first
 *   pass's size.
 * - Extras (scripts/postprocessing_upscale.py, `pp.info`): "Postprocess upscale by",
 *   "Postprocess upscaler". modules/postprocessing.py writes them as their own PNG text chunk,
 *   `postprocessing`, and keeps the source's `parameters` chunk as it was.
 */
import { parseDecimal, type GenerationParams } from '../protocol/params.ts';
import {
  DEFAULT_HIRES_PARAMS,
  UPSCALERS,
  upscalerLabel,
  type HiresParams,
  type PostprocessParams,
} from '../protocol/upscale-params.ts';
import { quoteValue } from './infotext.ts';

export function hiresEntries(params: Pick<GenerationParams, 'hires' | 'image'>): [string, string][] {
  const h = params.hires;
  if (!h || params.image) return [];
  const out: [string, string][] = [['Denoising strength', String(h.denoisingStrength)]];
  out.push(['Hires upscale', String(h.scale)]);
  if (h.steps > 0) out.push(['Hires steps', String(h.steps)]);
  out.push(['Hires upscaler', upscalerLabel(h.upscaler)]);
  return out;
}

/** The `postprocessing` chunk's text: "Postprocess upscale by: 2, Postprocess upscaler: Lanczos". */
export function postprocessingText(p: PostprocessParams): string {
  return [
    ['Postprocess upscale by', String(p.upscaleBy)],
    ['Postprocess upscaler', p.upscaler],
  ]
    .map(([k, v]) => `${k}: ${quoteValue(v as string)}`)
    .join(', ');
}

export const HIRES_KEYS = ['Hires upscale', 'Hires steps', 'Hires upscaler'] as const;

/**
 * Hires. fix settings from a parameter line (A1111 infotext_utils paste fields: "Hires upscale",
 * "Hires steps", "Hires upscaler", with "Denoising strength"); null when the line has none. An
 * upscaler the studio lacks becomes Latent, with a problem saying so.
 */
export function readHiresEntries(values: ReadonlyMap<string, string>, problems: string[]): HiresParams | null {
  const scaleText = values.get('Hires upscale');
  if (scaleText === undefined) return null;
  const scale = parseDecimal(scaleText.trim());
  if (!(scale >= 1 && scale <= 4)) {
    problems.push(`Hires upscale "${scaleText}" is not between 1 and 4; Hires fix not imported.`);
    return null;
  }
  const out: HiresParams = { ...DEFAULT_HIRES_PARAMS, scale };
  const steps = values.get('Hires steps');
  if (steps !== undefined) {
    const n = parseDecimal(steps.trim());
    if (Number.isInteger(n) && n >= 0 && n <= 150) out.steps = n;
    else problems.push(`Hires steps "${steps}" is not 0 to 150; kept ${out.steps}.`);
  }
  const label = values.get('Hires upscaler');
  if (label !== undefined) {
    const known = UPSCALERS.find((u) => u.label.toLowerCase() === label.trim().toLowerCase() || u.id === label.trim());
    if (known) out.upscaler = known.id;
    else problems.push(`Hires upscaler "${label}" is not available here; using Latent.`);
  }
  const strength = values.get('Denoising strength');
  if (strength !== undefined) {
    const n = parseDecimal(strength.trim());
    if (n >= 0 && n <= 1) out.denoisingStrength = n;
  }
  return out;
}
