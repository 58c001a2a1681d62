/**
 * The engine's upscale job and Hires. fix on the shipped models through onnxruntime-node: the
 * same queue, progress, cancel and terminal events as a generate job.
 */
import { describe, expect, it } from 'vitest';
import { infotextFromParams } from '../../src/metadata/generation-infotext.ts';
import type { EngineEvent } from '../../src/protocol/messages.ts';
import type { GenerationParams } from '../../src/protocol/params.ts';
import type { UpscalerRef } from '../../src/protocol/upscale-params.ts';
import { SAMPLERS } from '../../src/schedulers/index.ts';
import { engineHarness } from '../support/engine-harness.ts';

const SR: UpscalerRef = {
  id: 'tiny-shapes-sr',
  name: 'Tiny Shapes SR 2x',
  kind: 'model',
  baseUrl: 'models/tiny-shapes-sr',
  scale: 2,
};
const params: GenerationParams = {
  prompt: 'a big blue square on a yellow background',
  negativePrompt: '',
  seed: '7',
  steps: 4,
  cfg: 7,
  sampler: 'euler',
  width: 64,
  height: 64,
  batchCount: 1,
};

function pixels(width: number, height: number) {
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < rgba.length; i++) rgba[i] = i % 4 === 3 ? 255 : (i * 7) % 256;
  return { rgba, width, height };
}

const imageOf = (events: EngineEvent[]) =>
  events.find((e) => e.type === 'image') as Extract<EngineEvent, { type: 'image' }>;

describe('engine: upscale jobs and Hires. fix', () => {
  it('upscales ×4 with progress per tile, then cancels a big one between tiles', async () => {
    const h = engineHarness();
    h.send({ type: 'load', job: 1, model: { id: 'tiny-shapes', baseUrl: 'models/tiny-shapes' }, backend: 'wasm' });
    await h.settled(1);
    h.send({ type: 'upscale', job: 2, image: pixels(64, 64), scale: 4, upscaler: SR, seed: '7' });
    await h.settled(2);
    const events = h.of(2);
    const image = imageOf(events);
    expect([image.width, image.height, image.seed]).toEqual([256, 256, '7']);
    const progress = events.filter((e) => e.type === 'progress');
    expect(progress.length).toBeGreaterThanOrEqual(2); // two ×2 passes
    expect(events.at(-1)?.type).toBe('done');

    // 400×400 at 128-pixel tiles: many tiles; cancel after the first.
    const done = h.settled(3);
    let asked = false;
    const poll = setInterval(() => {
      if (!asked && h.of(3).some((e) => e.type === 'progress')) {
        asked = true;
        h.send({ type: 'cancel', job: 3 });
      }
    }, 1);
    h.send({ type: 'upscale', job: 3, image: pixels(400, 400), scale: 2, upscaler: SR, seed: '1' });
    await done;
    clearInterval(poll);
    expect(h.of(3).at(-1)?.type).toBe('cancelled');
    expect(h.of(3).some((e) => e.type === 'image')).toBe(false);

    h.send({ type: 'upscale', job: 4, image: pixels(64, 64), scale: 100, upscaler: SR, seed: '1' });
    await h.settled(4);
    expect(h.of(4).at(-1)).toMatchObject({ type: 'error', code: 'bad-params' });
  }, 120_000);

  it('Hires. fix makes the image at the hires size, with the SR model or latent upscaling, and writes A1111 keys', async () => {
    const h = engineHarness();
    h.send({ type: 'load', job: 1, model: { id: 'tiny-shapes', baseUrl: 'models/tiny-shapes' }, backend: 'wasm' });
    await h.settled(1);
    const hires = { scale: 2, upscaler: 'tiny-shapes-sr', steps: 3, denoisingStrength: 0.5 };
    h.send({ type: 'generate', job: 2, params: { ...params, hires }, preview: false, upscaler: SR });
    h.send({
      type: 'generate',
      job: 3,
      params: { ...params, hires: { ...hires, upscaler: 'latent' } },
      preview: false,
    });
    await h.settled(3);
    for (const job of [2, 3]) {
      const image = imageOf(h.of(job));
      expect([image.width, image.height]).toEqual([128, 128]);
      // first pass 4 steps + about 3 hires steps
      expect(image.timings.unetMs.length).toBeGreaterThanOrEqual(6);
      const progress = h.of(job).filter((e) => e.type === 'progress');
      expect(progress.at(-1)).toMatchObject({ step: image.timings.unetMs.length });
    }
    const text = infotextFromParams({ ...params, hires }, { samplers: SAMPLERS, modelId: 'tiny-shapes', version: 'x' });
    expect(text).toContain(
      'Size: 64x64, Denoising strength: 0.5, Hires upscale: 2, Hires steps: 3, Hires upscaler: Tiny Shapes SR 2x',
    );
  }, 180_000);
});
