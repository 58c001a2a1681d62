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
  readonly latentChannels: number;
  /** sample [b, c, h, w], one timestep for the batch, context [b, seq, dim] → noise prediction [b, c, h, w]. */
  predict(sample: Float32Tensor, timestep: number, context: Float32Tensor): Promise<Float32Tensor>;
}

export interface VaeDecoderModel {
  /** latents [b, c, h, w] already divided by the scaling factor → image [b, 3, H, W] in [-1, 1]. */
  decode(latents: Float32Tensor): Promise<Float32Tensor>;
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
  schedulerConfig: SchedulerConfig;
}

/** Wall-clock source, injected so the pure core does not depend on `performance`. */
export type Clock = () => number;
