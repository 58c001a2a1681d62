import { describe, expect, it } from 'vitest';
import { DEFAULT_IMAGE_PARAMS } from '../protocol/image-params.ts';
import type { GenerationParams } from '../protocol/params.ts';
import { infotextFromParams, paramsFromInfotext } from './generation-infotext.ts';

const samplers = [{ id: 'euler', label: 'Euler' }];
const base: GenerationParams = {
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
const ctx = { samplers, modelId: 'tiny-shapes', version: 'latent-studio 0.1.0' };

describe('img2img infotext keys (A1111)', () => {
  it('writes A1111 keys only for the settings in use, and reads them back', () => {
    const params: GenerationParams = {
      ...base,
      image: {
        ...DEFAULT_IMAGE_PARAMS,
        denoisingStrength: 0.6,
        maskBlur: 8,
        inpaintNotMasked: true,
        maskedContent: 'latent-noise',
        resizeMode: 'crop-and-resize',
      },
      variation: { subseed: '99', subseedStrength: 0.3, seedResizeFromW: 128, seedResizeFromH: 64 },
    };
    const text = infotextFromParams(params, ctx, { masked: true });
    expect(text).toContain(
      'Size: 64x64, Resize mode: Crop and resize, Denoising strength: 0.6, Mask blur: 8, Mask mode: Inpaint not masked, ' +
        'Masked content: latent noise, Variation seed: 99, Variation seed strength: 0.3, Seed resize from: 128x64, Model: tiny-shapes',
    );
    const back = paramsFromInfotext(text, { samplers, sizeMultiple: 64 });
    if (!back.ok) throw new Error(back.message);
    expect(back.value.ignored).toEqual([]);
    expect(back.value.imageSettings).toEqual({
      image: {
        denoisingStrength: 0.6,
        maskBlur: 8,
        inpaintNotMasked: true,
        maskedContent: 'latent-noise',
        resizeMode: 'crop-and-resize',
      },
      variation: { subseed: '99', subseedStrength: 0.3, seedResizeFromW: 128, seedResizeFromH: 64 },
    });
  });

  it('txt2img text has none of the keys; img2img without a mask has no mask keys', () => {
    expect(infotextFromParams(base, ctx)).not.toMatch(/Denoising|Variation|Mask/);
    const t = infotextFromParams({ ...base, image: DEFAULT_IMAGE_PARAMS }, ctx);
    expect(t).toContain('Denoising strength: 0.75');
    expect(t).not.toContain('Mask blur');
  });

  it('reads A1111 text with these keys and reports bad values', () => {
    const text =
      'a cat\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 1, Size: 64x64, Denoising strength: 1.5, ' +
      'Variation seed: 123, Variation seed strength: 0.25, Seed resize from: -1x-1, Masked content: fill';
    const r = paramsFromInfotext(text, { samplers, sizeMultiple: 64 });
    if (!r.ok) throw new Error(r.message);
    expect(r.value.imageSettings.image).toEqual({ maskedContent: 'fill' });
    expect(r.value.imageSettings.variation).toEqual({
      subseed: '123',
      subseedStrength: 0.25,
      seedResizeFromW: 0,
      seedResizeFromH: 0,
    });
    expect(r.value.problems.join(' ')).toMatch(/Denoising strength "1.5"/);
  });
});
