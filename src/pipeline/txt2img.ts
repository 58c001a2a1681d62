/**
 * Text-to-image, ported from diffusers' StableDiffusionPipeline.__call__ (encode_prompt,
 * prepare_latents, the denoising loop with classifier-free guidance, and the VAE decode), with
 * A1111's prompt language in front (emphasis weights, 75-token chunks, BREAK).
 *
 * Order of operations per image, exactly as diffusers with a CPU generator:
 *   g = Generator().manual_seed(seed); latents = randn([1, c, h, w], g) · init_noise_sigma
 *   for t in scheduler.timesteps:
 *     x = scale_model_input(cat([latents]·2) if cfg else latents, t)
 *     ε = unet(x, t, [uncond; cond]);  ε = ε_u + s·(ε_c − ε_u)
 *     latents = scheduler.step(ε, t, latents, generator=g)      # same generator continues
 *   image = vae.decode(latents / scaling_factor)
 * Guidance runs only when the scale is > 1, as diffusers' `do_classifier_free_guidance`.
 */
import { TorchGenerator } from '../math/torch-generator.ts';
import { decodedToRgba, latentsToPreviewRgba } from '../math/image.ts';
import { classifierFreeGuidance, concatBatch, divide, scale, splitBatch, type Float32Tensor } from '../math/tensor.ts';
import {
  applyEmphasis,
  concatChunks,
  encodePromptPair,
  truncateToSingleChunk,
  type PromptChunk,
} from '../prompt/index.ts';
import { createScheduler, isSamplerId } from '../schedulers/index.ts';
import { EngineError, type ImageTimings } from '../protocol/messages.ts';
import type { Clock, DiffusionModel } from './types.ts';

export interface Txt2ImgRequest {
  prompt: string;
  negativePrompt: string;
  seeds: readonly string[];
  steps: number;
  cfg: number;
  sampler: string;
  width: number;
  height: number;
}

export interface Txt2ImgHooks {
  clock: Clock;
  /** Checked before every model call; returning true stops the job with CancelledError. */
  isCancelled?: () => boolean;
  onStep?: (info: { image: number; step: number; steps: number; latents: Float32Tensor }) => void;
  /** Called once per finished image, in seed order. */
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
}

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

interface EncodedPrompts {
  /** [1, tokens, dim] for the prompt, and the negative prompt when guidance runs. */
  cond: Float32Tensor;
  uncond: Float32Tensor | null;
  droppedTokens: number;
  tokenizeMs: number;
  textEncoderMs: number;
}

/** Tokenizes with A1111's chunking, encodes every chunk, applies emphasis, joins the chunks. */
export async function encodePrompts(
  model: DiffusionModel,
  prompt: string,
  negativePrompt: string,
  guidance: boolean,
  clock: Clock,
): Promise<EncodedPrompts> {
  const t0 = clock();
  const pair = encodePromptPair(prompt, negativePrompt, model.tokenizer);
  let cond: PromptChunk[] = pair.cond;
  let uncond: PromptChunk[] = pair.uncond;
  let droppedTokens = 0;
  if (model.unet.fixedSequenceLength !== null) {
    const truncated = truncateToSingleChunk(cond);
    droppedTokens = truncated.droppedTokens;
    cond = [truncated.chunk];
    uncond = [truncateToSingleChunk(uncond).chunk];
  }
  const chunks = guidance ? [...uncond, ...cond] : cond;
  const t1 = clock();
  const hidden = await model.textEncoder.encode(chunks.map((c) => c.ids));
  const [, tokens = 0, dim = 0] = hidden.dims;
  const perChunk = splitBatch(hidden, chunks.length).map((part, i) =>
    applyEmphasis(part.data, tokens, dim, (chunks[i] as PromptChunk).weights),
  );
  // Chunks join along the token axis: [1, 77·k, dim] (A1111's torch.hstack of chunk outputs).
  const join = (parts: Float32Array[]): Float32Tensor => ({
    data: concatChunks(parts, dim),
    dims: [1, parts.length * tokens, dim],
  });
  const condParts = guidance ? perChunk.slice(uncond.length) : perChunk;
  const result: EncodedPrompts = {
    cond: join(condParts),
    uncond: guidance ? join(perChunk.slice(0, uncond.length)) : null,
    droppedTokens,
    tokenizeMs: t1 - t0,
    textEncoderMs: clock() - t1,
  };
  return result;
}

