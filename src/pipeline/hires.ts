/**
 * A1111's "Hires. fix" second pass (modules/processing.py `StableDiffusionProcessingTxt2Img.
 * sample_hr_pass`), on this project's img2img path (diffusers' strength cut, get-timesteps.ts):
 *
 *   target = int(w · hr_scale), int(h · hr_scale), rounded down to what the U-Net accepts
 *   "Latent":      latents = interpolate(latents, target / f, mode="bilinear", antialias=False)
 *   other upscaler: image = decode(latents); image = upscale(image, target) (upscale.ts);
 *                   latents = encode(image).sample(g) · scaling_factor
 *   noise = randn(g) at the target latent size (a fresh generator from the image's seed, as
 *           A1111's create_random_tensors(seeds=p.seeds) is)
 *   img2img at "Denoising strength" for "Hires steps" (0 = the first pass's steps), with A1111's
 *   exact-steps rule (setup_img2img_steps): a schedule of int(steps / min(strength, 0.999)) steps
 *   cut at the strength, so about `steps` U-Net evaluations run.
 */
import { decodedToRgba } from '../math/image.ts';
import { resizeRgba } from '../math/image-ops.ts';
import { divide, type Float32Tensor } from '../math/tensor.ts';
import { TorchGenerator } from '../math/torch-generator.ts';
import { initialNoise } from '../math/variation-noise.ts';
import { createScheduler, type SamplerId } from '../schedulers/index.ts';
import { denoise } from './denoise.ts';
import { getTimesteps } from './get-timesteps.ts';
import { encodeImageLatents } from './initial-latents.ts';
import type { Clock, DiffusionModel } from './types.ts';
import { upscaleImage, type PixelUpscaler, type UpscaleHooks } from './upscale.ts';

export interface HiresOptions {
  scale: number;
  /** 0 = the first pass's steps. */
  steps: number;
  strength: number;
  /** 'latent' upscales the latents; a pixel upscaler works on the decoded image. */
  upscaler: 'latent' | PixelUpscaler;
}

/** The second pass's size: int(size · scale), down to a multiple of `multiple`. */
export function hiresSize(width: number, height: number, scale: number, multiple: number) {
  const fit = (n: number) => Math.max(multiple, Math.floor(Math.trunc(n * scale) / multiple) * multiple);
  return { width: fit(width), height: fit(height) };
}

/** torch `F.interpolate(x, size, mode="bilinear", align_corners=False, antialias=False)` on [1, c, h, w]. */
export function bilinearResize(x: Float32Tensor, outH: number, outW: number): Float32Tensor {
  const [, c = 0, h = 0, w = 0] = x.dims;
  const out = new Float32Array(c * outH * outW);
  const sy = h / outH;
  const sx = w / outW;
  for (let ch = 0; ch < c; ch++) {
    const base = ch * h * w;
    for (let oy = 0; oy < outH; oy++) {
      const fy = Math.max(0, (oy + 0.5) * sy - 0.5);
      const y0 = Math.min(Math.floor(fy), h - 1);
      const y1 = Math.min(y0 + 1, h - 1);
      const ly = fy - y0;
      for (let ox = 0; ox < outW; ox++) {
        const fx = Math.max(0, (ox + 0.5) * sx - 0.5);
        const x0 = Math.min(Math.floor(fx), w - 1);
        const x1 = Math.min(x0 + 1, w - 1);
        const lx = fx - x0;
        const a = x.data[base + y0 * w + x0] ?? 0;
        const b = x.data[base + y0 * w + x1] ?? 0;
        const cc = x.data[base + y1 * w + x0] ?? 0;
        const d = x.data[base + y1 * w + x1] ?? 0;
        out[ch * outH * outW + oy * outW + ox] = (1 - ly) * ((1 - lx) * a + lx * b) + ly * ((1 - lx) * cc + lx * d);
      }
    }
  }
  return { data: out, dims: [1, c, outH, outW] };
}

export interface HiresPassInput {
  model: DiffusionModel;
  options: HiresOptions;
  sampler: SamplerId;
  firstSteps: number;
  seed: string;
  /** First-pass latents (already scaled by the scaling factor), [1, c, h, w]. */
  latents: Float32Tensor;
  width: number;
  height: number;
  /** The image's prompt embedding, the negative one (null without CFG) and the CFG scale. */
  guidance: { cond: Float32Tensor; uncond: Float32Tensor | null; scale: number };
  clock: Clock;
  checkCancelled: () => void;
  upscaleHooks?: UpscaleHooks;
  onStep?: (step: number, steps: number, latents: Float32Tensor) => void;
}

export interface HiresPassResult {
  latents: Float32Tensor;
  width: number;
  height: number;
  unetMs: number[];
  schedulerMs: number;
  vaeMs: number;
}

export async function hiresPass(input: HiresPassInput): Promise<HiresPassResult> {
  const { model, options, clock } = input;
  const f = model.info.vaeFactor;
  const target = hiresSize(input.width, input.height, options.scale, f * 8);
  const shape = [1, model.unet.latentChannels, target.height / f, target.width / f];
  const generator = new TorchGenerator(BigInt(input.seed));
  let vaeMs = 0;
  let start: Float32Array;
  if (options.upscaler === 'latent') {
    start = bilinearResize(input.latents, shape[2] as number, shape[3] as number).data;
  } else {
    const v0 = clock();
    const decoded = await model.vaeDecoder.decode({
      data: divide(input.latents.data, model.info.scalingFactor),
      dims: input.latents.dims,
    });
    vaeMs += clock() - v0;
    const rgba = decodedToRgba(decoded);
    const first = { data: rgba.rgba, width: rgba.width, height: rgba.height };
    // upscaleImage lands on int(w·scale // 8 · 8); the U-Net needs `target` exactly.
    const upscaled = await upscaleImage(first, target.width / first.width, options.upscaler, {
      ...input.upscaleHooks,
      isCancelled: () => {
        input.checkCancelled();
        return false;
      },
    });
    input.checkCancelled();
    // A non-square image can round to another height than the U-Net's: land on `target` exactly.
    const up =
      upscaled.width === target.width && upscaled.height === target.height
        ? upscaled
        : resizeRgba(upscaled, target.width, target.height);
    const e0 = clock();
    start = (await encodeImageLatents(model, up, generator)).data;
    vaeMs += clock() - e0;
  }
  const { noise } = initialNoise(BigInt(input.seed), shape, null, null, generator);
  const steps = options.steps > 0 ? options.steps : input.firstSteps;
  const strength = options.strength;
  const scheduleSteps = strength > 0 ? Math.max(steps, Math.floor(steps / Math.min(strength, 0.999))) : steps;
  const scheduler = createScheduler(input.sampler, model.schedulerConfig);
  scheduler.setTimesteps(scheduleSteps);
  const { timesteps } = getTimesteps(scheduler, scheduleSteps, strength);
  const latents = timesteps.length > 0 ? scheduler.addNoise(start, noise, timesteps[0] as number) : start;
  const result = await denoise({
    unet: model.unet,
    timesteps,
    shape,
    images: [{ scheduler, latents, generator, cond: input.guidance.cond }],
    uncond: input.guidance.uncond,
    scale: input.guidance.scale,
    clock,
    checkCancelled: input.checkCancelled,
    ...(input.onStep ? { onStep: input.onStep } : {}),
  });
  return {
    latents: { data: result.latents[0] as Float32Array, dims: shape },
    width: target.width,
    height: target.height,
    unetMs: result.unetMs,
    schedulerMs: result.schedulerMs,
    vaeMs,
  };
}
