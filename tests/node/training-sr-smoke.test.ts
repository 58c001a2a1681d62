/**
 * Keeps the SR recipe (training/sr/train_sr.py) from rotting: a few seconds of training from
 * scratch, the export in the upscaler folder layout, and the studio's loader upscaling with it.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { upscaleImage } from '../../src/pipeline/upscale.ts';
import { loadNodeUpscaler } from '../../src/runtime/node/upscaler-node.ts';

const run = promisify(execFile);

describe('SR recipe smoke run', () => {
  it('trains briefly, exports upscaler/model.onnx + config, and the studio upscales with it', async () => {
    const out = mkdtempSync(join(tmpdir(), 'latent-studio-sr-smoke-'));
    await run(
      '/usr/bin/python3',
      ['training/sr/train_sr.py', '--out', out, '--minutes', '0.05', '--pool', '200', '--eval-n', '4'],
      { timeout: 240_000 },
    );
    for (const file of ['model_index.json', 'upscaler/model.onnx', 'upscaler/config.json', 'training_meta.json'])
      expect(existsSync(join(out, file)), file).toBe(true);
    const meta = JSON.parse(readFileSync(join(out, 'training_meta.json'), 'utf8')) as { eval: { sr_psnr: number } };
    expect(Number.isFinite(meta.eval.sr_psnr)).toBe(true);
    const loaded = await loadNodeUpscaler(out);
    expect(loaded.model.scale).toBe(2);
    const img = { data: new Uint8ClampedArray(32 * 24 * 4).fill(200), width: 32, height: 24 };
    const up = await upscaleImage(img, 2, { kind: 'model', name: 'smoke', model: loaded.model, tiles: loaded.tiles });
    expect([up.width, up.height]).toEqual([64, 48]);
    await loaded.release();
  }, 240_000);
});
