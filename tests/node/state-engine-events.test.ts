/**
 * The engine reducer (src/state/engine-events.ts) as pure functions, with no worker and no DOM:
 * requests are routed through the pending map, a model's defaults are applied once from the
 * merged source, stale answers change nothing, and a lost engine ends the running job clearly
 * while the queue survives and the model is loaded again.
 */
import { describe, expect, it } from 'vitest';
import type { EngineEvent, EngineRequest, ModelSummary } from '../../src/protocol/messages.ts';
import {
  enqueueGenerate,
  enqueueLatest,
  reduceEngineEvent,
  requestCancel,
  requestLoad,
  requestTokenCount,
  type BridgeEvent,
  type EngineData,
  type Reduction,
} from '../../src/state/engine-events.ts';
import { SAMPLER_IDS } from '../../src/state/engine-slice.ts';
import { createStudioStore } from '../../src/state/store.ts';
import { reducerContext, tinySummary } from '../support/reducer-fixtures.ts';

const context = reducerContext;
const tiny = tinySummary;
const turbo: ModelSummary = { ...tiny, id: 'sd-turbo', width: 512, height: 512, sizeMultiple: 64, fixedSequence: true };
const tinyRef = { id: 'tiny-shapes', baseUrl: 'models/tiny-shapes/' };
const turboRef = { id: 'sd-turbo', baseUrl: 'https://example.test/sd-turbo/', storage: 'opfs' as const };

/** The initial data of a fresh store: exactly what the app starts from. */
const initial = (): EngineData => createStudioStore().getState();

const sent = (r: Reduction): EngineRequest[] => r.effects.flatMap((e) => (e.type === 'send' ? [e.request] : []));

/** Runs events in order, collecting all effects. */
function feed(state: EngineData, ...events: BridgeEvent[]): Reduction {
  let result: Reduction = { state, effects: [] };
  for (const event of events) {
    const next = reduceEngineEvent(result.state, event, context);
    result = { state: next.state, effects: [...result.effects, ...next.effects] };
  }
  return result;
}

const ready = (job: number, model: ModelSummary): EngineEvent => ({
  type: 'ready',
  job,
  backend: 'wasm',
  adapter: null,
  threads: 1,
  crossOriginIsolated: true,
  model,
});

/** A store state with the tiny model loaded. */
function loaded(): EngineData {
  const load = requestLoad(initial(), tinyRef, 'wasm', null);
  return feed(load.state, ready(1, tiny)).state;
}

