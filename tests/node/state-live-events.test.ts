/**
 * Live mode's side of the engine reducer (src/state/live-events.ts), pure: a live render is one
 * request at a time, on the variant, without previews; its image goes to the Live panel, not the
 * gallery; Generate jobs win; a lost engine or a failed render leaves Live free to go on.
 */
import { describe, expect, it } from 'vitest';
import type { EngineEvent, PhaseTimings } from '../../src/protocol/messages.ts';
import { enqueueGenerate, reduceEngineEvent, type EngineData } from '../../src/state/engine-events.ts';
import { SAMPLER_IDS } from '../../src/state/engine-slice.ts';
import { liveParams, requestLiveRender, type LiveVariant } from '../../src/state/live-events.ts';
import { createStudioStore } from '../../src/state/store.ts';
import { reducerContext, tinySummary } from '../support/reducer-fixtures.ts';

const context = reducerContext;
const tiny = tinySummary;
const variant: LiveVariant = {
  ref: { id: 'tiny-shapes-turbo', baseUrl: 'models/tiny-shapes-turbo/' },
  name: 'Tiny Shapes Turbo',
  defaults: { steps: 4, cfg: 1, sampler: 'euler' },
};
const timings: PhaseTimings = {
  tokenizeMs: 0,
  textEncoderMs: 1,
  unetMs: [1, 1, 1, 1],
  schedulerMs: 0,
  vaeMs: 1,
  totalMs: 5,
  sessionRunMs: 5,
};

/** A fresh store's data with tiny-shapes loaded and ready. */
function readyState(): EngineData {
  const s = createStudioStore().getState();
  return {
    ...s,
    params: { ...s.params, steps: 20, cfg: 7, sampler: 'euler-a', batchCount: 3, batchSize: 2 },
    engine: { ...s.engine, phase: 'ready', backend: 'wasm', model: tiny },
  };
}

const image = (job: number, seed = '1'): EngineEvent => ({
  type: 'image',
  job,
  index: 0,
  rgba: new Uint8ClampedArray(64 * 64 * 4),
  width: 64,
  height: 64,
  seed,
  timings,
  droppedTokens: 0,
});

describe('live renders in the engine reducer', () => {
  it('one image on the variant with its steps / CFG / sampler, no preview; the form is unchanged', () => {
    const state = readyState();
    const params = liveParams(state.params, variant);
    expect(params).toMatchObject({ steps: 4, cfg: 1, sampler: 'euler', batchCount: 1, batchSize: 1 });
    const started = requestLiveRender(state, SAMPLER_IDS, params, variant);
    expect(started.start).toBe('started');
    expect(started.effects).toEqual([
      { type: 'send', request: { type: 'generate', job: state.nextJob, params, preview: false, variant: variant.ref } },
    ]);
    expect(started.state.params).toBe(state.params);
    // A second one waits for the first.
    expect(requestLiveRender(started.state, SAMPLER_IDS, params, variant).start).toBe('busy');
  });

  it('its image goes to the Live panel, never to the gallery, and the render ends on done', () => {
    const state = readyState();
    const params = liveParams({ ...state.params, prompt: 'a red star' }, variant);
    const { state: running } = requestLiveRender(state, SAMPLER_IDS, params, variant);
    const job = running.live.job as number;
    const shown = reduceEngineEvent(running, image(job, '9'), context);
    expect(shown.effects).toEqual([]); // no gallery save
    expect(shown.state.gallery).toEqual([]);
    expect(shown.state.live.image).toMatchObject({
      job,
      modelId: 'tiny-shapes-turbo',
      params: { prompt: 'a red star', seed: '9' },
    });
    expect(shown.state.live.rendered).toBe(1);
    const done = reduceEngineEvent(shown.state, { type: 'done', job }, context);
    expect(done.state.live.job).toBeNull();
    expect(done.state.requests).toEqual({});
    expect(done.state.live.image?.job).toBe(job);
  });

  it('a Generate job running or queued wins: no live render starts until it is over', () => {
    const queued = enqueueGenerate(readyState(), SAMPLER_IDS);
    expect(queued.accepted).toBe(true);
    const params = liveParams(queued.state.params, variant);
    expect(requestLiveRender(queued.state, SAMPLER_IDS, params, variant).start).toBe('busy');
    const done = reduceEngineEvent(queued.state, { type: 'done', job: queued.state.job?.id as number }, context);
    expect(requestLiveRender(done.state, SAMPLER_IDS, params, variant).start).toBe('started');
  });

  it('params that cannot run are skipped quietly; an engine error is shown and Live can go on', () => {
    const state = readyState();
    const bad = liveParams({ ...state.params, width: 100 }, variant); // not a multiple of 16
    const skipped = requestLiveRender(state, SAMPLER_IDS, bad, variant);
    expect(skipped.start).toBe('invalid');
    expect(skipped.state).toBe(state);
    const { state: running } = requestLiveRender(state, SAMPLER_IDS, liveParams(state.params, variant), variant);
    const job = running.live.job as number;
    const failed = reduceEngineEvent(
      running,
      { type: 'error', job, code: 'model-missing-file', message: 'unet/model.onnx is missing.' },
      context,
    );
    expect(failed.state.live.job).toBeNull();
    expect(failed.state.notice?.text).toBe('Live mode: unet/model.onnx is missing.');

    // The same failure on the next keys is not shown again (the person dismissed it once)...
    const fail = (from: EngineData, message = 'unet/model.onnx is missing.') => {
      const { state: next } = requestLiveRender(from, SAMPLER_IDS, liveParams(from.params, variant), variant);
      const event: EngineEvent = { type: 'error', job: next.live.job as number, code: 'model-missing-file', message };
      return reduceEngineEvent(next, event, context).state;
    };
    const again = fail({ ...failed.state, notice: null });
    expect(again.notice).toBeNull();
    expect(again.live.job).toBeNull();
    // ...a different one is,
    expect(fail(again, 'vae_decoder/model.onnx is missing.').notice?.text).toBe(
      'Live mode: vae_decoder/model.onnx is missing.',
    );
    // and after a live image, the first failure is news again.
    const { state: ok } = requestLiveRender(again, SAMPLER_IDS, liveParams(again.params, variant), variant);
    const shown = reduceEngineEvent(ok, image(ok.live.job as number), context).state;
    const done = reduceEngineEvent(shown, { type: 'done', job: ok.live.job as number }, context).state;
    expect(fail(done).notice?.text).toBe('Live mode: unet/model.onnx is missing.');
  });

  it('a lost engine ends the live render (the model loads again, then Live goes on)', () => {
    const state = readyState();
    const { state: running } = requestLiveRender(state, SAMPLER_IDS, liveParams(state.params, null), null);
    expect(running.live.job).not.toBeNull();
    const lost = reduceEngineEvent(
      running,
      { type: 'engine-lost', reason: 'crashed', detail: 'x', restarted: true },
      context,
    );
    expect(lost.state.live.job).toBeNull();
  });
});
