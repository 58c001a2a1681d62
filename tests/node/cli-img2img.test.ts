/**
 * `npm run generate` with a source image, a mask, a variation seed and interpolation frames: the
 * flags reach the pipeline, frames are written as out-000.png …, and each PNG carries A1111's keys.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { readPngText } from '../../src/metadata/png-text.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'latent-studio-cli-i2i-'));
const cli = (...args: string[]) => run('npx', ['tsx', 'src/cli/generate.ts', ...args], { timeout: 120_000 });
const parameters = (file: string) =>
  readPngText(new Uint8Array(readFileSync(file))).find((e) => e.keyword === 'parameters')?.text ?? '';
const meanDiff = (a: PNG, b: PNG) => {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) if (i % 4 !== 3) s += Math.abs((a.data[i] ?? 0) - (b.data[i] ?? 0));
  return s / ((a.data.length / 4) * 3);
};
const src = join(dir, 'src.png');

beforeAll(async () => {
  await cli(
    '--prompt',
    'a big red circle in the center on a white background',
    '--seed',
    '11',
    '--cfg',
    '6',
    '--out',
    src,
  );
});

describe('npm run generate: image to image', () => {
  it('--init-image --strength: low strength stays close to the source, A1111 keys written', async () => {
    const out = join(dir, 'low.png');
    await cli(
      '--prompt',
      'a small blue square in the top left corner on a black background',
      '--cfg',
      '1',
      '--seed',
      '5',
      '--init-image',
      src,
      '--strength',
      '0.1',
      '--out',
      out,
    );
    const d = meanDiff(PNG.sync.read(readFileSync(out)), PNG.sync.read(readFileSync(src)));
    expect(d).toBeLessThan(20);
    expect(parameters(out)).toContain('Denoising strength: 0.1');
    expect(parameters(out)).not.toContain('Mask blur');
  });

  it('--mask keeps the unmasked half exactly (A1111 overlay) and writes the mask keys', async () => {
    const mask = new PNG({ width: 64, height: 64 });
    for (let p = 0; p < 64 * 64; p++) {
      const v = p % 64 < 32 ? 255 : 0;
      mask.data.set([v, v, v, 255], p * 4);
    }
    const maskFile = join(dir, 'mask.png');
    writeFileSync(maskFile, PNG.sync.write(mask));
    const out = join(dir, 'inpaint.png');
    await cli(
      '--prompt',
      'a big blue circle',
      '--seed',
      '5',
      '--init-image',
      src,
      '--strength',
      '1',
      '--mask',
      maskFile,
      '--mask-blur',
      '0',
      '--out',
      out,
    );
    const a = PNG.sync.read(readFileSync(out));
    const s = PNG.sync.read(readFileSync(src));
    let outside = 0;
    for (let p = 0; p < 64 * 64; p++)
      if (p % 64 >= 32)
        for (let c = 0; c < 3; c++)
          outside = Math.max(outside, Math.abs((a.data[p * 4 + c] ?? 0) - (s.data[p * 4 + c] ?? 0)));
    expect(outside).toBe(0);
    expect(parameters(out)).toContain('Mask blur: 0, Masked content: original');
  });

  it('--subseed --subseed-strength --resize-seed-from are written as A1111 keys', async () => {
    const out = join(dir, 'var.png');
    await cli(
      '--prompt',
      'a red star',
      '--seed',
      '5',
      '--subseed',
      '9',
      '--subseed-strength',
      '0.3',
      '--resize-seed-from',
      '128x128',
      '--out',
      out,
    );
    expect(parameters(out)).toContain('Variation seed: 9, Variation seed strength: 0.3, Seed resize from: 128x128');
  });

  it('--interpolate-seed --frames writes out-000.png … with each frame’s variation strength', async () => {
    const out = join(dir, 'frames.png');
    await cli('--prompt', 'a red star', '--seed', '5', '--interpolate-seed', '9', '--frames', '3', '--out', out);
    for (const k of ['000', '001', '002']) expect(existsSync(join(dir, `frames-${k}.png`))).toBe(true);
    expect(parameters(join(dir, 'frames-000.png'))).not.toContain('Variation seed');
    expect(parameters(join(dir, 'frames-001.png'))).toContain('Variation seed: 9, Variation seed strength: 0.5');
    expect(parameters(join(dir, 'frames-002.png'))).toContain('Variation seed strength: 1');
  });

  it('bad image flags fail with a message and exit code 2', async () => {
    const err = await cli('--init-image', src, '--strength', '1.5', '--out', join(dir, 'bad.png')).catch(
      (e: unknown) => e,
    );
    expect((err as { code?: number }).code).toBe(2);
    expect(String((err as { stderr?: string }).stderr)).toMatch(/Denoising strength must be between 0 and 1/);
  });
});
