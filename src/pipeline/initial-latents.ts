/**
 * Initial-latent builders, one per way a job can start, each ported from the diffusers pipeline
 * that owns it (diffusers 58eb52c0):
 *
 * - txt2img — `StableDiffusionPipeline.prepare_latents`: noise × init_noise_sigma (src/schedulers/prepare-latents.ts).
 * - img2img — `StableDiffusionImg2ImgPipeline.prepare_latents`: the VAE encodes the image,
 *   `retrieve_latents` takes `latent_dist.sample(generator)` = mean + exp(0.5·clamp(logvar, −30, 20))·randn,
 *   × scaling_factor; then the noise from the same generator; then
 *   `scheduler.add_noise(init_latents, noise, timesteps[:1])` (no init_noise_sigma).
 * - inpainting — `StableDiffusionInpaintPipeline.prepare_latents`: at strength 1 pure noise ×
 *   init_noise_sigma, else as img2img; image latents are still encoded for a 4-channel U-Net's
 *   blend; `prepare_mask_latents` encodes the masked image (after the noise) for 9-channel U-Nets.
 *
 * Exports whose VAE encoder returns only the posterior mean (diffusers' ONNX export, our tiny
 * model) give the mode; we still draw the sample's randn so the generator stays where diffusers'
 * would be and the noise that follows is diffusers' noise for that seed.
 */
import type { TorchGenerator } from '../math/torch-generator.ts';
import { imageToTensor, type RgbaImage } from '../math/image-ops.ts';
import type { Float32Tensor } from '../math/tensor.ts';
import { EngineError } from '../protocol/messages.ts';
import type { DiffusionModel } from './types.ts';

const fround = Math.fround;

/** `retrieve_latents(vae.encode(image), generator) * scaling_factor`, float32. */
export async function encodeImageLatents(
  model: DiffusionModel,
  image: RgbaImage | Float32Tensor,
  /** null takes the mode (`latent_dist.mode()`, A1111's conditioning encode): no draw. */
  generator: TorchGenerator | null,
): Promise<Float32Tensor> {
  if (!model.vaeEncoder) {
    throw new EngineError('model-unsupported', 'This model has no VAE encoder, so it cannot start from an image.');
  }
  const { mean, logvar } = await model.vaeEncoder.encode('dims' in image ? image : imageToTensor(image));
  // DiagonalGaussianDistribution.sample: randn_tensor(mean.shape, generator=generator).
  const eps = generator ? generator.randn(mean.dims) : null;
  const sf = fround(model.info.scalingFactor);
  const out = new Float32Array(mean.data.length);
  for (let i = 0; i < out.length; i++) {
    let x = mean.data[i] ?? 0;
    if (logvar && eps) {
      const lv = Math.min(Math.max(logvar.data[i] ?? 0, -30), 20);
      const std = fround(Math.exp(fround(0.5 * lv)));
      x = fround(x + fround(std * (eps[i] ?? 0)));
    }
    out[i] = fround(sf * x);
  }
  return { data: out, dims: mean.dims };
}

/** What "masked content" does to the image latents inside the mask (A1111 `inpainting_fill` 1–3). */
export function applyMaskedContent(
  imageLatents: Float32Array,
  noise: Float32Array,
  latentMask: Float32Array,
  content: 'original' | 'latent-noise' | 'latent-nothing' | 'fill',
): Float32Array {
  if (content === 'original' || content === 'fill') return imageLatents;
  const plane = latentMask.length;
  // A1111: init_latent·(1 − m) + create_random_tensors(seeds)·m — the seed's own first noise.
  return imageLatents.map((v, k) => {
    const m = latentMask[k % plane] ?? 0;
    const inside = content === 'latent-noise' ? (noise[k] ?? 0) : 0;
    return fround(fround((1 - m) * v) + fround(m * inside));
  });
}

/**
 * A 9-channel U-Net's extra input when nothing is masked (txt2img, or img2img without a mask):
 * A1111's `txt2img_image_conditioning` / `inpainting_image_conditioning` without a mask — mask 1
 * everywhere and the latents of a blank (mid-grey, 0 in [−1, 1]) image, taken as the mode so the
 * seed's noise stays txt2img's; zeros when there is no encoder.
 */
export async function fullMaskChannels(
  model: DiffusionModel,
  latentShape: readonly number[],
  factor: number,
): Promise<Float32Array> {
  const [, c = 4, h = 0, w = 0] = latentShape;
  const mask = new Float32Array(h * w).fill(1);
  if (!model.vaeEncoder) return inpaintingChannels(mask, new Float32Array(c * h * w));
  const blank = { data: new Float32Array(3 * h * factor * w * factor), dims: [1, 3, h * factor, w * factor] };
  return inpaintingChannels(mask, (await encodeImageLatents(model, blank, null)).data);
}

/** [1, 1 + c, h, w] = cat([mask, masked_image_latents], dim=1), the 9-channel U-Net's extra input. */
export function inpaintingChannels(latentMask: Float32Array, maskedImageLatents: Float32Array): Float32Array {
  const out = new Float32Array(latentMask.length + maskedImageLatents.length);
  out.set(latentMask, 0);
  out.set(maskedImageLatents, latentMask.length);
  return out;
}
