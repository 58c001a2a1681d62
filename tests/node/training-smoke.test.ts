/**
 * Keeps the training recipe from rotting: a few iterations from scratch, export, then the export
 * loads in onnxruntime-node through the studio's own loader and produces an image.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { txt2img } from '../../src/pipeline/txt2img.ts';
import { loadNodeModel } from '../../src/runtime/node/ort-node.ts';

const run = promisify(execFile);
const python = '/usr/bin/python3';

describe('training recipe smoke run', () => {
  it('trains a few iterations, exports the diffusers ONNX layout, and the studio can generate with it', async () => {
    const out = mkdtempSync(join(tmpdir(), 'latent-studio-smoke-'));
    await run(python, ['training/train.py', '--smoke', '--out', out], { timeout: 240_000 });
    for (const file of [
      'model_index.json',
      'unet/model.onnx',
      'text_encoder/model.onnx',
      'vae_decoder/model.onnx',
      'vae_encoder/model.onnx',
      'tokenizer/tokenizer.json',
      'scheduler/scheduler_config.json',
    ]) {
      expect(existsSync(join(out, file)), file).toBe(true);
    }
    const loaded = await loadNodeModel(out);
    const images: Uint8ClampedArray[] = [];
    await txt2img(
      loaded.model,
      {
        prompt: 'a red circle',
        negativePrompt: '',
        seeds: ['3'],
        steps: 2,
        cfg: 5,
        sampler: 'euler',
        width: 64,
        height: 64,
      },
      { clock: () => performance.now(), onImage: (image) => images.push(image.rgba) },
    );
    expect(images).toHaveLength(1);
    expect(images[0]?.length).toBe(64 * 64 * 4);
    await loaded.release();
  }, 300_000);
});