describe('engine reducer: loads and model defaults', () => {
  it('a load is a pending request; its ready applies the merged defaults once', () => {
    const start = { ...initial(), params: { ...initial().params, steps: 30, cfg: 9, width: 64, height: 64 } };
    const load = requestLoad(start, turboRef, 'webgpu', {
      steps: 1,
      cfg: 1,
      sampler: 'euler',
      width: 512,
      height: 512,
    });
    expect(sent(load)).toEqual([{ type: 'load', job: 1, model: turboRef, backend: 'webgpu' }]);
    expect(load.state.requests[1]).toMatchObject({ kind: 'load' });
    expect(load.state.engine.phase).toBe('loading');
    // Nothing changes in the form before the model is ready.
    expect(load.state.params.steps).toBe(30);
    const done = feed(load.state, ready(1, turbo));
    expect(done.state.requests).toEqual({});
    expect(done.state.params).toMatchObject({ steps: 1, cfg: 1, width: 512, height: 512, sampler: 'euler' });
    expect(done.effects.map((e) => e.type)).toEqual(['count-tokens']);
  });

  it('the model files win over the catalog for size and sampler; steps and CFG come from the catalog', () => {
    const load = requestLoad(initial(), turboRef, 'wasm', {
      steps: 2,
      cfg: 0,
      sampler: 'ddim',
      width: 256,
      height: 256,
    });
    const { params } = feed(load.state, ready(1, turbo)).state;
    expect(params).toMatchObject({ steps: 2, cfg: 0, width: 512, height: 512, sampler: 'euler' });
  });

  it('without defaults (the last visit restored), keeps params the model accepts and fixes the rest', () => {
    const restored = {
      ...initial(),
      params: { ...initial().params, steps: 33, width: 96, height: 100, sampler: 'nope' },
    };
    const load = requestLoad(restored, tinyRef, 'wasm', null);
    const { params } = feed(load.state, ready(1, tiny)).state;
    expect(params).toMatchObject({ steps: 33, width: 64, height: 64, sampler: 'euler' });
  });

  it('a later successful load clears a stale "Could not load the model" notice', () => {
    const first = requestLoad(initial(), turboRef, 'wasm', null);
    const failed = feed(first.state, { type: 'error', job: 1, code: 'model-corrupt', message: 'bad graph' });
    expect(failed.state.notice?.text).toBe('Could not load the model: bad graph');
    expect(failed.state.engine.phase).toBe('error');
    const second = requestLoad(failed.state, tinyRef, 'wasm', null);
    const ok = feed(second.state, ready(2, tiny));
    expect(ok.state.engine.phase).toBe('ready');
    expect(ok.state.notice).toBeNull();
  });

  it('a failed load is reported for its own model, even when a newer load superseded it', () => {
    const a = requestLoad(initial(), turboRef, 'wasm', null);
    const b = requestLoad(a.state, tinyRef, 'wasm', null);
    const failed = feed(b.state, {
      type: 'error',
      job: 1,
      code: 'model-corrupt',
      message: 'bad',
      file: 'unet/model.onnx',
    });
    expect(failed.effects).toEqual([
      {
        type: 'load-failed',
        failure: { model: turboRef, code: 'model-corrupt', message: 'bad', file: 'unet/model.onnx' },
      },
    ]);
    // The studio is loading the newer model: no error phase, no notice for the old one.
    expect(failed.state.engine.phase).toBe('loading');
    expect(failed.state.notice).toBeNull();
    expect(feed(failed.state, ready(2, tiny)).state.engine).toMatchObject({ phase: 'ready', model: tiny });
  });

  it('a ready for a load that a newer one supersedes keeps the studio loading', () => {
    const a = requestLoad(initial(), tinyRef, 'wasm', null);
    const b = requestLoad(a.state, turboRef, 'wasm', null);
    const first = feed(b.state, ready(1, tiny));
    expect(first.state.engine.phase).toBe('loading');
    expect(feed(first.state, ready(2, turbo)).state.engine.model?.id).toBe('sd-turbo');
  });

  it('only the newest load reports progress', () => {
    const a = requestLoad(initial(), tinyRef, 'wasm', null);
    const b = requestLoad(a.state, turboRef, 'wasm', null);
    const old = feed(b.state, { type: 'load-progress', job: 1, file: 'unet/model.onnx', loaded: 1, total: 2 });
    expect(old.state.engine.loadProgress).toBeNull();
    const current = feed(b.state, { type: 'load-progress', job: 2, file: 'unet/model.onnx', loaded: 1, total: 2 });
    expect(current.state.engine.loadProgress).toEqual({ file: 'unet/model.onnx', loaded: 1, total: 2 });
  });
});

