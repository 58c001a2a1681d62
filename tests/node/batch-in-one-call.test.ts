/**
 * Batches in one call (A1111 "Batch size", diffusers `num_images_per_prompt`): the images of a
 * batch share each U-Net call, and every image keeps the pixels it gets when made alone — its own
 * seed, its own torch-exact noise, its own scheduler. Run in Node through onnxruntime-node on the
 * shipped models; a fixed-batch export falls back to one image per call.
 */
import { describe, expect, it } from 'vitest';
import { generate, type GenerateRequest } from '../../src/pipeline/generate.ts';
import type { DiffusionModel, UnetModel } from '../../src/pipeline/types.ts';
import { shippedModels } from '../support/shipped-models.ts';

const shipped = shippedModels();

/** The model with its U-Net's calls recorded (batch rows per call); optionally a fixed batch axis. */
function recorded(model: DiffusionModel, dynamicBatch = model.unet.dynamicBatch) {
  const calls: number[] = [];
  const unet: UnetModel = {
    dynamicBatch,
    fixedSequenceLength: model.unet.fixedSequenceLength,
    latentChannels: model.unet.latentChannels,
    ...(model.unet.inChannels !== undefined ? { inChannels: model.unet.inChannels } : {}),
    predict: (sample, t, context) => {
      calls.push(sample.dims[0] ?? 0);
      return model.unet.predict(sample, t, context);
    },
  };
  return { model: { ...model, unet }, calls };
}

async function run(model: DiffusionModel, request: GenerateRequest) {
  const images = new Map<string, Uint8ClampedArray>();
  await generate(model, request, { clock: () => performance.now(), onImage: (i) => images.set(i.seed, i.rgba) });
  return images;
}

function maxDifference(a: Uint8ClampedArray, b: Uint8ClampedArray) {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

const common = { negativePrompt: 'blurry', width: 64, height: 64 };

describe('batch size: N images per U-Net call', () => {
  it('with CFG (an ancestral sampler): 3 images in one call per step, the same pixels as one at a time', async () => {
    const request: GenerateRequest = {
      ...common,
      prompt: 'a big red circle on a blue background',
      seeds: ['5', '6', '7'],
      steps: 6,
      cfg: 6,
      sampler: 'euler-a',
    };
    const together = recorded(shipped.base.model);
    const batched = await run(together.model, { ...request, batchSize: 3 });
    // CFG doubles the batch: uncond ×3 + cond ×3, one call per step.
    expect(together.calls).toEqual(Array<number>(6).fill(6));
    const single = recorded(shipped.base.model);
    const alone = await run(single.model, { ...request, batchSize: 1 });
    expect(single.calls).toEqual(Array<number>(18).fill(2));
    expect([...batched.keys()]).toEqual(['5', '6', '7']);
    for (const seed of request.seeds) {
      expect(
        maxDifference(batched.get(seed) as Uint8ClampedArray, alone.get(seed) as Uint8ClampedArray),
      ).toBeLessThanOrEqual(1);
    }
    // Each seed is its own image.
    expect(maxDifference(batched.get('5') as Uint8ClampedArray, batched.get('6') as Uint8ClampedArray)).toBeGreaterThan(
      20,
    );
  });

  it('without CFG (the 4-step model): one call of batch N per step, no unconditional rows', async () => {
    const request: GenerateRequest = {
      ...common,
      negativePrompt: '',
      prompt: 'a small green square',
      seeds: ['11', '12', '13', '14', '15'],
      steps: 4,
      cfg: 1,
      sampler: 'euler',
    };
    const together = recorded(shipped.turbo.model);
    // Batch size 2 over 5 images: calls of 2, 2 and 1.
    const batched = await run(together.model, { ...request, batchSize: 2 });
    expect(together.calls).toEqual([2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1]);
    const alone = await run(shipped.turbo.model, request);
    for (const seed of request.seeds) {
      expect(
        maxDifference(batched.get(seed) as Uint8ClampedArray, alone.get(seed) as Uint8ClampedArray),
      ).toBeLessThanOrEqual(1);
    }
  });

  it('a U-Net with a fixed batch axis runs the batch one image at a time, with the same pixels', async () => {
    const request: GenerateRequest = {
      ...common,
      prompt: 'a blue triangle',
      seeds: ['3', '4'],
      steps: 3,
      cfg: 5,
      sampler: 'euler',
      batchSize: 2,
    };
    const fixed = recorded(shipped.base.model, false);
    const images = await run(fixed.model, request);
    expect(fixed.calls).toEqual(Array<number>(12).fill(1)); // 2 images × 3 steps × (uncond, cond)
    const alone = await run(shipped.base.model, { ...request, batchSize: 1 });
    for (const seed of request.seeds) {
      expect(
        maxDifference(images.get(seed) as Uint8ClampedArray, alone.get(seed) as Uint8ClampedArray),
      ).toBeLessThanOrEqual(1);
    }
  });
});
