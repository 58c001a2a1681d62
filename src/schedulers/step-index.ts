/**
 * The step-index bookkeeping every diffusers scheduler with a `_step_index` shares
 * (EulerDiscreteScheduler, EulerAncestral, Heun, DPMSolverMultistep, LCM at diffusers 58eb52c0):
 * `set_timesteps` clears both indices; `set_begin_index` (called by img2img / inpainting pipelines
 * after `get_timesteps`) fixes where the loop starts; `_init_step_index` takes the begin index when
 * there is one, else searches the schedule; `add_noise` picks its index the same three ways.
 */
export class StepIndex {
  /** `_begin_index`: set by the pipeline, or null (txt2img, training). */
  begin: number | null = null;
  /** `_step_index`: null until the first `step` / `scale_model_input`. */
  current: number | null = null;

  /** What `set_timesteps` does to both indices. */
  reset(): void {
    this.begin = null;
    this.current = null;
  }

  setBegin(index: number): void {
    if (!Number.isInteger(index) || index < 0)
      throw new Error(`begin index must be a non-negative integer, got ${index}`);
    this.begin = index;
  }

  /** `_init_step_index`: the begin index if set, else `search(timestep)`. */
  resolve(search: () => number): number {
    if (this.current === null) this.current = this.begin ?? search();
    return this.current;
  }

  /**
   * The index `add_noise` reads its sigma at: searched when no begin index was set; the current
   * step index once stepping started (inpainting re-noises after each step); else the begin index
   * (img2img's initial latents).
   */
  forAddNoise(search: () => number): number {
    if (this.begin === null) return search();
    return this.current ?? this.begin;
  }
}
