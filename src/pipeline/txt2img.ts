/**
 * Text-to-image: the case of the one pipeline (generate.ts) with no source image, strength 1 —
 * diffusers' StableDiffusionPipeline.__call__ with A1111's prompt language in front:
 *
 *   g = Generator().manual_seed(seed); latents = randn([1, c, h, w], g) · init_noise_sigma
 *   for t in scheduler.timesteps:
 *     x = scale_model_input(cat([latents]·2) if cfg else latents, t)
 *     ε = unet(x, t, [uncond; cond]);  ε = ε_u + s·(ε_c − ε_u)
 *     latents = scheduler.step(ε, t, latents, generator=g)      # same generator continues
 *   image = vae.decode(latents / scaling_factor)
 * Guidance runs only when the scale is > 1, as diffusers' `do_classifier_free_guidance`.
 */
import { generate, type GenerateHooks, type GenerateRequest } from './generate.ts';
import type { DiffusionModel } from './types.ts';

export { CancelledError, previewOf, type GeneratedImage } from './generate.ts';
export { encodePrompts } from './conditioning.ts';

export type Txt2ImgRequest = Pick<
  GenerateRequest,
  'prompt' | 'negativePrompt' | 'seeds' | 'steps' | 'cfg' | 'sampler' | 'width' | 'height'
>;
export type Txt2ImgHooks = GenerateHooks;

export function txt2img(model: DiffusionModel, request: Txt2ImgRequest, hooks: Txt2ImgHooks): Promise<void> {
  return generate(model, request, hooks);
}
