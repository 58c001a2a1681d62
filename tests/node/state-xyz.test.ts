/**
 * The X/Y/Z plot in the store, over the real engine (in-memory port, real tiny-shapes model):
 * the cells are one group in the queue, each becomes a gallery image, and the labelled grid
 * follows with A1111's grid infotext; bad axes queue nothing; cancelling stops the whole plot.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPngText } from '../../src/metadata/png-text.ts';
import { createStudioStore, type StudioStore } from '../../src/state/store.ts';
import { createXyzRunner } from '../../src/state/xyz.ts';
import { encodeWithPngjs, inMemoryEnginePort, inMemoryGalleryDb, until } from '../support/in-memory-ports.ts';

const tiny = { id: 'tiny-shapes', baseUrl: resolve('models/tiny-shapes') };
const nothing = { type: 'Nothing', values: '' };

async function studio(): Promise<StudioStore> {
  const store = createStudioStore();
  store.getState().connectEngine(() => inMemoryEnginePort());
  store.getState().loadModel(tiny, 'wasm');
  await until(store, (s) => s.engine.phase === 'ready');
  store.getState().setParams({ steps: 1, prompt: 'a red star', seed: '3' });
  await store.getState().startGallery({ open: inMemoryGalleryDb().open, channel: null, encode: encodeWithPngjs });
  return store;
}

describe('X/Y/Z plot job', () => {
  it('queues one group of cells, keeps each cell, and adds the labelled grid with its infotext', async () => {
    const store = await studio();
    const runner = createXyzRunner(store);
    const error = runner.start({
      x: { type: 'CFG Scale', values: '3, 7' },
      y: { type: 'Prompt S/R', values: 'red, blue' },
      z: nothing,
    });
    expect(error).toBeNull();
    // Four cells: the first running, three waiting, all one group.
    expect(store.getState().queue.length + (store.getState().job ? 1 : 0)).toBe(4);
    expect(store.getState().queue.every((j) => j.group?.label === 'X/Y/Z plot (4 images)')).toBe(true);
    await until(store, () => runner.status().phase === 'done', 120_000);
    expect(runner.status()).toEqual({ phase: 'done', total: 4, failed: 0 });
    await store.getState().gallerySaved();
    const gallery = store.getState().gallery;
    expect(gallery).toHaveLength(5);
    const [grid, ...cells] = gallery;
    expect(cells.map((c) => [c.params.cfg, c.params.prompt]).reverse()).toEqual([
      [3, 'a red star'],
      [7, 'a red star'],
      [3, 'a blue star'],
      [7, 'a blue star'],
    ]);
    expect(grid!.width).toBeGreaterThan(128);
    const text = readPngText(new Uint8Array(await grid!.png!.arrayBuffer())).find(
      (e) => e.keyword === 'parameters',
    )?.text;
    expect(text).toMatch(
      /^a red star\nSteps: 1, .*CFG scale: 3, Seed: 3, .*Script: X\/Y\/Z plot, X Type: CFG Scale, X Values: "3, 7", Y Type: Prompt S\/R, Y Values: "red, blue"$/,
    );
  });

  it("runs each cell with the form's Hires. fix, the SR model's reference included", async () => {
    const store = await studio();
    store.getState().setParam('hires', { scale: 2, upscaler: 'tiny-shapes-sr', steps: 1, denoisingStrength: 0.3 });
    const runner = createXyzRunner(store);
    expect(runner.start({ x: { type: 'CFG Scale', values: '3, 7' }, y: nothing, z: nothing })).toBeNull();
    await until(store, () => runner.status().phase === 'done', 120_000);
    expect(runner.status()).toEqual({ phase: 'done', total: 2, failed: 0 });
    const [grid, ...cells] = store.getState().gallery;
    expect(cells.map((c) => [c.width, c.height, c.params.hires?.upscaler])).toEqual([
      [128, 128, 'tiny-shapes-sr'],
      [128, 128, 'tiny-shapes-sr'],
    ]);
    expect([grid!.width, grid!.height > 128]).toEqual([256, true]); // two 128×128 cells under their labels
    expect(grid!.infotext).toContain('Hires upscaler: Tiny Shapes SR 2x');
  });

  it('refuses bad axes with the message and queues nothing', async () => {
    const store = await studio();
    const runner = createXyzRunner(store);
    expect(runner.start({ x: { type: 'Steps', values: '1-5 (+0)' }, y: nothing, z: nothing })).toBe(
      'X axis: "1-5 (+0)": the step of a range cannot be 0',
    );
    expect(runner.start({ x: { type: 'Prompt S/R', values: 'cat, dog' }, y: nothing, z: nothing })).toBe(
      'Prompt S/R did not find cat in prompt or negative prompt.',
    );
    expect(store.getState().queue).toEqual([]);
    expect(store.getState().job).toBeNull();
    expect(runner.status()).toEqual({ phase: 'idle' });
  });

  it('cancel stops the whole plot: queued cells are dropped and no grid is made', async () => {
    const store = await studio();
    store.getState().setParams({ steps: 6 });
    const runner = createXyzRunner(store);
    expect(runner.start({ x: { type: 'Seed', values: '1-4' }, y: nothing, z: nothing })).toBeNull();
    await until(store, (s) => s.job !== null && s.job.step >= 1, 60_000);
    runner.cancel();
    await until(store, () => runner.status().phase === 'cancelled', 60_000);
    expect(store.getState().queue).toEqual([]);
    await until(store, (s) => s.job === null, 60_000);
    expect(store.getState().gallery.every((g) => g.infotext === undefined)).toBe(true);
  });
});
