/**
 * Every generation mode as one job: txt2img (no source image — strength 1, diffusers'
 * StableDiffusionPipeline), img2img (StableDiffusionImg2ImgPipeline), inpainting and outpainting
 * (StableDiffusionInpaintPipeline, with A1111's mask blur / mask mode / masked content / overlay),
 * A1111 variation seeds and "resize seed from", and interpolation between two seeds (slerp of
 * the initial noise) or two prompts (lerp of the embeddings). They share the conditioning
 * (conditioning.ts), the initial-latent builders (initial-latents.ts) and one loop (denoise.ts).
 *
 * Per image, with a CPU generator g = Generator().manual_seed(seed), in diffusers' order:
 *   set_timesteps(steps); timesteps = get_timesteps(steps, strength) when there is a source
 *   [img2img / inpaint] image_latents = encode(image).sample(g) · scaling_factor
 *   noise = randn(g)  (A1111 ImageRNG.first when a variation seed / seed resize is set)
 *   latents = noise · init_noise_sigma          (txt2img; inpainting at strength 1)
 *           | add_noise(image_latents, noise, timesteps[0])
 *   [9-channel inpaint] masked_image_latents = encode(masked image).sample(g) · scaling_factor
 *   denoise (the sampler continues g) → decode → [inpaint] A1111 overlay of the source outside the mask
 */
import { decodedToRgba, latentsToPreviewRgba } from '../math/image.ts';
import {
  binarizeMask,
  blurMask,
  extendCanvas,
  fillMasked,
  fitImage,
  imageToTensor,
  invertMask,
  maskFromRgba,
  maskToLatentGrid,
  overlayOriginal,
  type OutpaintExtents,
  type ResizeMode,
  type RgbaImage,
} from '../math/image-ops.ts';
import { divide, type Float32Tensor } from '../math/tensor.ts';
import { TorchGenerator } from '../math/torch-generator.ts';
import { initialNoise, type VariationOptions } from '../math/variation-noise.ts';
import type { ImageTimings } from '../protocol/messages.ts';
import { createScheduler, isSamplerId, prepareLatents, scaleByInitNoiseSigma } from '../schedulers/index.ts';
import { encodePrompts, lerpEmbeddings } from './conditioning.ts';
import { CancelledError, denoise, type DenoiseImage, type MaskBlend } from './denoise.ts';
import { hiresPass, type HiresOptions } from './hires.ts';
import { getTimesteps } from './get-timesteps.ts';
import { applyMaskedContent, encodeImageLatents, fullMaskChannels, inpaintingChannels } from './initial-latents.ts';
import type { Clock, DiffusionModel } from './types.ts';

export { CancelledError };

export type MaskedContent = 'original' | 'latent-noise' | 'latent-nothing' | 'fill';

export interface SourceImage {
  image: RgbaImage;
  /** diffusers `strength` / A1111 "Denoising strength", 0 … 1. */
  strength: number;
  resizeMode: ResizeMode;
}

export interface MaskOptions {
  /** White (luminance × alpha) = repaint; fitted to the output like the source image. */
  image: RgbaImage;
  /** A1111 "Mask blur" (Gaussian σ in pixels). */
  blur: number;
  /** A1111 "Mask mode: Inpaint not masked". */
  invert: boolean;
  content: MaskedContent;
  /** A1111 pastes the source back outside the (blurred) mask; default true. */
  overlay?: boolean;
}

export interface InterpolationOptions {
  /** Slerp the initial noise from the seed's to this seed's (as a variation seed 0 → 1). */
  toSeed?: string | null;
  /** Lerp the prompt embeddings to this prompt's. */
  toPrompt?: string | null;
  frames: number;
}

export interface GenerateRequest {
  prompt: string;
  negativePrompt: string;
  seeds: readonly string[];
  steps: number;
  cfg: number;
  sampler: string;
  width: number;
  height: number;
  /** A1111 variation seed: image i uses subseed + i, as A1111's batches do. */
  variation?: { subseed: string; strength: number } | null;
  /** A1111 "Resize seed from" W×H in pixels (0 or absent = off). */
  seedResizeFrom?: { width: number; height: number } | null;
  source?: SourceImage | null;
  mask?: MaskOptions | null;
  /** Extend the (fitted) source by these pixel amounts and paint the new area. */
  outpaint?: OutpaintExtents | null;
  /** Frames replace the batch: frame k of N at t = k / (N − 1) from seeds[0] / prompt. */
  interpolate?: InterpolationOptions | null;
  /**
   * Images per U-Net call (A1111 "Batch size", diffusers `num_images_per_prompt`); 1 or absent =
   * one at a time. Ignored (one at a time) when the U-Net's batch axis is fixed.
   */
  batchSize?: number;
  /** A1111 "Hires. fix" (txt2img only): a second, img2img pass at a larger size (hires.ts). */
  hires?: HiresOptions | null;
}