export async function txt2img(model: DiffusionModel, request: Txt2ImgRequest, hooks: Txt2ImgHooks): Promise<void> {
  const { clock } = hooks;
  const checkCancelled = () => {
    if (hooks.isCancelled?.()) throw new CancelledError();
  };
  if (!isSamplerId(request.sampler)) throw new Error(`Unknown sampler "${request.sampler}"`);
  const factor = model.info.vaeFactor;
  if (request.width % factor !== 0 || request.height % factor !== 0) {
    throw new Error(`Image size must be a multiple of ${factor}`);
  }
  const latentShape = [1, model.unet.latentChannels, request.height / factor, request.width / factor];
  const guidance = request.cfg > 1;

  const jobStart = clock();
  checkCancelled();
  const prompts = await encodePrompts(model, request.prompt, request.negativePrompt, guidance, clock);
  const context = prompts.uncond ? concatBatch([prompts.uncond, prompts.cond]) : prompts.cond;
  const contextSingle = prompts.cond;

  for (let index = 0; index < request.seeds.length; index++) {
    const seed = request.seeds[index] as string;
    const imageStart = clock();
    const scheduler = createScheduler(request.sampler, model.schedulerConfig);
    scheduler.setTimesteps(request.steps);
    const generator = new TorchGenerator(BigInt(seed));
    let latents: Float32Tensor = {
      data: scale(generator.randn(latentShape), scheduler.initNoiseSigma),
      dims: latentShape,
    };
    const unetMs: number[] = [];
    let schedulerMs = 0;
    const timesteps = scheduler.timesteps;
    for (let i = 0; i < timesteps.length; i++) {
      checkCancelled();
      const t = timesteps[i] as number;
      const s0 = clock();
      const scaled = scheduler.scaleModelInput(latents.data, t);
      schedulerMs += clock() - s0;
      const u0 = clock();
      let noise: Float32Array;
      if (!guidance || !prompts.uncond) {
        noise = (await model.unet.predict({ data: scaled, dims: latentShape }, t, contextSingle)).data;
      } else if (model.unet.dynamicBatch) {
        const doubled = concatBatch([
          { data: scaled, dims: latentShape },
          { data: scaled, dims: latentShape },
        ]);
        const both = await model.unet.predict(doubled, t, context);
        const [u, c] = splitBatch(both, 2) as [Float32Tensor, Float32Tensor];
        noise = classifierFreeGuidance(u.data, c.data, request.cfg);
      } else {
        const u = await model.unet.predict({ data: scaled, dims: latentShape }, t, prompts.uncond);
        const c = await model.unet.predict({ data: scaled, dims: latentShape }, t, prompts.cond);
        noise = classifierFreeGuidance(u.data, c.data, request.cfg);
      }
      unetMs.push(clock() - u0);
      const s1 = clock();
      latents = { data: scheduler.step(noise, t, latents.data, generator), dims: latentShape };
      schedulerMs += clock() - s1;
      // NaN/Infinity never heal: stop with a sentence instead of decoding a black image.
      if (!allFinite(latents.data)) {
        throw new EngineError(
          'internal',
          `The image went numerically invalid (NaN or Infinity) at step ${i + 1} of ${timesteps.length}, so it was not made. Lower the CFG scale or prompt weights, or try another sampler or backend.`,
        );
      }
      hooks.onStep?.({ image: index, step: i + 1, steps: timesteps.length, latents });
    }
    checkCancelled();
    const v0 = clock();
    const decoded = await model.vaeDecoder.decode({
      data: divide(latents.data, model.info.scalingFactor),
      dims: latentShape,
    });
    const vaeMs = clock() - v0;
    const pixels = decodedToRgba(decoded);
    const firstImage = index === 0;
    hooks.onImage({
      index,
      seed,
      ...pixels,
      droppedTokens: prompts.droppedTokens,
      timings: {
        tokenizeMs: firstImage ? prompts.tokenizeMs : 0,
        textEncoderMs: firstImage ? prompts.textEncoderMs : 0,
        unetMs,
        schedulerMs,
        vaeMs,
        totalMs: clock() - (firstImage ? jobStart : imageStart),
      },
    });
  }
}

/** The cheap preview of the current latents, for progress events. */
export function previewOf(model: DiffusionModel, latents: Float32Tensor) {
  return latentsToPreviewRgba(latents, model.info.latentRgb, model.info.scalingFactor);
}

function allFinite(data: Float32Array): boolean {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i] as number)) return false;
  return true;
}
