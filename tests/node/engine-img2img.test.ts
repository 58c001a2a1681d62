/**
 * The worker's engine runs image-to-image jobs: params.image + the request's source pixels, an
 * interpolation job's frames as images with their variation strengths, and clear refusals.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_IMAGE_PARAMS } from '../../src/protocol/image-params.ts';
import type { GenerationParams } from '../../src/protocol/params.ts';
import { engineHarness } from '../support/engine-harness.ts';

const params: GenerationParams = {
  prompt: 'a big red circle in the center on a white background',
  negativePrompt: '',
  seed: '7',
  steps: 6,
  cfg: 6,
  sampler: 'euler',
  width: 64,
  height: 64,
  batchCount: 1,
};

describe('engine: image to image', () => {
  it('runs img2img with the source pixels, interpolation frames, and refuses a job without a source', async () => {
    const h = engineHarness();
    h.send({
      type: 'load',
      job: 1,
      model: { id: 'tiny-shapes', baseUrl: 'models/tiny-shapes' },
      backend: 'auto',
    });
    h.send({ type: 'generate', job: 2, params, preview: false });
    await h.settled(2);
    const src = h.of(2).find((e) => e.type === 'image');
    if (src?.type !== 'image') throw new Error('no source image');

    const source = { rgba: src.rgba, width: src.width, height: src.height };
    h.send({
      type: 'generate',
      job: 3,
      params: { ...params, image: { ...DEFAULT_IMAGE_PARAMS, denoisingStrength: 0.5 } },
      preview: false,
      images: { source },
    });
    await h.settled(3);
    const progress = h.of(3).filter((e) => e.type === 'progress');
    expect(progress.map((e) => e.type === 'progress' && e.steps)).toEqual([3, 3, 3]); // strength 0.5 of 6 steps
    expect(h.of(3).at(-1)?.type).toBe('done');

    h.send({
      type: 'generate',
      job: 4,
      params: { ...params, interpolation: { toSeed: '8', toPrompt: '', frames: 3 } },
      preview: false,
    });
    await h.settled(4);
    const frames = h.of(4).filter((e) => e.type === 'image');
    expect(frames.map((e) => e.type === 'image' && e.variation?.strength)).toEqual([0, 0.5, 1]);

    h.send({ type: 'generate', job: 5, params: { ...params, image: DEFAULT_IMAGE_PARAMS }, preview: false });
    await h.settled(5);
    expect(h.of(5).at(-1)).toMatchObject({
      type: 'error',
      code: 'bad-params',
      message: 'Choose a source image first.',
    });
  });
});