describe('engine reducer: jobs, queue, counters', () => {
  it('refuses to queue before the model is ready, and with invalid params', () => {
    const refused = enqueueGenerate(initial(), SAMPLER_IDS);
    expect(refused.accepted).toBe(false);
    expect(refused.state.notice?.text).toBe('The model is not loaded yet.');
    const bad = enqueueGenerate({ ...loaded(), params: { ...loaded().params, steps: 0 } }, SAMPLER_IDS);
    expect(bad.accepted).toBe(false);
    expect(bad.state.paramIssues.map((i) => i.field)).toEqual(['steps']);
    expect(sent(bad)).toEqual([]);
  });

  it('runs one job at a time; the next starts when the running one ends', () => {
    const first = enqueueGenerate(loaded(), SAMPLER_IDS);
    const second = enqueueGenerate(first.state, SAMPLER_IDS);
    expect(sent(first).map((r) => r.type)).toEqual(['generate']);
    expect(sent(second)).toEqual([]);
    expect(second.state.queue).toHaveLength(1);
    const jobId = first.state.job?.id as number;
    const progress = feed(second.state, { type: 'progress', job: jobId, image: 0, images: 1, step: 3, steps: 20 });
    expect(progress.state.job).toMatchObject({ step: 3, steps: 20 });
    const done = feed(progress.state, { type: 'done', job: jobId });
    expect(done.state.lastRun).toEqual({ outcome: 'done', step: 3, steps: 20 });
    expect(sent(done)).toEqual([expect.objectContaining({ type: 'generate', job: second.state.queue[0]?.id })]);
    expect(done.state.queue).toEqual([]);
  });

  it('an image joins the gallery with the params that made it and is handed to the savers', () => {
    const run = enqueueGenerate(
      { ...loaded(), params: { ...loaded().params, seed: '41', batchCount: 2 } },
      SAMPLER_IDS,
    );
    const job = run.state.job?.id as number;
    const rgba = new Uint8ClampedArray(64 * 64 * 4);
    const timings = {
      tokenizeMs: 0,
      textEncoderMs: 1,
      unetMs: [2],
      schedulerMs: 0,
      vaeMs: 3,
      totalMs: 6,
      sessionRunMs: 5,
    };
    const image = feed(run.state, {
      type: 'image',
      job,
      index: 1,
      rgba,
      width: 64,
      height: 64,
      seed: '42',
      timings,
      droppedTokens: 0,
    });
    const [item] = image.state.gallery;
    expect(item).toMatchObject({ modelId: 'tiny-shapes', params: { seed: '42', batchCount: 1 }, job, dbKey: null });
    expect(image.effects).toEqual([{ type: 'image-added', item }]);
    // An image of a job that is not running (a stale one) is dropped.
    expect(
      feed(run.state, {
        type: 'image',
        job: 999,
        index: 0,
        rgba,
        width: 64,
        height: 64,
        seed: '1',
        timings,
        droppedTokens: 0,
      }).state.gallery,
    ).toEqual([]);
  });

  it('Live replaces the queue and cancels the running job', () => {
    const a = enqueueGenerate(loaded(), SAMPLER_IDS);
    const b = enqueueGenerate(a.state, SAMPLER_IDS);
    const latest = enqueueLatest(b.state, SAMPLER_IDS);
    expect(sent(latest)).toEqual([{ type: 'cancel', job: a.state.job?.id }]);
    expect(latest.state.queue.map((j) => j.id)).toEqual([b.state.nextJob]);
    expect(latest.state.job?.cancelling).toBe(true);
    expect(requestCancel(latest.state).effects).toHaveLength(1);
  });

  it('only the newest token count is shown; an older answer is dropped', () => {
    const one = requestTokenCount(loaded());
    const two = requestTokenCount(one.state);
    const first = sent(one)[0] as EngineRequest;
    const second = sent(two)[0] as EngineRequest;
    const count = (job: number, used: number): EngineEvent => ({
      type: 'token-count',
      job,
      prompt: { used, limit: 75 },
      negativePrompt: { used: 0, limit: 75 },
      fixedSequence: false,
    });
    const stale = feed(two.state, count(first.job, 5));
    expect(stale.state.tokenCounts).toBeNull();
    expect(stale.state.requests[first.job]).toBeUndefined();
    expect(feed(stale.state, count(second.job, 7)).state.tokenCounts?.prompt.used).toBe(7);
    // A count that fails (no model) is not a job error.
    const failed = feed(two.state, {
      type: 'error',
      job: second.job,
      code: 'no-model',
      message: 'No model is loaded.',
    });
    expect(failed.state.notice).toBeNull();
  });

  it('device loss ends the job and puts the engine in error, offering a reload', () => {
    const run = enqueueGenerate(loaded(), SAMPLER_IDS);
    const job = run.state.job?.id as number;
    const lost = feed(run.state, { type: 'error', job, code: 'device-lost', message: 'The GPU device was lost (x).' });
    expect(lost.state.engine.phase).toBe('error');
    expect(lost.state.job).toBeNull();
    expect(lost.state.notice).toMatchObject({ code: 'device-lost' });
  });
});