export interface GenerateHooks {
  clock: Clock;
  /** Checked before every model call; returning true stops the job with CancelledError. */
  isCancelled?: () => boolean;
  onStep?: (info: { image: number; step: number; steps: number; latents: Float32Tensor }) => void;
  /** Called once per finished image, in order. */
  onImage: (image: GeneratedImage) => void;
}

export interface GeneratedImage {
  index: number;
  seed: string;
  rgba: Uint8ClampedArray;
  width: number;
  height: number;
  timings: ImageTimings;
  droppedTokens: number;
  /** The variation seed and strength this image used, when one was set. */
  variation: { subseed: string; strength: number } | null;
  /** Prompt interpolation position (0 = prompt, 1 = the other prompt), when interpolating prompts. */
  promptMix: number | null;
}

interface ImagePlan {
  seed: string;
  variation: { subseed: string; strength: number } | null;
  promptMix: number | null;
}

const U64 = (1n << 64n) - 1n;

/** The images of a job: the batch (seed + i, subseed + i) or the interpolation frames. */
export function planImages(request: GenerateRequest): ImagePlan[] {
  const interp = request.interpolate;
  if (interp) {
    if (!Number.isInteger(interp.frames) || interp.frames < 2)
      throw new Error('Interpolation needs at least 2 frames.');
    if (!interp.toSeed && interp.toPrompt == null) throw new Error('Interpolation needs a second seed or prompt.');
    const seed = request.seeds[0] ?? '0';
    return Array.from({ length: interp.frames }, (_, k) => {
      const t = k / (interp.frames - 1);
      return {
        seed,
        variation: interp.toSeed ? { subseed: interp.toSeed, strength: t } : (request.variation ?? null),
        promptMix: interp.toPrompt != null ? t : null,
      };
    });
  }
  return request.seeds.map((seed, i) => ({
    seed,
    variation: request.variation
      ? {
          subseed: ((BigInt(request.variation.subseed) + BigInt(i)) & U64).toString(),
          strength: request.variation.strength,
        }
      : null,
    promptMix: null,
  }));
}

interface PreparedSource {
  /** The source at the output size (outpaint: extended), the pixels the overlay restores. */
  pixels: RgbaImage;
  /** What the VAE encodes for the init latents (masked content "fill" applied). */
  initPixels: RgbaImage;
  strength: number;
  mask: {
    /** Blurred, per pixel: the overlay's alpha. */
    soft: Float32Array;
    latent: Float32Array;
    /** diffusers: init_image · (mask < 0.5) in [−1, 1], for 9-channel U-Nets. */
    maskedImage: Float32Tensor;
    content: MaskedContent;
    overlay: boolean;
  } | null;
}

function prepareSource(request: GenerateRequest, factor: number): PreparedSource | null {
  const source = request.source;
  if (!source) {
    if (request.mask || request.outpaint) throw new Error('Inpainting and outpainting need a source image.');
    return null;
  }
  let pixels = fitImage(source.image, request.width, request.height, source.resizeMode);
  let maskPixels: Float32Array | null = null;
  if (request.mask) {
    const m = fitImage(request.mask.image, request.width, request.height, source.resizeMode);
    maskPixels = maskFromRgba(m);
    if (request.mask.invert) maskPixels = invertMask(maskPixels);
  }
  if (request.outpaint) {
    const extended = extendCanvas(pixels, request.outpaint);
    const w = extended.image.width;
    const grown = extended.mask;
    if (maskPixels) {
      // The user's mask moves with the image; the new bands are always painted.
      const { left, top } = request.outpaint;
      for (let y = 0; y < request.height; y++) {
        for (let x = 0; x < request.width; x++) {
          const i = (y + top) * w + x + left;
          grown[i] = Math.max(grown[i] ?? 0, maskPixels[y * request.width + x] ?? 0);
        }
      }
    }
    pixels = extended.image;
    maskPixels = grown;
  }
  const { width, height } = pixels;
  if (width % factor !== 0 || height % factor !== 0) throw new Error(`Image size must be a multiple of ${factor}`);
  if (!maskPixels) return { pixels, initPixels: pixels, strength: source.strength, mask: null };
  const options = request.mask;
  const blur = options?.blur ?? 0;
  if (!(blur >= 0 && blur <= 64)) throw new Error('Mask blur must be between 0 and 64 pixels.');
  const soft = blurMask(maskPixels, width, height, blur);
  const binary = binarizeMask(soft);
  const content: MaskedContent = options?.content ?? (request.outpaint ? 'fill' : 'original');
  const maskedImage = imageToTensor(pixels);
  const plane = width * height;
  for (let p = 0; p < plane; p++) {
    if ((binary[p] ?? 0) >= 0.5) for (let c = 0; c < 3; c++) maskedImage.data[c * plane + p] = 0;
  }
  return {
    pixels,
    initPixels: content === 'fill' ? fillMasked(pixels, binary) : pixels,
    strength: source.strength,
    mask: {
      soft,
      latent: maskToLatentGrid(binary, width, height, width / factor, height / factor),
      maskedImage,
      content,
      overlay: options?.overlay ?? true,
    },
  };
}

