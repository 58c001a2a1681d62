/**
 * The X/Y/Z plot in the app: one queued job made of cells. The axes are parsed and every cell
 * checked up front (src/xyz, pure); the cells are queued together under one group (the queue
 * shows them as one job, its × removes them all), each finished cell is an ordinary gallery image,
 * and when the last one is in, the labelled grid is composed and added to the gallery with
 * A1111's grid infotext (and, like every PNG, a C2PA manifest). Cancelling the running cell, or
 * removing the group from the queue, cancels the whole plot; cells made so far stay.
 */
import type { JobId, RgbaPixels } from '../protocol/messages.ts';
import { randomSeed, validateParams, type GenerationParams } from '../protocol/params.ts';
import { infotextFromParams } from '../metadata/generation-infotext.ts';
import { SAMPLERS } from '../schedulers/index.ts';
import { AxisError, AXIS_TYPES, parseAxis, type Axis, type AxisType } from '../xyz/axes.ts';
import { composeXyzGrid } from '../xyz/grid-image.ts';
import { gridInfotext, planXyz, type XyzPlan } from '../xyz/plan.ts';
import { VERSION_TAG } from './app-version.ts';
import type { StudioStore } from './store.ts';
import type { GalleryItem } from './types.ts';

export interface XyzAxisInput {
  /** An AXIS_TYPES label ("Nothing" for an unused axis). */
  type: string;
  values: string;
}

export type XyzRunStatus =
  | { phase: 'idle' }
  | { phase: 'running'; done: number; total: number }
  | { phase: 'done'; total: number; failed: number }
  | { phase: 'cancelled'; done: number; total: number };

export interface XyzRunner {
  /** Plans and queues the plot; returns an error message (nothing queued) or null. */
  start(axes: { x: XyzAxisInput; y: XyzAxisInput; z: XyzAxisInput }): string | null;
  cancel(): void;
  status(): XyzRunStatus;
  subscribe(listener: () => void): () => void;
}

const nothingType = AXIS_TYPES[0] as AxisType;

