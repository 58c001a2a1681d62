/**
 * The settings of the image-to-image modes (img2img, inpainting, outpainting), A1111 variation
 * seeds and interpolation jobs, with their limits and validation. The pixels (source image, mask)
 * are not params: they travel beside them in the generate request.
 */

/** A seed as params.ts's parseSeed accepts it (kept here so params.ts can import this file). */
const isSeed = (text: string) => /^\d{1,20}$/.test(text.trim()) && BigInt(text.trim()) < 2n ** 64n;

export type ResizeModeId = 'just-resize' | 'crop-and-resize' | 'resize-and-fill';
export type MaskedContentId = 'original' | 'latent-noise' | 'latent-nothing' | 'fill';

/** A1111's labels, as its infotext and UI write them. */
export const RESIZE_MODE_LABELS: Readonly<Record<ResizeModeId, string>> = {
  'just-resize': 'Just resize',
  'crop-and-resize': 'Crop and resize',
  'resize-and-fill': 'Resize and fill',
};
export const MASKED_CONTENT_LABELS: Readonly<Record<MaskedContentId, string>> = {
  fill: 'fill',
  original: 'original',
  'latent-noise': 'latent noise',
  'latent-nothing': 'latent nothing',
};

export interface OutpaintParams {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export interface ImageParams {
  /** diffusers `strength`, A1111 "Denoising strength". */
  denoisingStrength: number;
  resizeMode: ResizeModeId;
  /** Gaussian σ in pixels (A1111 "Mask blur"). */
  maskBlur: number;
  /** A1111 "Mask mode: Inpaint not masked". */
  inpaintNotMasked: boolean;
  maskedContent: MaskedContentId;
  /** Pixels added on each side (0 = none); the new area is painted. */
  outpaint: OutpaintParams;
  /** The job has a mask (inpainting / outpainting): infotext then carries the mask keys. */
  inpaint?: boolean;
}

export interface VariationParams {
  /** A1111 "Variation seed". */
  subseed: string;
  /** A1111 "Variation seed strength"; 0 = off. */
  subseedStrength: number;
  /** A1111 "Seed resize from" in pixels; 0 = off. */
  seedResizeFromW: number;
  seedResizeFromH: number;
}

export interface InterpolationParams {
  /** Interpolate the initial noise to this seed ('' = not). */
  toSeed: string;
  /** Interpolate the prompt embeddings to this prompt ('' = not). */
  toPrompt: string;
  frames: number;
}

export const IMAGE_LIMITS = {
  strength: { min: 0, max: 1 },
  maskBlur: { min: 0, max: 64 },
  outpaint: { min: 0, max: 1024 },
  frames: { min: 2, max: 64 },
  seedResize: { min: 0, max: 2048 },
} as const;

export const DEFAULT_IMAGE_PARAMS: ImageParams = {
  denoisingStrength: 0.75,
  resizeMode: 'just-resize',
  maskBlur: 4,
  inpaintNotMasked: false,
  maskedContent: 'original',
  outpaint: { left: 0, right: 0, top: 0, bottom: 0 },
};

export const DEFAULT_VARIATION_PARAMS: VariationParams = {
  subseed: '0',
  subseedStrength: 0,
  seedResizeFromW: 0,
  seedResizeFromH: 0,
};

export const isResizeMode = (x: unknown): x is ResizeModeId =>
  typeof x === 'string' && Object.prototype.hasOwnProperty.call(RESIZE_MODE_LABELS, x);
export const isMaskedContent = (x: unknown): x is MaskedContentId =>
  typeof x === 'string' && Object.prototype.hasOwnProperty.call(MASKED_CONTENT_LABELS, x);

const inRange = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;

/** Problems with the image settings, one sentence each (empty when they can run). */
export function imageParamIssues(p: ImageParams, sizeMultiple: number): string[] {
  const out: string[] = [];
  const { strength, maskBlur, outpaint } = IMAGE_LIMITS;
  if (!inRange(p.denoisingStrength, strength.min, strength.max))
    out.push('Denoising strength must be between 0 and 1.');
  if (!isResizeMode(p.resizeMode)) out.push(`Unknown resize mode "${String(p.resizeMode)}".`);
  if (!inRange(p.maskBlur, maskBlur.min, maskBlur.max))
    out.push(`Mask blur must be between ${maskBlur.min} and ${maskBlur.max} pixels.`);
  if (!isMaskedContent(p.maskedContent)) out.push(`Unknown masked content "${String(p.maskedContent)}".`);
  for (const side of ['left', 'right', 'top', 'bottom'] as const) {
    const v = p.outpaint?.[side];
    if (!Number.isInteger(v) || !inRange(v, outpaint.min, outpaint.max) || v % sizeMultiple !== 0) {
      out.push(`Outpaint ${side} must be a multiple of ${sizeMultiple} pixels between 0 and ${outpaint.max}.`);
    }
  }
  return out;
}

export function variationParamIssues(p: VariationParams): string[] {
  const out: string[] = [];
  if (!isSeed(String(p.subseed))) out.push('Variation seed must be a whole number from 0 to 2^64−1.');
  if (!inRange(p.subseedStrength, 0, 1)) out.push('Variation strength must be between 0 and 1.');
  const r = IMAGE_LIMITS.seedResize;
  if (
    !Number.isInteger(p.seedResizeFromW) ||
    !inRange(p.seedResizeFromW, r.min, r.max) ||
    !Number.isInteger(p.seedResizeFromH) ||
    !inRange(p.seedResizeFromH, r.min, r.max)
  ) {
    out.push(`Resize seed from must be 0 (off) or a size up to ${r.max} pixels.`);
  }
  return out;
}

export function interpolationParamIssues(p: InterpolationParams): string[] {
  const out: string[] = [];
  const { frames } = IMAGE_LIMITS;
  if (!Number.isInteger(p.frames) || !inRange(p.frames, frames.min, frames.max))
    out.push(`Frames must be a whole number between ${frames.min} and ${frames.max}.`);
  if (p.toSeed.trim() === '' && p.toPrompt.trim() === '')
    out.push('Interpolation needs a second seed or a second prompt.');
  if (p.toSeed.trim() !== '' && !isSeed(p.toSeed))
    out.push('The seed to interpolate to must be a whole number from 0 to 2^64−1.');
  return out;
}
