/**
 * The small interfaces the pipeline runs over. The runtime implements them with onnxruntime
 * (web or node); tests can implement them with anything. Nothing here knows about ORT.
 */
import type { Float32Tensor } from '../math/tensor.ts';
import type { LatentRgbMap } from '../math/image.ts';
import type { PromptTokenizer } from '../prompt/index.ts';
import type { SchedulerConfig } from '../schedulers/index.ts';

export interface TextEncoderModel {
  /** ids: `batch` rows of `sequenceLength` token ids → last_hidden_state [batch, seq, dim]. */
  encode(ids: readonly (readonly number[])[]): Promise<Float32Tensor>;
}

export interface UnetModel {
  /** True when the batch axis is dynamic, so CFG can run as one batch-2 call. */
  readonly dynamicBatch: boolean;
  /** Set when the model only accepts this many context tokens (e.g. 77). */
  readonly fixedSequenceLength: number | null;
  /** Channels of the latents (4 for SD). */
  readonly latentChannels: number;
  /** Channels of the `sample` input: latentChannels (the default), or 2·latentChannels + 1 for inpainting U-Nets (9). */
  readonly inChannels?: number;
  /** sample [b, c, h, w], one timestep for the batch, context [b, seq, dim] → noise prediction [b, c, h, w]. */
  predict(sample: Float32Tensor, timestep: number, context: Float32Tensor): Promise<Float32Tensor>;
}

export interface VaeDecoderModel {
  /** latents [b, c, h, w] already divided by the scaling factor → image [b, 3, H, W] in [-1, 1]. */
  decode(latents: Float32Tensor): Promise<Float32Tensor>;
}

export interface EncodedImage {
  /** The posterior mean [b, c, h, w] (unscaled). */
  mean: Float32Tensor;
  /** The posterior log-variance, when the export returns the full `latent_dist` moments. */
  logvar: Float32Tensor | null;
}

export interface VaeEncoderModel {
  /** image [b, 3, H, W] in [-1, 1] → the latent distribution's parameters (not scaled). */
  encode(image: Float32Tensor): Promise<EncodedImage>;
}

export interface ModelInfo {
  id: string;
  scalingFactor: number;
  /** Pixels per latent cell (8 for SD). */
  vaeFactor: number;
  /** Default latent size (U-Net sample_size). */
  sampleSize: number;
  latentRgb: LatentRgbMap;
}

export interface DiffusionModel {
  info: ModelInfo;
  tokenizer: PromptTokenizer;
  textEncoder: TextEncoderModel;
  unet: UnetModel;
  vaeDecoder: VaeDecoderModel;
  /** Null when the model ships no `vae_encoder/` (then it cannot start from an image). */
  vaeEncoder?: VaeEncoderModel | null;
  schedulerConfig: SchedulerConfig;
}

/** Wall-clock source, injected so the pure core does not depend on `performance`. */
export type Clock = () => number;
