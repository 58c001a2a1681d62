/**
 * The interface every scheduler port implements: diffusers' `set_timesteps`,
 * `scale_model_input`, `step`, `set_begin_index` and `add_noise`, on float32 NCHW latents.
 */

import type { TorchGenerator } from '../math/torch-generator.ts';

export interface Scheduler {
  /** The schedule after `setTimesteps`, in the order the model is called (Heun: 2n − 1 entries). */
  readonly timesteps: readonly number[];
  /** What the initial noise is multiplied by (float32 value). */
  readonly initNoiseSigma: number;
  /** Model evaluations per "step" as diffusers counts them (Heun 2, others 1). */
  readonly order: number;
  setTimesteps(numInferenceSteps: number): void;
  /**
   * diffusers' `set_begin_index`: the pipeline starts at `timesteps[index]` (img2img after
   * `get_timesteps`). Call after `setTimesteps`, which clears it.
   */
  setBeginIndex(index: number): void;
  /**
   * diffusers' `add_noise(original, noise, [timestep])`: `original` diffused to `timestep` (at the
   * begin / current step index for the step-indexed schedulers, as diffusers picks it).
   */
  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array;
  /** Returns a new array, or `sample` itself when the scheduler does not scale. */
  scaleModelInput(sample: Float32Array, timestep: number): Float32Array;
  /** One denoising step; returns the previous (less noisy) sample as a new array. */
  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, generator?: TorchGenerator): Float32Array;
}
