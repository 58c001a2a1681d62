/**
 * The worker's engine (queue, cancel, terminal events) on the shipped model through
 * onnxruntime-node: the same code the browser worker runs, minus the Worker shell.
 */
import { describe, expect, it } from 'vitest';
import type { GenerationParams } from '../../src/protocol/params.ts';
import { engineHarness } from '../support/engine-harness.ts';

const params: GenerationParams = {
  prompt: 'a small blue square in the top right corner',
  negativePrompt: '',
  seed: '7',
  steps: 6,
  cfg: 6,
  sampler: 'euler',
  width: 64,
  height: 64,
  batchCount: 2,
};

describe('engine', () => {
  it('loads, then runs a batch with progress per step, one image per seed and exactly one terminal event', async () => {
    const h = engineHarness();
    h.send({ type: 'load', job: 1, model: { id: 'tiny-shapes', baseUrl: 'models/tiny-shapes' }, backend: 'auto' });
    h.send({ type: 'generate', job: 2, params, preview: true });
    await h.settled(2);
    expect(h.of(1).map((e) => e.type)).toEqual(['load-progress', 'ready']);
    const job = h.of(2);
    const progress = job.filter((e) => e.type === 'progress');
    expect(progress).toHaveLength(12);
    expect(progress.at(-1)).toMatchObject({ image: 1, step: 6, steps: 6 });
    expect(progress[0]).toHaveProperty('preview.rgba');
    const images = job.filter((e) => e.type === 'image');
    expect(images.map((e) => e.type === 'image' && e.seed)).toEqual(['7', '8']);
    expect(job.filter((e) => ['done', 'error', 'cancelled'].includes(e.type)).map((e) => e.type)).toEqual(['done']);
  });

  it('cancels between steps, cancels queued jobs, then runs the next job; bad params fail cleanly', async () => {
    const h = engineHarness();
    h.send({ type: 'load', job: 1, model: { id: 'tiny-shapes', baseUrl: 'models/tiny-shapes' }, backend: 'auto' });
    h.send({ type: 'generate', job: 2, params: { ...params, steps: 150, batchCount: 8 }, preview: false });
    h.send({ type: 'generate', job: 3, params, preview: false });
    h.send({ type: 'generate', job: 4, params: { ...params, steps: Number.NaN }, preview: false });
    h.send({ type: 'generate', job: 5, params: { ...params, batchCount: 1 }, preview: false });
    h.send({ type: 'cancel', job: 3 });
    await h.settled(1);
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (h.of(2).some((e) => e.type === 'progress')) {
          clearInterval(timer);
          resolve();
        }
      }, 1);
    });
    h.send({ type: 'cancel', job: 2 });
    await h.settled(5);
    const terminal = (job: number) => h.of(job).filter((e) => ['done', 'error', 'cancelled'].includes(e.type));
    expect(terminal(2).map((e) => e.type)).toEqual(['cancelled']);
    expect(h.of(2).filter((e) => e.type === 'image').length).toBeLessThan(8);
    expect(h.of(3).map((e) => e.type)).toEqual(['cancelled']);
    expect(terminal(4)).toMatchObject([{ type: 'error', code: 'bad-params' }]);
    expect(terminal(5).map((e) => e.type)).toEqual(['done']);
    expect(h.of(5).filter((e) => e.type === 'image')).toHaveLength(1);
  });

  it('reports a missing model folder as a clear error, and generate without a model as no-model', async () => {
    const h = engineHarness();
    h.send({ type: 'load', job: 1, model: { id: 'nope', baseUrl: 'models/does-not-exist' }, backend: 'auto' });
    h.send({ type: 'generate', job: 2, params, preview: false });
    await h.settled(2);
    expect(h.of(1)).toMatchObject([{ type: 'error', code: 'model-missing-file' }]);
    expect(h.of(2)).toMatchObject([{ type: 'error', code: 'no-model' }]);
  });

  it("a request may name a variant (Live mode's turbo): it runs there, the same pixels as loading it, and the loaded model stays", async () => {
    const turbo = { id: 'tiny-shapes-turbo', baseUrl: 'models/tiny-shapes-turbo' };
    const live: GenerationParams = { ...params, steps: 4, cfg: 1, batchCount: 1 };
    const h = engineHarness();
    h.send({ type: 'load', job: 1, model: { id: 'tiny-shapes', baseUrl: 'models/tiny-shapes' }, backend: 'auto' });
    h.send({ type: 'generate', job: 2, params: live, preview: false, variant: turbo });
    h.send({ type: 'generate', job: 3, params: { ...live, prompt: 'a red circle' }, preview: false, variant: turbo });
    h.send({ type: 'generate', job: 4, params: { ...params, batchCount: 1 }, preview: false });
    await h.settled(4);
    const pixels = (events: ReturnType<typeof h.of>) => events.find((e) => e.type === 'image');

    expect(h.of(2).filter((e) => e.type === 'progress')).toHaveLength(4);
    expect(h.of(4).filter((e) => e.type === 'progress')).toHaveLength(6); // the loaded model, its own settings
    const direct = engineHarness();
    direct.send({ type: 'load', job: 1, model: turbo, backend: 'auto' });
    direct.send({ type: 'generate', job: 2, params: live, preview: false });
    await direct.settled(2);
    const a = pixels(h.of(2));
    const b = pixels(direct.of(2));
    if (a?.type !== 'image' || b?.type !== 'image') throw new Error('no image');
    expect(a.rgba).toEqual(b.rgba);
    // Loaded once: the second Live request reuses it (one load-progress: the model's own load).
    expect(h.events.filter((e) => e.type === 'load-progress')).toHaveLength(1);
  });
});
