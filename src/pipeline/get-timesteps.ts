/**
 * The strength cut of image-to-image, ported from diffusers' `StableDiffusionImg2ImgPipeline.get_timesteps`
 * (pipeline_stable_diffusion_img2img.py, diffusers 58eb52c0; the inpainting pipeline copies it):
 *
 *   init_timestep = min(int(num_inference_steps · strength), num_inference_steps)
 *   t_start = max(num_inference_steps − init_timestep, 0)
 *   timesteps = scheduler.timesteps[t_start · order:]
 *   scheduler.set_begin_index(t_start · order)
 *
 * So 20 steps at strength 0.3 run the last 6 of the 20-step schedule. Where the references differ:
 * A1111 (modules/processing.py, sd_samplers_kdiffusion) runs `int(min(strength, 0.999) · steps)`
 * steps over a schedule of `steps / strength` ("do exactly the amount of steps the slider
 * specifies" off), and diffusers' ONNX img2img pipeline computes an offset from `steps_offset`
 * and indexes the timesteps backwards; we follow the PyTorch pipeline above, which the golden
 * numbers (tests/fixtures/img2img/add-noise.json) come from. Strength 1 keeps every timestep,
 * which is txt2img's schedule.
 */
import type { Scheduler } from '../schedulers/index.ts';

export interface StrengthSchedule {
  /** The timesteps the loop runs, in order. */
  timesteps: number[];
  /** `t_start · order`: index of `timesteps[0]` in the full schedule (also set as begin index). */
  beginIndex: number;
  /** `num_inference_steps − t_start`: denoising steps as diffusers counts them. */
  denoisingSteps: number;
}

/** Call after `scheduler.setTimesteps(steps)`; sets the scheduler's begin index. */
export function getTimesteps(scheduler: Scheduler, steps: number, strength: number): StrengthSchedule {
  if (!(strength >= 0 && strength <= 1)) throw new Error(`Strength must be between 0 and 1 (got ${strength}).`);
  // Python's int() truncates toward zero; the product is a float64 as in Python.
  const initTimestep = Math.min(Math.trunc(steps * strength), steps);
  const tStart = Math.max(steps - initTimestep, 0);
  const beginIndex = tStart * scheduler.order;
  const timesteps = scheduler.timesteps.slice(beginIndex);
  scheduler.setBeginIndex(beginIndex);
  return { timesteps, beginIndex, denoisingSteps: steps - tStart };
}