export async function generate(model: DiffusionModel, request: GenerateRequest, hooks: GenerateHooks): Promise<void> {
  const { clock } = hooks;
  const checkCancelled = () => {
    if (hooks.isCancelled?.()) throw new CancelledError();
  };
  const requested = request.sampler;
  if (!isSamplerId(requested)) throw new Error(`Unknown sampler "${requested}"`);
  const sampler = requested;
  const factor = model.info.vaeFactor;
  if (request.width % factor !== 0 || request.height % factor !== 0) {
    throw new Error(`Image size must be a multiple of ${factor}`);
  }
  const plans = planImages(request);
  const source = prepareSource(request, factor);
  const width = source?.pixels.width ?? request.width;
  const height = source?.pixels.height ?? request.height;
  const latentShape = [1, model.unet.latentChannels, height / factor, width / factor];
  const nineChannel = (model.unet.inChannels ?? model.unet.latentChannels) === model.unet.latentChannels * 2 + 1;
  // A 9-channel U-Net without a mask gets "everything masked" conditioning (A1111), computed once.
  const fullMask = nineChannel && !source?.mask ? await fullMaskChannels(model, latentShape, factor) : null;
  const guidance = request.cfg > 1;
  const resize = request.seedResizeFrom;
  const resizeFrom =
    resize && resize.width > 0 && resize.height > 0
      ? { width: Math.floor(resize.width / factor), height: Math.floor(resize.height / factor) }
      : null;

  const jobStart = clock();
  checkCancelled();
  const prompts = await encodePrompts(model, request.prompt, request.negativePrompt, guidance, clock);
  const other =
    request.interpolate?.toPrompt != null
      ? await encodePrompts(model, request.interpolate.toPrompt, request.negativePrompt, false, clock)
      : null;

  // A1111's "Batch size": images per U-Net call, where the batch axis is dynamic; a fixed-batch
  // export runs them one at a time (same pixels either way).
  const perCall = model.unet.dynamicBatch ? Math.max(1, Math.floor(request.batchSize ?? 1)) : 1;
  let mark = jobStart;
  for (let first = 0; first < plans.length; first += perCall) {
    const group: PreparedImage[] = [];
    for (let index = first; index < Math.min(plans.length, first + perCall); index++) {
      checkCancelled();
      group.push(await prepareImage(index, plans[index] as ImagePlan));
    }
    const result = await denoise({
      unet: model.unet,
      timesteps: (group[0] as PreparedImage).timesteps,
      shape: latentShape,
      images: group.map((g) => g.denoise),
      uncond: prompts.uncond,
      scale: request.cfg,
      clock,
      checkCancelled,
      onStep: (step, steps, l) => hooks.onStep?.({ image: first, step, steps, latents: l }),
    });
    for (let k = 0; k < group.length; k++) {
      const { index, plan } = group[k] as PreparedImage;
      let { vaeMs } = group[k] as PreparedImage;
      checkCancelled();
      let finalLatents: Float32Tensor = { data: result.latents[k] as Float32Array, dims: latentShape };
      let { unetMs, schedulerMs } = result;
      if (request.hires && !source) {
        const firstPass = result.unetMs.length;
        const hires = await hiresPass({
          model,
          options: request.hires,
          sampler,
          firstSteps: request.steps,
          seed: plan.seed,
          latents: finalLatents,
          width,
          height,
          guidance: { cond: (group[k] as PreparedImage).denoise.cond, uncond: prompts.uncond, scale: request.cfg },
          clock,
          checkCancelled,
          onStep: (step, steps, l) =>
            hooks.onStep?.({ image: index, step: firstPass + step, steps: firstPass + steps, latents: l }),
        });
        finalLatents = hires.latents;
        unetMs = [...unetMs, ...hires.unetMs];
        schedulerMs += hires.schedulerMs;
        vaeMs += hires.vaeMs;
      }
      const v0 = clock();
      const decoded = await model.vaeDecoder.decode({
        data: divide(finalLatents.data, model.info.scalingFactor),
        dims: finalLatents.dims,
      });
      vaeMs += clock() - v0;
      let pixels = decodedToRgba(decoded);
      if (source?.mask?.overlay) {
        const over = overlayOriginal(
          { data: pixels.rgba, width: pixels.width, height: pixels.height },
          source.pixels,
          source.mask.soft,
        );
        pixels = { rgba: over.data, width: over.width, height: over.height };
      }
      const firstImage = index === 0;
      const end = clock();
      hooks.onImage({
        index,
        seed: plan.seed,
        ...pixels,
        droppedTokens: prompts.droppedTokens,
        variation: plan.variation,
        promptMix: plan.promptMix,
        timings: {
          tokenizeMs: firstImage ? prompts.tokenizeMs : 0,
          textEncoderMs: firstImage ? prompts.textEncoderMs : 0,
          // Shared by the images of one call: each reports the call's time.
          unetMs,
          schedulerMs,
          vaeMs,
          // Since the previous image (or the job's start): the images' totals add up to the job's.
          totalMs: end - mark,
        },
      });
      mark = end;
    }
  }

  /** One image's scheduler, generator, initial latents and (img2img / inpaint) extras. */
  async function prepareImage(index: number, plan: ImagePlan): Promise<PreparedImage> {
    const scheduler = createScheduler(sampler, model.schedulerConfig);
    scheduler.setTimesteps(request.steps);
    const generator = new TorchGenerator(BigInt(plan.seed));
    const variation: VariationOptions | null = plan.variation
      ? { subseed: BigInt(plan.variation.subseed), strength: plan.variation.strength }
      : null;
    let vaeMs = 0;
    let latents: Float32Array;
    let timesteps: readonly number[] = scheduler.timesteps;
    let blend: MaskBlend | null = null;
    let extra: Float32Array | null = fullMask;
    if (!source) {
      latents = prepareLatents(BigInt(plan.seed), latentShape, scheduler.initNoiseSigma, {
        generator,
        variation,
        resizeFrom,
      });
    } else {
      timesteps = getTimesteps(scheduler, request.steps, source.strength).timesteps;
      const mask = source.mask;
      const strengthMax = source.strength === 1;
      checkCancelled();
      const e0 = clock();
      // diffusers' inpaint pipeline skips the encode only for 9-channel U-Nets at strength 1.
      const needImage = !mask || !nineChannel || !strengthMax;
      const imageLatents = needImage ? (await encodeImageLatents(model, source.initPixels, generator)).data : null;
      vaeMs += clock() - e0;
      const { noise } = initialNoise(BigInt(plan.seed), latentShape, variation, resizeFrom, generator);
      if (mask && strengthMax) {
        // A copy: the blend below still needs the unscaled noise.
        latents = scaleByInitNoiseSigma(noise.slice(), scheduler.initNoiseSigma);
      } else {
        const start = imageLatents as Float32Array;
        const init = mask ? applyMaskedContent(start, noise, mask.latent, mask.content) : start;
        // Strength 0 leaves no step: the image's latents as they are (diffusers would fail on timesteps[:1]).
        latents = timesteps.length > 0 ? scheduler.addNoise(init, noise, timesteps[0] as number) : init;
      }
      if (mask && nineChannel) {
        checkCancelled();
        const e1 = clock();
        const masked = await encodeImageLatents(model, mask.maskedImage, generator);
        vaeMs += clock() - e1;
        extra = inpaintingChannels(mask.latent, masked.data);
      } else if (mask && imageLatents) {
        blend = { imageLatents, noise, mask: mask.latent };
      }
    }
    const cond =
      other && plan.promptMix !== null ? lerpEmbeddings(prompts.cond, other.cond, plan.promptMix) : prompts.cond;
    return {
      index,
      plan,
      timesteps,
      vaeMs,
      denoise: { scheduler, latents, generator, cond, blend, extraChannels: extra },
    };
  }
}

interface PreparedImage {
  index: number;
  plan: ImagePlan;
  timesteps: readonly number[];
  /** VAE encoder time spent preparing it (img2img / inpainting). */
  vaeMs: number;
  denoise: DenoiseImage;
}

/** The cheap preview of the current latents, for progress events. */
export function previewOf(model: DiffusionModel, latents: Float32Tensor) {
  return latentsToPreviewRgba(latents, model.info.latentRgb, model.info.scalingFactor);
}
