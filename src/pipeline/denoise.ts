/**
 * The one denoising loop every mode runs (txt2img, img2img, inpainting, outpainting, variations,
 * interpolation frames), as diffusers' StableDiffusion* pipelines write it:
 *
 *   for i, t in enumerate(timesteps):
 *     x = scale_model_input(cat([latents]·2) if cfg else latents, t)
 *     if 9-channel U-Net: x = cat([x, mask, masked_image_latents], dim=1)      # inpainting models
 *     ε = unet(x, t, context);  ε = ε_u + s·(ε_c − ε_u)
 *     latents = scheduler.step(ε, t, latents, generator)
 *     if blend (4-channel inpainting):                                          # StableDiffusionInpaintPipeline
 *       proper = add_noise(image_latents, noise, timesteps[i + 1]) if i < len − 1 else image_latents
 *       latents = (1 − mask)·proper + mask·latents
 *
 * A mode only changes what goes in: the initial latents, the timesteps (strength), the extra
 * channels, the blend.
 */
import type { TorchGenerator } from '../math/torch-generator.ts';
import { classifierFreeGuidance, concatBatch, splitBatch, type Float32Tensor } from '../math/tensor.ts';
import { EngineError } from '../protocol/messages.ts';
import type { Scheduler } from '../schedulers/index.ts';
import type { Clock, UnetModel } from './types.ts';

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

export interface Guidance {
  cond: Float32Tensor;
  /** Null when guidance does not run (scale ≤ 1). */
  uncond: Float32Tensor | null;
  scale: number;
}

export interface MaskBlend {
  /** Clean image latents (× scaling factor), [1, c, h, w]. */
  imageLatents: Float32Array;
  /** The noise the initial latents were made with. */
  noise: Float32Array;
  /** 1 = repaint, per latent cell [h·w], broadcast over channels. */
  mask: Float32Array;
}

export interface DenoiseInput {
  unet: UnetModel;
  scheduler: Scheduler;
  timesteps: readonly number[];
  latents: Float32Tensor;
  guidance: Guidance;
  generator: TorchGenerator;
  /** 9-channel inpainting U-Nets: [1, 5, h, w] = cat([mask, masked_image_latents]). */
  extraChannels?: Float32Array | null;
  blend?: MaskBlend | null;
  clock: Clock;
  checkCancelled: () => void;
  onStep?: (step: number, steps: number, latents: Float32Tensor) => void;
}

export interface DenoiseResult {
  latents: Float32Tensor;
  unetMs: number[];
  schedulerMs: number;
}

/** cat([x, extra], dim=1) for every batch row of x. */
function withExtraChannels(x: Float32Tensor, extra: Float32Array): Float32Tensor {
  const [b = 1, c = 4, h = 0, w = 0] = x.dims;
  const plane = h * w;
  const ec = extra.length / plane;
  const out = new Float32Array(b * (c + ec) * plane);
  for (let r = 0; r < b; r++) {
    out.set(x.data.subarray(r * c * plane, (r + 1) * c * plane), r * (c + ec) * plane);
    out.set(extra, (r * (c + ec) + c) * plane);
  }
  return { data: out, dims: [b, c + ec, h, w] };
}

export async function denoise(input: DenoiseInput): Promise<DenoiseResult> {
  const { unet, scheduler, timesteps, guidance, generator, clock } = input;
  const shape = input.latents.dims;
  let latents = input.latents;
  const unetMs: number[] = [];
  let schedulerMs = 0;
  const cfg = guidance.uncond !== null && guidance.scale > 1;
  const context = cfg ? concatBatch([guidance.uncond as Float32Tensor, guidance.cond]) : guidance.cond;
  const extra = input.extraChannels ?? null;
  const predict = (x: Float32Tensor, t: number, ctx: Float32Tensor) =>
    unet.predict(extra ? withExtraChannels(x, extra) : x, t, ctx);

  for (let i = 0; i < timesteps.length; i++) {
    input.checkCancelled();
    const t = timesteps[i] as number;
    const s0 = clock();
    const scaled: Float32Tensor = { data: scheduler.scaleModelInput(latents.data, t), dims: shape };
    schedulerMs += clock() - s0;
    const u0 = clock();
    let noise: Float32Array;
    if (!cfg) {
      noise = (await predict(scaled, t, guidance.cond)).data;
    } else if (unet.dynamicBatch) {
      const both = await predict(concatBatch([scaled, scaled]), t, context);
      const [u, c] = splitBatch(both, 2) as [Float32Tensor, Float32Tensor];
      noise = classifierFreeGuidance(u.data, c.data, guidance.scale);
    } else {
      const u = await predict(scaled, t, guidance.uncond as Float32Tensor);
      const c = await predict(scaled, t, guidance.cond);
      noise = classifierFreeGuidance(u.data, c.data, guidance.scale);
    }
    unetMs.push(clock() - u0);
    const s1 = clock();
    let next = scheduler.step(noise, t, latents.data, generator);
    if (input.blend) next = blendOutsideMask(scheduler, input.blend, next, timesteps, i);
    latents = { data: next, dims: shape };
    schedulerMs += clock() - s1;
    // NaN/Infinity never heal: stop with a sentence instead of decoding a black image.
    if (!allFinite(next)) {
      throw new EngineError(
        'internal',
        `The image went numerically invalid (NaN or Infinity) at step ${i + 1} of ${timesteps.length}, so it was not made. Lower the CFG scale or prompt weights, or try another sampler or backend.`,
      );
    }
    input.onStep?.(i + 1, timesteps.length, latents);
  }
  return { latents, unetMs, schedulerMs };
}

function allFinite(data: Float32Array): boolean {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i] as number)) return false;
  return true;
}

/** StableDiffusionInpaintPipeline's 4-channel step: keep the (re-noised) image outside the mask. */
function blendOutsideMask(
  scheduler: Scheduler,
  blend: MaskBlend,
  latents: Float32Array,
  timesteps: readonly number[],
  i: number,
): Float32Array {
  const proper =
    i < timesteps.length - 1
      ? scheduler.addNoise(blend.imageLatents, blend.noise, timesteps[i + 1] as number)
      : blend.imageLatents;
  const plane = blend.mask.length;
  const out = new Float32Array(latents.length);
  for (let k = 0; k < out.length; k++) {
    const m = blend.mask[k % plane] ?? 0;
    out[k] = Math.fround((1 - m) * (proper[k] ?? 0)) + Math.fround(m * (latents[k] ?? 0));
  }
  return out;
}
