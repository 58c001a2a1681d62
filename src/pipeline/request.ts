/**
 * From the user's params (src/protocol) to the pipeline's request: the same mapping in the worker
 * and the CLI, so both run a given set of params identically.
 */
import type { SourceImages } from '../protocol/messages.ts';
import { imagesPerJob, seedForImage, type GenerationParams } from '../protocol/params.ts';
import type { GenerateRequest } from './generate.ts';
import type { PixelUpscaler } from './upscale.ts';

/**
 * `pixelUpscaler` resolves a Hires. fix upscaler id other than "latent" (the caller has loaded
 * the model behind it); "lanczos" needs none.
 */
export function generateRequestFrom(
  params: GenerationParams,
  images?: SourceImages | null,
  pixelUpscaler?: (id: string) => PixelUpscaler | null,
): GenerateRequest {
  // A1111: all_seeds = seed + i over n_iter × batch_size images; each call takes batch_size of them.
  const seeds = Array.from({ length: imagesPerJob(params) }, (_, i) => seedForImage(params.seed, i));
  const request: GenerateRequest = {
    prompt: params.prompt,
    negativePrompt: params.negativePrompt,
    seeds,
    steps: params.steps,
    cfg: params.cfg,
    sampler: params.sampler,
    width: params.width,
    height: params.height,
    batchSize: params.batchSize ?? 1,
  };
  const v = params.variation;
  if (v && v.subseedStrength > 0) request.variation = { subseed: v.subseed, strength: v.subseedStrength };
  if (v && v.seedResizeFromW > 0 && v.seedResizeFromH > 0) {
    request.seedResizeFrom = { width: v.seedResizeFromW, height: v.seedResizeFromH };
  }
  const ip = params.interpolation;
  if (ip) {
    request.interpolate = {
      toSeed: ip.toSeed.trim() === '' ? null : ip.toSeed.trim(),
      toPrompt: ip.toPrompt.trim() === '' ? null : ip.toPrompt,
      frames: ip.frames,
    };
  }
  const h = params.hires;
  if (h && !params.image) {
    const upscaler =
      h.upscaler === 'latent'
        ? 'latent'
        : h.upscaler === 'lanczos'
          ? ({ kind: 'lanczos', name: 'Lanczos' } as const)
          : (pixelUpscaler?.(h.upscaler) ?? null);
    if (!upscaler) throw new Error(`The hires upscaler "${h.upscaler}" is not available.`);
    request.hires = { scale: h.scale, steps: h.steps, strength: h.denoisingStrength, upscaler };
  }
  const img = params.image;
  if (img && images) {
    const toImage = (p: { rgba: Uint8ClampedArray; width: number; height: number }) => ({
      data: p.rgba,
      width: p.width,
      height: p.height,
    });
    request.source = { image: toImage(images.source), strength: img.denoisingStrength, resizeMode: img.resizeMode };
    if (images.mask) {
      request.mask = {
        image: toImage(images.mask),
        blur: img.maskBlur,
        invert: img.inpaintNotMasked,
        content: img.maskedContent,
      };
    }
    const o = img.outpaint;
    if (o.left + o.right + o.top + o.bottom > 0) {
      request.outpaint = o;
      if (!request.mask)
        request.mask = { image: blankMask(images.source), blur: img.maskBlur, invert: false, content: 'fill' };
    }
  }
  return request;
}

/** An all-black (keep everything) mask: outpainting alone paints only the new bands. */
function blankMask(p: { width: number; height: number }) {
  const data = new Uint8ClampedArray(p.width * p.height * 4);
  for (let i = 3; i < data.length; i += 4) data[i] = 255;
  return { data, width: p.width, height: p.height };
}
