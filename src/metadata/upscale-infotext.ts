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
import type { GenerationParams } from '../protocol/params.ts';
import { upscalerLabel, type PostprocessParams } from '../protocol/upscale-params.ts';
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