describe('engine reducer: a lost engine', () => {
  it('ends the running job with a clear message, keeps the queue, and loads the model again', () => {
    const a = enqueueGenerate(loaded(), SAMPLER_IDS);
    const b = enqueueGenerate(a.state, SAMPLER_IDS);
    const counting = requestTokenCount(b.state);
    const lost = feed(counting.state, {
      type: 'engine-lost',
      reason: 'hung',
      detail: 'no message for 120 s',
      restarted: true,
    });
    expect(lost.state.job).toBeNull();
    expect(lost.state.lastRun?.outcome).toBe('error');
    expect(lost.state.queue.map((j) => j.params.prompt)).toEqual([b.state.queue[0]?.params.prompt]);
    expect(lost.state.notice?.text).toMatch(/stopped responding while generating.*restarted.*1 queued job/);
    expect(lost.state.notice?.detail).toBe('no message for 120 s');
    expect(lost.state.engine).toMatchObject({ phase: 'loading', restarts: 1 });
    // Nothing from the old worker is pending any more; only the new load is.
    const load = sent(lost)[0];
    expect(load).toMatchObject({ type: 'load', model: tinyRef, backend: 'wasm' });
    expect(Object.values(lost.state.requests)).toEqual([
      { kind: 'load', model: tinyRef, backend: 'wasm', defaults: null },
    ]);
    // Once the model is back, the queued job runs.
    const back = feed(lost.state, ready((load as { job: number }).job, tiny));
    expect(sent(back)).toEqual([expect.objectContaining({ type: 'generate', job: b.state.queue[0]?.id })]);
    expect(back.state.notice?.source).toBe('engine'); // the message stays until the next action
  });

  it('gives up after too many restarts and says what to do', () => {
    const lost = feed(loaded(), { type: 'engine-lost', reason: 'crashed', detail: 'boom', restarted: false });
    expect(lost.state.engine.phase).toBe('error');
    expect(sent(lost)).toEqual([]);
    expect(lost.state.notice?.text).toMatch(/Reload the page/);
  });
});

describe('engine reducer: a lost engine during a load', () => {
  it('loads the chosen model again with the defaults it was chosen with', () => {
    const chosen = requestLoad(loaded(), turboRef, 'wasm', { steps: 1, cfg: 1 });
    const lost = feed(chosen.state, { type: 'engine-lost', reason: 'crashed', detail: '', restarted: true });
    const load = sent(lost)[0] as { job: number };
    expect(lost.state.requests[load.job]).toMatchObject({
      kind: 'load',
      model: turboRef,
      defaults: { steps: 1, cfg: 1 },
    });
    expect(feed(lost.state, ready(load.job, turbo)).state.params).toMatchObject({ steps: 1, cfg: 1, width: 512 });
  });
});

describe('engine reducer: defaults survive a failed load', () => {
  it('a refused load keeps the chosen model defaults for the next try ("Use WASM")', () => {
    const chosen = requestLoad(loaded(), turboRef, 'webgpu', { steps: 1, cfg: 1 });
    const refused = feed(chosen.state, {
      type: 'error',
      job: 2,
      code: 'model-unsupported',
      message: 'needs shader-f16',
    });
    expect(refused.state.currentModel?.defaults).toEqual({ steps: 1, cfg: 1 });
    const { model, backend, defaults } = refused.state.currentModel ?? {
      model: tinyRef,
      backend: 'wasm',
      defaults: null,
    };
    expect(backend).toBe('webgpu');
    const again = requestLoad(refused.state, model, 'wasm', defaults);
    const done = feed(again.state, ready(3, turbo));
    expect(done.state.params).toMatchObject({ steps: 1, cfg: 1 });
    // Applied once: a later reload keeps what the person changes.
    expect(done.state.currentModel?.defaults).toBeNull();
  });
});
