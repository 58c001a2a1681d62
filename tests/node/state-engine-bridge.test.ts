/**
 * The store's engine slice and bridge over an in-memory port that runs the real engine
 * (src/worker/engine.ts) with the shipped model on onnxruntime-node: no DOM, no Worker. Covers
 * the queue (remove, clear), Live mode (renders while typing on the turbo variant, saves what is kept) and supervision (a
 * crashed, hung or silently dead worker is replaced; the running job ends with a clear message;
 * queued jobs survive; the model loads again; the next job succeeds).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startLive } from '../../src/state/live.ts';
import { parseCatalog } from '../../src/storage/model-catalog.ts';
import { createStudioStore, type StudioStore } from '../../src/state/store.ts';
import { inMemoryEnginePort, until, type TestEnginePort } from '../support/in-memory-ports.ts';

const tiny = { id: 'tiny-shapes', baseUrl: resolve('models/tiny-shapes') };
const stores: StudioStore[] = [];

function studioWithEngine(options: { hangTimeoutMs?: number } = {}) {
  const store = createStudioStore();
  stores.push(store);
  const ports: TestEnginePort[] = [];
  store.getState().connectEngine(() => {
    const port = inMemoryEnginePort();
    ports.push(port);
    return port;
  }, options);
  store.getState().setParams({ steps: 2, prompt: 'a red circle' });
  store.getState().loadModel(tiny, 'wasm');
  return { store, ports, current: () => ports.at(-1) as TestEnginePort };
}

const isReady = (s: ReturnType<StudioStore['getState']>) => s.engine.phase === 'ready';

afterEach(() => {
  for (const store of stores.splice(0)) store.getState().connectEngine(() => inMemoryEnginePort()); // disposes
});

describe('engine bridge over an in-memory port', () => {
  it('loads, generates and ends every request: nothing stays pending', async () => {
    const { store } = studioWithEngine();
    await until(store, isReady);
    expect(store.getState().engine.model?.id).toBe('tiny-shapes');
    await until(store, (s) => s.tokenCounts !== null);
    expect(store.getState().tokenCounts?.prompt.used).toBeGreaterThan(0);
    expect(store.getState().generate()).toBe(true);
    const done = await until(store, (s) => s.lastRun?.outcome === 'done');
    expect(done.gallery).toHaveLength(1);
    expect(done.gallery[0]?.params).toMatchObject({ prompt: 'a red circle', steps: 2 });
    expect(done.requests).toEqual({});
  });

  it('queues presses, removes one, clears the rest, and cancels the running job', async () => {
    const { store } = studioWithEngine();
    await until(store, isReady);
    const s = store.getState();
    s.setParam('steps', 40);
    s.generate();
    s.setParam('prompt', 'second');
    s.generate();
    s.setParam('prompt', 'third');
    s.generate();
    expect(store.getState().queue.map((j) => j.params.prompt)).toEqual(['second', 'third']);
    s.removeQueuedJob(store.getState().queue[0]?.id as number);
    expect(store.getState().queue.map((j) => j.params.prompt)).toEqual(['third']);
    s.clearQueue();
    expect(store.getState().queue).toEqual([]);
    await until(store, (st) => (st.job?.step ?? 0) >= 1);
    s.cancelJob();
    const after = await until(store, (st) => st.job === null);
    expect(after.lastRun?.outcome).toBe('cancelled');
    expect(after.lastRun?.step).toBeLessThan(40);
    expect(after.gallery).toEqual([]);
  });

  it('Live mode renders while you type on the turbo variant, keeps the form, and saves only what you keep', async () => {
    const { store, current } = studioWithEngine();
    // The shipped catalog, with the app's folders on disk: tiny-shapes names its Live variant.
    const catalog = parseCatalog(JSON.parse(readFileSync('models/catalog.json', 'utf8')), 'http://app.test/').map(
      (m) => (m.kind === 'app' ? { ...m, baseUrl: resolve('models', m.id) } : m),
    );
    store.setState((st) => ({ models: { ...st.models, catalog } }));
    await until(store, isReady);
    const stop = startLive(store);
    const s = store.getState();
    s.setParams({ steps: 20, cfg: 7, sampler: 'euler-a' });
    s.setSetting('live', true);
    for (const prompt of ['a', 'a b', 'a blue', 'a blue square']) {
      s.setParam('prompt', prompt);
      await new Promise((r) => setTimeout(r, 50));
    }
    const done = await until(
      store,
      (st) => st.live.job === null && st.live.image?.params.prompt === 'a blue square',
      60_000,
    );
    await new Promise((r) => setTimeout(r, 300)); // nothing further runs for the same text
    const after = store.getState();
    expect(after.live.rendered).toBe(done.live.rendered);
    expect(after.live.image?.modelId).toBe('tiny-shapes-turbo');
    expect(after.live.image?.params).toMatchObject({ steps: 4, cfg: 1, sampler: 'euler' });
    // The form and the loaded model are untouched; no live image went to the gallery.
    expect(after.params).toMatchObject({ steps: 20, cfg: 7, sampler: 'euler-a', prompt: 'a blue square' });
    expect(after.engine.model?.id).toBe('tiny-shapes');
    expect(after.gallery).toEqual([]);
    const generates = current().received.filter((r) => r.type === 'generate');
    expect(generates.every((r) => r.type === 'generate' && r.variant?.id === 'tiny-shapes-turbo' && !r.preview)).toBe(
      true,
    );
    // Keep saves it, once.
    const id = after.keepLiveImage();
    expect(id).not.toBeNull();
    expect(store.getState().keepLiveImage()).toBeNull();
    expect(store.getState().gallery.map((i) => [i.params.prompt, i.modelId])).toEqual([
      ['a blue square', 'tiny-shapes-turbo'],
    ]);
    // Generate still uses the loaded model with the form's settings.
    s.setSetting('live', false);
    s.generate();
    const generated = await until(store, (st) => st.lastRun?.outcome === 'done');
    expect(generated.gallery[0]).toMatchObject({ modelId: 'tiny-shapes', params: { steps: 20, sampler: 'euler-a' } });
    stop();
  });
});

describe('a supervised engine', () => {
  it('a crashed worker is replaced: the job ends with a message, the queue survives, the next job succeeds', async () => {
    const { store, ports, current } = studioWithEngine();
    await until(store, isReady);
    const s = store.getState();
    s.setParam('steps', 30);
    s.generate();
    s.setParams({ steps: 2, prompt: 'queued' });
    s.generate();
    await until(store, (st) => (st.job?.step ?? 0) >= 1);
    current().crash('RuntimeError: memory access out of bounds');
    const lost = store.getState();
    expect(ports).toHaveLength(2);
    expect(ports[0]?.terminated).toBe(true);
    expect(lost.job).toBeNull();
    expect(lost.notice?.text).toMatch(/stopped unexpectedly while generating.*1 queued job/);
    expect(lost.notice?.detail).toBe('RuntimeError: memory access out of bounds');
    expect(lost.queue.map((j) => j.params.prompt)).toEqual(['queued']);
    // The new worker loads the model again, then runs the queued job.
    const done = await until(store, (st) => st.lastRun?.outcome === 'done');
    expect(done.gallery.map((i) => i.params.prompt)).toEqual(['queued']);
    expect(done.engine.restarts).toBe(1);
    expect(current().received.map((r) => r.type)).toEqual(expect.arrayContaining(['load', 'generate']));
  });

  it('a hung worker is detected by the heartbeat and replaced', async () => {
    const { store, ports, current } = studioWithEngine({ hangTimeoutMs: 400 });
    await until(store, isReady);
    store.getState().setParam('steps', 30);
    store.getState().generate();
    await until(store, (st) => (st.job?.step ?? 0) >= 1);
    // A worker that answers pings is not hung, even between slow steps.
    expect(ports).toHaveLength(1);
    current().hang();
    const lost = await until(store, (st) => st.engine.restarts === 1, 10_000);
    expect(lost.notice?.text).toMatch(/stopped responding while generating/);
    expect(ports).toHaveLength(2);
    await until(store, isReady);
    store.getState().setParam('steps', 2);
    expect(store.getState().generate()).toBe(true);
    await until(store, (st) => st.lastRun?.outcome === 'done');
  });

  it('a worker that dies silently mid-job is found by the heartbeat too', async () => {
    const { store, current } = studioWithEngine({ hangTimeoutMs: 300 });
    await until(store, isReady);
    store.getState().setParam('steps', 30);
    store.getState().generate();
    await until(store, (st) => (st.job?.step ?? 0) >= 1);
    current().die();
    await until(store, (st) => st.engine.restarts === 1, 10_000);
    await until(store, isReady);
  });

  it('a message that cannot be read replaces the worker too', async () => {
    const { store, current } = studioWithEngine();
    await until(store, isReady);
    current().garble();
    expect(store.getState().notice?.text).toMatch(/sent a message the page could not read/);
    await until(store, isReady);
    store.getState().generate();
    await until(store, (st) => st.lastRun?.outcome === 'done');
  });

  it('stops restarting a worker that keeps crashing, and starts afresh when asked', async () => {
    const { store, current } = studioWithEngine();
    await until(store, isReady);
    for (let i = 0; i < 4; i++) current().crash(`crash ${i}`);
    const gaveUp = store.getState();
    expect(gaveUp.engine.phase).toBe('error');
    expect(gaveUp.engine.restarts).toBe(3);
    expect(gaveUp.notice?.text).toMatch(/Reload the page/);
    store.getState().reloadModel();
    await until(store, isReady);
  });
});
