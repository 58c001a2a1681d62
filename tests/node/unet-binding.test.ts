/**
 * The U-Net's bound path in src/runtime/ort-model.ts (the one WebGPU takes with
 * src/runtime/web/gpu-binding.ts): inputs refilled into buffers kept per key, the context uploaded
 * once per image rather than once per step, the output preallocated and read back. Here the
 * "buffers" are host tensors of onnxruntime-node (which takes preallocated outputs the same way),
 * so the loader's bookkeeping is checked against its unbound path on the real embedded model:
 * the same pixels, and the upload counts the design promises.
 */
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { txt2img, type GeneratedImage } from '../../src/pipeline/txt2img.ts';
import { loadClipTokenizer } from '../../src/runtime/clip-tokenizer.ts';
import { fileModelSource } from '../../src/runtime/node/ort-node.ts';
import { loadOrtModel, type GpuTensorBinding } from '../../src/runtime/ort-model.ts';

const MODEL = resolve('models/tiny-shapes');

/** GpuTensorBinding over host memory: one tensor per key, refilled in place. */
function hostBinding() {
  const slots = new Map<string, { tensor: ort.Tensor; data: Float32Array | Uint16Array; dims: string }>();
  const uploads = new Map<string, number>();
  /** Every buffer ever made, by key and shape (a buffer made again would show up twice). */
  const made: string[] = [];
  const slot = (key: string, type: 'float32' | 'float16', dims: readonly number[]) => {
    const shape = `${type}:${dims.join('x')}`;
    let s = slots.get(key);
    if (!s || s.dims !== shape) {
      const n = dims.reduce((a, b) => a * b, 1);
      const data = type === 'float16' ? new Uint16Array(n) : new Float32Array(n);
      s = { tensor: new ort.Tensor(type, data, dims), data, dims: shape };
      slots.set(key, s);
      made.push(`${key} ${shape}`);
    }
    return s;
  };
  const binding: GpuTensorBinding = {
    input(key, type, data, dims) {
      uploads.set(key, (uploads.get(key) ?? 0) + 1);
      const s = slot(key, type, dims);
      s.data.set(data);
      return s.tensor;
    },
    output: (key, type, dims) => slot(key, type, dims).tensor,
    read: async (key) => {
      const s = slots.get(key);
      if (!s) throw new Error(`nothing bound as ${key}`);
      return s.data.slice();
    },
    release: () => slots.clear(),
  };
  return { binding, uploads, made };
}

async function generate(binding: GpuTensorBinding | null, seeds: string[]) {
  const loaded = await loadOrtModel({
    ort,
    source: fileModelSource(MODEL),
    id: 'tiny-shapes',
    sessionOptions: { executionProviders: ['cpu'], graphOptimizationLevel: 'all', intraOpNumThreads: 1 },
    loadTokenizer: loadClipTokenizer,
    now: () => performance.now(),
    ...(binding ? { unetBinding: async () => binding } : {}),
  });
  const images: GeneratedImage[] = [];
  await txt2img(
    loaded.model,
    {
      prompt: 'a big red circle on a blue background',
      negativePrompt: '',
      seeds,
      steps: 4,
      cfg: 7,
      sampler: 'euler',
      width: 64,
      height: 64,
    },
    { clock: () => performance.now(), onImage: (image) => images.push(image) },
  );
  const runs = loaded.stats.runs;
  await loaded.release();
  return { images, runs };
}

describe('the U-Net on bound buffers', () => {
  it('gives the same pixels as the unbound path, uploading the context once per image', async () => {
    const plain = await generate(null, ['7', '8']);
    const host = hostBinding();
    const bound = await generate(host.binding, ['7', '8']);
    expect(bound.images).toHaveLength(2);
    for (let i = 0; i < 2; i++) {
      expect(Buffer.from(bound.images[i]?.rgba ?? []).equals(Buffer.from(plain.images[i]?.rgba ?? []))).toBe(true);
    }
    // 4 steps × 2 images: the latents go up every step, the context once per image (the same
    // conditioning array for every step of an image, each in a slot of its own), and one output
    // buffer serves them all.
    expect(host.uploads.get('unet.sample')).toBe(8);
    expect((host.uploads.get('unet.context.0') ?? 0) + (host.uploads.get('unet.context.1') ?? 0)).toBe(2);
    expect(host.made.sort()).toEqual([
      'unet.context.0 float32:2x77x96',
      'unet.context.1 float32:2x77x96',
      'unet.out float32:2x4x8x8',
      'unet.sample float32:2x4x8x8',
    ]);
    expect(bound.runs).toBe(plain.runs);
  });
});
