import { describe, expect, it } from 'vitest';
import type { GenerationParams } from '../protocol/params.ts';
import { SAMPLERS } from '../schedulers/index.ts';
import { infotextFromParams, paramsFromInfotext } from './generation-infotext.ts';
import { postprocessingText } from './upscale-infotext.ts';

const base: GenerationParams = {
  prompt: 'a red star',
  negativePrompt: '',
  seed: '3',
  steps: 20,
  cfg: 7,
  sampler: 'euler',
  width: 64,
  height: 64,
  batchCount: 1,
};
const context = { samplers: SAMPLERS, modelId: 'tiny-shapes', version: 'v' };
const read = (text: string) => {
  const r = paramsFromInfotext(text, { samplers: SAMPLERS, sizeMultiple: 64 });
  if (!r.ok) throw new Error(r.message);
  return r.value;
};

describe('Hires. fix and postprocess infotext (A1111 keys)', () => {
  it('writes A1111 keys after the size, omitting Hires steps 0, and reads them back', () => {
    const hires = { scale: 2, upscaler: 'lanczos', steps: 0, denoisingStrength: 0.55 };
    const text = infotextFromParams({ ...base, hires }, context);
    expect(text).toContain('Size: 64x64, Denoising strength: 0.55, Hires upscale: 2, Hires upscaler: Lanczos, Model');
    expect(read(text).hires).toEqual(hires);
    expect(infotextFromParams(base, context)).not.toContain('Hires');
  });

  it("reads A1111's own hires line; an unknown upscaler becomes Latent with a note", () => {
    const text =
      'a cat\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x512, Denoising strength: 0.7, Hires upscale: 1.5, Hires steps: 10, Hires upscaler: R-ESRGAN 4x+, Hires resize: 768x768';
    const value = read(text);
    expect(value.hires).toEqual({ scale: 1.5, steps: 10, upscaler: 'latent', denoisingStrength: 0.7 });
    expect(value.problems.join(' ')).toMatch(/R-ESRGAN 4x\+.*not available/);
    expect(value.ignored).toContain('Hires resize');
    expect(read('x\nSteps: 20, Sampler: Euler, Seed: 1').hires).toBeNull();
  });

  it("writes extras' postprocessing text, quoting as A1111 does", () => {
    expect(postprocessingText({ upscaleBy: 4, upscaler: 'R-ESRGAN General 4xV3' })).toBe(
      'Postprocess upscale by: 4, Postprocess upscaler: R-ESRGAN General 4xV3',
    );
    expect(postprocessingText({ upscaleBy: 2, upscaler: 'a, b' })).toBe(
      'Postprocess upscale by: 2, Postprocess upscaler: "a, b"',
    );
  });
});
