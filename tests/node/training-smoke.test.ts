/**
 * Keeps the training recipes from rotting: a few iterations from scratch, export, then the export
 * loads in onnxruntime-node through the studio's own loader and produces an image; then a few
 * iterations of the few-step distillation (training/distill.py) from that run, whose export
 * (float16-stored U-Net weights, its own scheduler config) generates in 4 steps without CFG; then
 * a few steps of the caption parser (training/parser.py), whose text encoder replaces both
 * folders' and still generates.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { txt2img } from '../../src/pipeline/txt2img.ts';
import { loadNodeModel } from '../../src/runtime/node/ort-node.ts';

const run = promisify(execFile);
const python = '/usr/bin/python3';

/** Loads an exported folder with the studio's own loader and generates one 64×64 image. */
async function generateOne(folder: string, prompt: string, steps: number, cfg: number): Promise<Uint8ClampedArray[]> {
  const loaded = await loadNodeModel(folder);
  const images: Uint8ClampedArray[] = [];
  try {
    await txt2img(
      loaded.model,
      { prompt, negativePrompt: '', seeds: ['3'], steps, cfg, sampler: 'euler', width: 64, height: 64 },
      { clock: () => performance.now(), onImage: (image) => images.push(image.rgba) },
    );
  } finally {
    await loaded.release();
  }
  return images;
}

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
    const images = await generateOne(out, 'a red circle', 2, 5);
    expect(images).toHaveLength(1);
    expect(images[0]?.length).toBe(64 * 64 * 4);

    const turbo = mkdtempSync(join(tmpdir(), 'latent-studio-smoke-turbo-'));
    await run(
      python,
      [
        'training/distill.py',
        '--smoke',
        '--base-run',
        'training/runs/smoke',
        '--base-model',
        out,
        '--run-dir',
        join(turbo, 'run'),
        '--out',
        join(turbo, 'model'),
      ],
      { timeout: 240_000 },
    );
    const scheduler = JSON.parse(readFileSync(join(turbo, 'model/scheduler/scheduler_config.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(scheduler['timestep_spacing']).toBe('trailing');
    const fastImages = await generateOne(join(turbo, 'model'), 'a red circle', 4, 1);
    expect(fastImages).toHaveLength(1);
    expect(fastImages[0]?.length).toBe(64 * 64 * 4);

    await run(
      python,
      [
        'training/parser.py',
        '--smoke',
        '--model',
        out,
        '--also',
        join(turbo, 'model'),
        '--run-dir',
        join(turbo, 'parser'),
      ],
      { timeout: 240_000 },
    );
    for (const folder of [out, join(turbo, 'model')]) {
      const config = JSON.parse(readFileSync(join(folder, 'text_encoder/config.json'), 'utf8')) as Record<
        string,
        unknown
      >;
      expect(config['caption_parser'], folder).toBeDefined();
    }
    const parsedImages = await generateOne(out, 'blue background, a red circle', 2, 5);
    expect(parsedImages).toHaveLength(1);
  }, 720_000);
});
