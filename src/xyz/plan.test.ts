import { describe, expect, it } from 'vitest';
import { DEFAULT_IMAGE_PARAMS } from '../protocol/image-params.ts';
import { validateParams, type GenerationParams } from '../protocol/params.ts';
import { SAMPLERS } from '../schedulers/index.ts';
import { AXIS_TYPES, parseAxis, parseAxisSpec, type AxisType } from './axes.ts';
import { gridInfotext, planXyz } from './plan.ts';

const context = { samplers: SAMPLERS, randomSeed: () => '99' };
const nothing = parseAxis(AXIS_TYPES[0] as AxisType, '', context);
const base: GenerationParams = {
  prompt: 'a red star',
  negativePrompt: 'blurry red',
  seed: '1',
  steps: 10,
  cfg: 7,
  sampler: 'euler',
  width: 64,
  height: 64,
  batchCount: 4,
};
const validate = (p: GenerationParams) => validateParams(p, { samplers: SAMPLERS.map((s) => s.id), sizeMultiple: 64 });

describe('planXyz', () => {
  it('applies each axis to a copy of the settings, one image per cell, in A1111 cell order', () => {
    const plan = planXyz(
      base,
      { x: parseAxisSpec('CFG Scale: 3, 7', context), y: parseAxisSpec('Steps: 4, 20', context), z: nothing },
      validate,
    );
    expect(plan.cells.map((c) => [c.index, c.ix, c.iy, c.params.cfg, c.params.steps, c.params.batchCount])).toEqual([
      [0, 0, 0, 3, 4, 1],
      [1, 1, 0, 7, 4, 1],
      [2, 0, 1, 3, 20, 1],
      [3, 1, 1, 7, 20, 1],
    ]);
  });
  it('Prompt S/R replaces in prompt and negative prompt, and refuses text that is not there', () => {
    const sr = parseAxisSpec('Prompt S/R: red, green', context);
    const plan = planXyz(base, { x: sr, y: nothing, z: nothing }, validate);
    expect(plan.cells.map((c) => [c.params.prompt, c.params.negativePrompt])).toEqual([
      ['a red star', 'blurry red'],
      ['a green star', 'blurry green'],
    ]);
    expect(() =>
      planXyz(base, { x: parseAxisSpec('Prompt S/R: cat, dog', context), y: nothing, z: nothing }, validate),
    ).toThrow('Prompt S/R did not find cat in prompt or negative prompt.');
  });
  it('Denoising needs image to image; with it, sets the strength', () => {
    const d = parseAxisSpec('Denoising: 0.3, 0.6', context);
    expect(() => planXyz(base, { x: d, y: nothing, z: nothing }, validate)).toThrow(/needs image to image/);
    const plan = planXyz({ ...base, image: DEFAULT_IMAGE_PARAMS }, { x: d, y: nothing, z: nothing }, validate);
    expect(plan.cells.map((c) => c.params.image?.denoisingStrength)).toEqual([0.3, 0.6]);
  });
  it('checks every cell before running, naming the cell', () => {
    expect(() => planXyz(base, { x: parseAxisSpec('Steps: 4, 0', context), y: nothing, z: nothing }, validate)).toThrow(
      /^The cell Steps: 0: /,
    );
  });
  it('caps the number of cells and the grid size', () => {
    const x = parseAxisSpec('Seed: 1-11', context);
    const y = parseAxisSpec('Steps: 1-10', context);
    expect(() => planXyz(base, { x, y, z: nothing }, validate)).toThrow(
      'The plot would make 110 images (11×10×1); at most 100.',
    );
    const big = { ...base, width: 1024, height: 1024 };
    expect(() =>
      planXyz(
        big,
        { x: parseAxisSpec('Seed: 1-5', context), y: parseAxisSpec('Steps: 1-5', context), z: nothing },
        () => [],
      ),
    ).toThrow(/Resulting grid would be too large \(26\.2 MPixels\)/);
  });
  it('writes A1111’s grid infotext entries', () => {
    const plan = planXyz(
      base,
      { x: parseAxisSpec('CFG Scale: 3, 7', context), y: parseAxisSpec('Seed: -1, 5', context), z: nothing },
      validate,
    );
    expect(gridInfotext('a red star\nSteps: 10, Seed: 99', plan)).toBe(
      'a red star\nSteps: 10, Seed: 99, Script: X/Y/Z plot, X Type: CFG Scale, X Values: "3, 7", Y Type: Seed, Y Values: "-1, 5", Fixed Y Values: "99, 5"',
    );
  });
});
