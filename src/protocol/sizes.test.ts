import { describe, expect, it } from 'vitest';
import { validateParams, type GenerationParams } from './params.ts';
import { ASPECTS, aspectOf, aspectSize, sizeChoices } from './sizes.ts';

describe('sizeChoices', () => {
  it('lists multiples of the model’s size multiple', () => {
    expect(sizeChoices(64)).toEqual([64, 128, 192, 256, 320, 384, 448, 512, 576, 640, 704, 768, 832, 896, 960, 1024]);
    expect(sizeChoices(512)).toEqual([512, 1024, 1536, 2048]);
  });
});

describe('aspectSize', () => {
  it.each([
    ['4:3', 4 / 3, 256, 64, 256, 192],
    ['3:4', 3 / 4, 256, 64, 192, 256],
    ['16:9', 16 / 9, 1024, 64, 1024, 576],
    ['9:16', 9 / 16, 1024, 64, 576, 1024],
    ['9:16 rounds half up', 9 / 16, 512, 64, 320, 512],
    ['16:9 at 128 (coarse)', 16 / 9, 128, 64, 128, 64],
    ['16:9 at the smallest size', 16 / 9, 64, 64, 64, 64],
  ])('%s', (_name, ratio, long, multiple, width, height) => {
    expect(aspectSize(ratio, long, multiple)).toEqual({ width, height });
  });
  it('always yields sizes the model accepts', () => {
    const base: GenerationParams = {
      prompt: '',
      negativePrompt: '',
      seed: '1',
      steps: 1,
      cfg: 1,
      sampler: 'euler',
      width: 64,
      height: 64,
      batchCount: 1,
    };
    for (const multiple of [8, 64]) {
      for (const long of sizeChoices(multiple)) {
        for (const aspect of ASPECTS) {
          const size = aspectSize(aspect.ratio, long, multiple);
          expect(validateParams({ ...base, ...size }, { samplers: ['euler'], sizeMultiple: multiple })).toEqual([]);
        }
      }
    }
  });
});

describe('aspectOf', () => {
  it('names the preset a size came from', () => {
    expect(aspectOf(256, 192, 64)?.label).toBe('4:3');
    expect(aspectOf(576, 1024, 64)?.label).toBe('9:16');
    expect(aspectOf(64, 64, 64)?.label).toBe('1:1');
    expect(aspectOf(128, 64, 64)?.label).toBe('16:9');
    expect(aspectOf(320, 64, 64)).toBeNull();
  });
});
