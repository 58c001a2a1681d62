import { describe, expect, it } from 'vitest';
import { DEFAULT_IMAGE_PARAMS, DEFAULT_VARIATION_PARAMS } from './image-params.ts';
import { validateParams, type GenerationParams } from './params.ts';

const good: GenerationParams = {
  prompt: 'a red star',
  negativePrompt: '',
  seed: '42',
  steps: 20,
  cfg: 7,
  sampler: 'euler',
  width: 64,
  height: 64,
  batchCount: 1,
};
const options = { samplers: ['euler'], sizeMultiple: 64 };
const messages = (p: Partial<GenerationParams>) => validateParams({ ...good, ...p }, options).map((i) => i.message);

describe('image, variation and interpolation params', () => {
  it('accepts the defaults', () => {
    expect(messages({ image: DEFAULT_IMAGE_PARAMS, variation: DEFAULT_VARIATION_PARAMS })).toEqual([]);
    expect(messages({ interpolation: { toSeed: '7', toPrompt: '', frames: 8 } })).toEqual([]);
  });
  it.each([
    [{ image: { ...DEFAULT_IMAGE_PARAMS, denoisingStrength: 1.2 } }, /Denoising strength/],
    [{ image: { ...DEFAULT_IMAGE_PARAMS, maskBlur: -1 } }, /Mask blur/],
    [{ image: { ...DEFAULT_IMAGE_PARAMS, outpaint: { left: 10, right: 0, top: 0, bottom: 0 } } }, /multiple of 64/],
    [{ variation: { ...DEFAULT_VARIATION_PARAMS, subseed: '-3' } }, /Variation seed/],
    [{ variation: { ...DEFAULT_VARIATION_PARAMS, subseedStrength: 2 } }, /Variation strength/],
    [{ interpolation: { toSeed: '', toPrompt: '', frames: 8 } }, /second seed or a second prompt/],
    [{ interpolation: { toSeed: '1', toPrompt: '', frames: 1 } }, /Frames/],
  ] as [Partial<GenerationParams>, RegExp][])('refuses %j', (p, re) => {
    expect(messages(p).join(' ')).toMatch(re);
  });
});
