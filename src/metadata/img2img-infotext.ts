/**
 * A1111's infotext keys for image-to-image and variation seeds, written as A1111 writes them
 * (modules/processing.py `create_infotext`, img2img's extra_generation_params) and read back as
 * its paste fields read them (modules/infotext_utils.py): "Denoising strength", "Mask blur",
 * "Mask mode", "Masked content", "Resize mode", "Variation seed", "Variation seed strength",
 * "Seed resize from". Keys are written only when the setting is on, as A1111 does.
 */
import {
  MASKED_CONTENT_LABELS,
  RESIZE_MODE_LABELS,
  type ImageParams,
  type MaskedContentId,
  type ResizeModeId,
  type VariationParams,
} from '../protocol/image-params.ts';
import { parseDecimal, parseSeed, type GenerationParams } from '../protocol/params.ts';

export const IMG2IMG_KEYS = [
  'Denoising strength',
  'Mask blur',
  'Mask mode',
  'Masked content',
  'Resize mode',
  'Variation seed',
  'Variation seed strength',
  'Seed resize from',
] as const;

/** What the image carried: present only when its keys were, so import changes nothing else. */
export interface ImportedImageSettings {
  image: Partial<Omit<ImageParams, 'outpaint'>>;
  variation: Partial<VariationParams>;
}

/** Entries for one image; `masked` says whether it had a mask (Mask blur and friends). */
export function img2imgEntries(
  params: Pick<GenerationParams, 'image' | 'variation'>,
  options: { masked: boolean },
): [string, string][] {
  const out: [string, string][] = [];
  const img = params.image;
  if (img) {
    if (img.resizeMode !== 'just-resize') out.push(['Resize mode', RESIZE_MODE_LABELS[img.resizeMode]]);
    out.push(['Denoising strength', String(img.denoisingStrength)]);
    if (options.masked) {
      out.push(['Mask blur', String(img.maskBlur)]);
      if (img.inpaintNotMasked) out.push(['Mask mode', 'Inpaint not masked']);
      out.push(['Masked content', MASKED_CONTENT_LABELS[img.maskedContent]]);
    }
  }
  const v = params.variation;
  if (v && v.subseedStrength > 0) {
    out.push(['Variation seed', v.subseed], ['Variation seed strength', String(v.subseedStrength)]);
  }
  if (v && v.seedResizeFromW > 0 && v.seedResizeFromH > 0) {
    out.push(['Seed resize from', `${v.seedResizeFromW}x${v.seedResizeFromH}`]);
  }
  return out;
}

const norm = (s: string) => s.trim().toLowerCase();

/** Reads the keys above; unusable values become sentences in `problems`. */
export function readImg2imgEntries(values: ReadonlyMap<string, string>, problems: string[]): ImportedImageSettings {
  const image: ImportedImageSettings['image'] = {};
  const variation: ImportedImageSettings['variation'] = {};
  const num = (key: string, min: number, max: number): number | null => {
    const raw = values.get(key);
    if (raw === undefined) return null;
    // Decimal only, as the other infotext numbers (hex or exponent forms are refused).
    const n = parseDecimal(raw.trim());
    if (Number.isFinite(n) && n >= min && n <= max) return n;
    problems.push(`${key} "${raw}" is not between ${min} and ${max}; kept yours.`);
    return null;
  };
  const strength = num('Denoising strength', 0, 1);
  if (strength !== null) image.denoisingStrength = strength;
  const blur = num('Mask blur', 0, 64);
  if (blur !== null) image.maskBlur = blur;
  const mode = values.get('Mask mode');
  if (mode !== undefined) image.inpaintNotMasked = norm(mode) === 'inpaint not masked';
  const content = values.get('Masked content');
  if (content !== undefined) {
    const id = (Object.keys(MASKED_CONTENT_LABELS) as MaskedContentId[]).find(
      (k) => norm(MASKED_CONTENT_LABELS[k]) === norm(content),
    );
    if (id) image.maskedContent = id;
    else problems.push(`Masked content "${content}" is not available; kept yours.`);
  }
  const resize = values.get('Resize mode');
  if (resize !== undefined) {
    const id = (Object.keys(RESIZE_MODE_LABELS) as ResizeModeId[]).find(
      (k) => norm(RESIZE_MODE_LABELS[k]) === norm(resize),
    );
    if (id) image.resizeMode = id;
    else problems.push(`Resize mode "${resize}" is not available; kept yours.`);
  }
  const sub = values.get('Variation seed');
  if (sub !== undefined) {
    const n = parseSeed(sub);
    if (n !== null) variation.subseed = n.toString();
    else problems.push(`Variation seed "${sub}" is not a whole number from 0 to 2^64−1; kept yours.`);
  }
  const subStrength = num('Variation seed strength', 0, 1);
  if (subStrength !== null) variation.subseedStrength = subStrength;
  const from = values.get('Seed resize from');
  if (from !== undefined) {
    const m = /^(\d+)x(\d+)$/.exec(from.trim());
    // A1111 writes "-1x-1" for off in some versions: that reads as off.
    if (m) {
      variation.seedResizeFromW = Number(m[1]);
      variation.seedResizeFromH = Number(m[2]);
    } else if (/^-1x-1$/.test(from.trim())) {
      variation.seedResizeFromW = 0;
      variation.seedResizeFromH = 0;
    } else problems.push(`Seed resize from "${from}" is not W×H; kept yours.`);
  }
  return { image, variation };
}
