/**
 * A denoiser that produces NaN (an fp16 overflow, a broken export) ends the job with a sentence
 * instead of decoding a silent black image. The model here is a small fake: the check under
 * test is the pipeline's, not the model's.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Float32Tensor } from '../../src/math/tensor.ts';
import { txt2img } from '../../src/pipeline/txt2img.ts';
import type { DiffusionModel } from '../../src/pipeline/types.ts';
import { EngineError } from '../../src/protocol/messages.ts';
import { parseSchedulerConfig } from '../../src/schedulers/config.ts';

const schedulerConfig = parseSchedulerConfig(
  JSON.parse(
    readFileSync(new URL('../../models/tiny-shapes/scheduler/scheduler_config.json', import.meta.url), 'utf8'),
  ),
);

function fakeModel(noise: (n: number) => number): DiffusionModel & { decodes: number } {
  const model = {
    decodes: 0,
    info: {
      id: 'fake',
      scalingFactor: 0.18215,
      vaeFactor: 8,
      sampleSize: 8,
      latentRgb: {
        weights: [
          [1, 1, 1],
          [0, 0, 0],
          [0, 0, 0],
          [0, 0, 0],
        ],
        bias: [0, 0, 0],
        scaled: false,
      },
    },
    tokenizer: { bosId: 1, eosId: 2, padId: 2, commaId: null, tokenize: () => [5] },
    textEncoder: {
      encode: async (ids: readonly (readonly number[])[]): Promise<Float32Tensor> => ({
        data: new Float32Array(ids.length * 77 * 4).fill(0.1),
        dims: [ids.length, 77, 4],
      }),
    },
    unet: {
      dynamicBatch: true,
      fixedSequenceLength: null,
      latentChannels: 4,
      predict: async (sample: Float32Tensor): Promise<Float32Tensor> => ({
        data: Float32Array.from(sample.data, (_, i) => noise(i)),
        dims: sample.dims,
      }),
    },
    vaeDecoder: {
      decode: async (latents: Float32Tensor): Promise<Float32Tensor> => {
        model.decodes += 1;
        const [b = 1, , h = 1, w = 1] = latents.dims;
        return { data: new Float32Array(b * 3 * h * 8 * w * 8), dims: [b, 3, h * 8, w * 8] };
      },
    },
    schedulerConfig,
  };
  return model as unknown as DiffusionModel & { decodes: number };
}

const request = {
  prompt: 'a',
  negativePrompt: '',
  seeds: ['1'],
  steps: 3,
  cfg: 7,
  sampler: 'euler',
  width: 64,
  height: 64,
};

describe('non-finite latents', () => {
  it('stop the job at the step they appear, with a message, and nothing is decoded', async () => {
    const model = fakeModel((i) => (i === 5 ? NaN : 0.01));
    const images: unknown[] = [];
    const run = txt2img(model, request, { clock: () => 0, onImage: (image) => images.push(image) });
    await expect(run).rejects.toThrow(EngineError);
    await expect(run).rejects.toThrow(/numerically invalid \(NaN or Infinity\) at step 1 of 3/);
    expect(model.decodes).toBe(0);
    expect(images).toEqual([]);
  });
  it('let finite latents through to the decoder', async () => {
    const model = fakeModel(() => 0.01);
    const images: unknown[] = [];
    await txt2img(model, request, { clock: () => 0, onImage: (image) => images.push(image) });
    expect(images).toHaveLength(1);
    expect(model.decodes).toBe(1);
  });
});
