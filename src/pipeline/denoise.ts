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
 *
 * Batches (A1111's "Batch size", diffusers' `num_images_per_prompt`): N images share each U-Net
 * call, x = cat([x₁…x_N]) (with CFG cat([x₁…x_N, x₁…x_N]) against cat([uncond·N, cond₁…cond_N])),
 * when the U-Net's batch axis is dynamic. Every image keeps its own scheduler and generator, so
 * its pixels are those it gets alone (tests/node/batch-in-one-call.test.ts).
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

export interface MaskBlend {
  /** Clean image latents (× scaling factor), [1, c, h, w]. */
  imageLatents: Float32Array;
  /** The noise the initial latents were made with. */
  noise: Float32Array;
  /** 1 = repaint, per latent cell [h·w], broadcast over channels. */
  mask: Float32Array;
}

/**
 * One image of a batch: its own scheduler (they keep per-image state), latents and generator
 * (ancestral samplers draw their noise from it), so an image of a batch gets exactly the numbers
 * it would get alone; only the U-Net call is shared.
 */
export interface DenoiseImage {
  scheduler: Scheduler;
  /** [1, c, h, w] */
  latents: Float32Array;
  generator: TorchGenerator;
  /** [1, tokens, dim] (interpolation frames each have their own). */
  cond: Float32Tensor;
  blend?: MaskBlend | null;
  /** 9-channel inpainting U-Nets: [1, 5, h, w] = cat([mask, masked_image_latents]). */
  extraChannels?: Float32Array | null;
}

export interface DenoiseInput {
  unet: UnetModel;
  timesteps: readonly number[];
  /** One image's latent shape, [1, c, h, w]. */
  shape: readonly number[];
  images: readonly DenoiseImage[];
  /** [1, tokens, dim]; null when guidance does not run (scale ≤ 1). */
  uncond: Float32Tensor | null;
  scale: number;
  clock: Clock;
  checkCancelled: () => void;
  /** After every step, with the first image's latents (the preview). */
  onStep?: (step: number, steps: number, latents: Float32Tensor) => void;
}

export interface DenoiseResult {
  /** Per image, [1, c, h, w]. */
  latents: Float32Array[];
  /** Per step: the time of that step's U-Net call(s), shared by the batch. */
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

/**
 * Rows stacked on the batch axis: diffusers' `torch.cat([latents] * 2)` with CFG, whose context is
 * `cat([negative_prompt_embeds] · N, prompt_embeds)` (`num_images_per_prompt` = N).
 */
const stack = (rows: readonly Float32Tensor[]) => (rows.length === 1 ? (rows[0] as Float32Tensor) : concatBatch(rows));

export async function denoise(input: DenoiseInput): Promise<DenoiseResult> {
  const { unet, timesteps, images, clock, shape } = input;
  const n = images.length;
  let latents = images.map((im) => im.latents);
  const unetMs: number[] = [];
  let schedulerMs = 0;
  const cfg = input.uncond !== null && input.scale > 1;
  const uncond = input.uncond as Float32Tensor;
  const conds = images.map((im) => im.cond);
  const withExtra = (x: Float32Tensor, k: number) => {
    const extra = images[k]?.extraChannels;
    return extra ? withExtraChannels(x, extra) : x;
  };
  // A fixed batch axis takes one row per call (CFG: two calls per image), as before batching.
  const together = unet.dynamicBatch;
  const batchContext = together ? stack(cfg ? [...Array<Float32Tensor>(n).fill(uncond), ...conds] : conds) : null;

  for (let i = 0; i < timesteps.length; i++) {
    input.checkCancelled();
    const t = timesteps[i] as number;
    const s0 = clock();
    const scaled: Float32Tensor[] = images.map((im, k) =>
      withExtra({ data: im.scheduler.scaleModelInput(latents[k] as Float32Array, t), dims: shape }, k),
    );
    schedulerMs += clock() - s0;
    const u0 = clock();
    const noise: Float32Array[] = [];
    if (together) {
      const out = await unet.predict(stack(cfg ? [...scaled, ...scaled] : scaled), t, batchContext as Float32Tensor);
      const rows = splitBatch(out, cfg ? 2 * n : n);
      for (let k = 0; k < n; k++) {
        const c = (rows[cfg ? n + k : k] as Float32Tensor).data;
        noise.push(cfg ? classifierFreeGuidance((rows[k] as Float32Tensor).data, c, input.scale) : c);
      }
    } else {
      for (let k = 0; k < n; k++) {
        const x = scaled[k] as Float32Tensor;
        // The unconditional pass first, as the one-call path orders its rows.
        const u = cfg ? (await unet.predict(x, t, uncond)).data : null;
        const c = (await unet.predict(x, t, conds[k] as Float32Tensor)).data;
        noise.push(u ? classifierFreeGuidance(u, c, input.scale) : c);
      }
    }
    unetMs.push(clock() - u0);
    const s1 = clock();
    latents = images.map((im, k) => {
      let next = im.scheduler.step(noise[k] as Float32Array, t, latents[k] as Float32Array, im.generator);
      if (im.blend) next = blendOutsideMask(im.scheduler, im.blend, next, timesteps, i);
      // NaN/Infinity never heal: stop with a sentence instead of decoding a black image.
      if (!allFinite(next)) {
        throw new EngineError(
          'internal',
          `The image went numerically invalid (NaN or Infinity) at step ${i + 1} of ${timesteps.length}, so it was not made. Lower the CFG scale or prompt weights, or try another sampler or backend.`,
        );
      }
      return next;
    });
    schedulerMs += clock() - s1;
    input.onStep?.(i + 1, timesteps.length, { data: latents[0] as Float32Array, dims: shape });
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