/** One runner per store (the app's is made in the composition root's store module). */
export function createXyzRunner(store: StudioStore): XyzRunner {
  let status: XyzRunStatus = { phase: 'idle' };
  const listeners = new Set<() => void>();
  let run: {
    group: string;
    plan: XyzPlan;
    jobs: Map<JobId, number>;
    pixels: (RgbaPixels | null)[];
    settled: Set<JobId>;
    firstItem: GalleryItem | null;
    firstIndex: number;
    stopUpdates: () => void;
  } | null = null;
  let groups = 0;

  const setStatus = (next: XyzRunStatus) => {
    status = next;
    for (const l of listeners) l();
  };

  const finish = (cancelled: boolean) => {
    if (!run) return;
    const current = run;
    run = null;
    current.stopUpdates();
    const state = store.getState();
    // Remove the plot's cells still waiting.
    for (const job of state.queue) if (job.group?.id === current.group) state.removeQueuedJob(job.id);
    const done = current.pixels.filter(Boolean).length;
    if (cancelled || !current.firstItem) {
      setStatus({ phase: 'cancelled', done, total: current.plan.cells.length });
      return;
    }
    const { plan, firstItem } = current;
    const grid = composeXyzGrid({
      cells: current.pixels,
      xLabels: plan.x.labels,
      yLabels: plan.y.labels,
      zLabels: plan.z.labels,
    });
    const cellInfotext = infotextFromParams(firstItem.params, {
      samplers: SAMPLERS,
      modelId: firstItem.modelId,
      version: VERSION_TAG,
    });
    const now = Date.now();
    state.addGalleryImage({
      ...firstItem,
      id: `${now.toString(36)}-xyz-${current.group}`,
      width: grid.width,
      height: grid.height,
      rgba: grid.rgba,
      png: null,
      thumb: null,
      dbKey: null,
      job: null,
      createdAt: now,
      infotext: gridInfotext(cellInfotext, plan),
    });
    setStatus({ phase: 'done', total: plan.cells.length, failed: plan.cells.length - done });
  };

  return {
    start(inputs) {
      if (run) return 'An X/Y/Z plot is already running; cancel it first.';
      const state = store.getState();
      const model = state.engine.model;
      if (!model || state.engine.phase !== 'ready') return 'The model is not loaded yet.';
      const context = { samplers: SAMPLERS, randomSeed: () => randomSeed(Math.random) };
      const input = state.jobInput();
      const { image: _i, variation: _v, interpolation: _f, ...form } = state.params;
      const base: GenerationParams = { ...form, ...input.params };
      let plan: XyzPlan;
      try {
        const axis = (name: string, a: XyzAxisInput): Axis => {
          const type = AXIS_TYPES.find((t) => t.label === a.type) ?? nothingType;
          try {
            return parseAxis(type, a.values, context);
          } catch (error) {
            if (error instanceof AxisError) throw new AxisError(`${name} axis: ${error.message}`);
            throw error;
          }
        };
        plan = planXyz(base, { x: axis('X', inputs.x), y: axis('Y', inputs.y), z: axis('Z', inputs.z) }, (p) =>
          validateParams(p, {
            samplers: SAMPLERS.map((s) => s.id),
            sizeMultiple: model.sizeMultiple,
            backend: state.engine.backend,
          }),
        );
      } catch (error) {
        if (error instanceof AxisError) return error.message;
        throw error;
      }
      groups += 1;
      const group = { id: `xyz-${groups}`, label: `X/Y/Z plot (${plan.cells.length} images)` };
      const jobs = new Map<JobId, number>();
      for (const cell of plan.cells) {
        const id = store.getState().nextJob;
        const ok = store.getState().generateWith({
          params: cell.params,
          ...(input.images ? { images: input.images } : {}),
          group,
        });
        if (!ok) {
          for (const job of jobs.keys()) store.getState().removeQueuedJob(job);
          return store.getState().notice?.text ?? 'The plot could not be queued.';
        }
        jobs.set(id, cell.index);
      }
      const stopImages = store.getState().onImageAdded((item) => {
        if (!run || item.job === null || !run.jobs.has(item.job) || !item.rgba) return;
        const index = run.jobs.get(item.job)!;
        run.pixels[index] = { rgba: item.rgba, width: item.width, height: item.height };
        // The grid takes the first cell's settings and infotext, as A1111's does.
        if (!run.firstItem || index < run.firstIndex) {
          run.firstItem = item;
          run.firstIndex = index;
        }
      });
      // A cell is settled when it is neither queued, running nor awaiting its terminal event.
      const stopState = store.subscribe((s) => {
        if (!run) return;
        for (const job of run.jobs.keys()) {
          if (run.settled.has(job)) continue;
          const waiting = s.queue.some((q) => q.id === job) || s.job?.id === job || job in s.requests;
          if (waiting) continue;
          run.settled.add(job);
          // Cancelled by the user (Cancel on a cell, or × on the group): the plot stops.
          if (s.lastRun?.outcome === 'cancelled' && run.pixels[run.jobs.get(job)!] == null) return finish(true);
        }
        const done = run.pixels.filter(Boolean).length;
        if (run.settled.size === run.jobs.size) finish(false);
        else if (status.phase === 'running' && status.done !== done)
          setStatus({ phase: 'running', done, total: run.jobs.size });
      });
      run = {
        group: group.id,
        plan,
        jobs,
        pixels: plan.cells.map(() => null),
        settled: new Set(),
        firstItem: null,
        firstIndex: Infinity,
        stopUpdates: () => {
          stopImages();
          stopState();
        },
      };
      setStatus({ phase: 'running', done: 0, total: plan.cells.length });
      return null;
    },
    cancel() {
      if (!run) return;
      const group = run.group;
      const s = store.getState();
      for (const job of s.queue) if (job.group?.id === group) s.removeQueuedJob(job.id);
      if (s.job && run.jobs.has(s.job.id)) s.cancelJob();
      else finish(true);
    },
    status: () => status,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
