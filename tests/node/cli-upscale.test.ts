/**
 * `npm run upscale`: a generated PNG in, ×2 / ×4 out with the embedded SR model (or Lanczos), the
 * source's `parameters` kept and A1111's `postprocessing` chunk added; bad input is refused.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { readPngText } from '../../src/metadata/png-text.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'latent-studio-cli-upscale-'));

describe('npm run upscale', () => {
  it('makes a ×4 image with the embedded model, keeping parameters and adding postprocessing', async () => {
    const src = join(dir, 'src.png');
    await run('npx', [
      'tsx',
      'src/cli/generate.ts',
      '--out',
      src,
      '--prompt',
      'a big red star',
      '--steps',
      '4',
      '--seed',
      '3',
    ]);
    const out = join(dir, 'x4.png');
    const { stdout } = await run('npx', [
      'tsx',
      'src/cli/upscale.ts',
      '--in',
      src,
      '--scale',
      '4',
      '--out',
      out,
      '--json',
    ]);
    const summary = JSON.parse(stdout.trim().split('\n').pop() as string) as { width: number; height: number };
    expect([summary.width, summary.height]).toEqual([256, 256]);
    const bytes = new Uint8Array(readFileSync(out));
    const png = PNG.sync.read(Buffer.from(bytes));
    expect([png.width, png.height]).toEqual([256, 256]);
    const chunks = readPngText(bytes);
    const original = readPngText(new Uint8Array(readFileSync(src))).find((c) => c.keyword === 'parameters');
    expect(chunks.find((c) => c.keyword === 'parameters')?.text).toBe(original?.text);
    expect(chunks.find((c) => c.keyword === 'postprocessing')?.text).toBe(
      'Postprocess upscale by: 4, Postprocess upscaler: Tiny Shapes SR 2x',
    );
    // the upscale is of that image: shrinking it back gives the source (box filter, within a few levels)
    const source = PNG.sync.read(readFileSync(src));
    let err = 0;
    for (let y = 0; y < 64; y++)
      for (let x = 0; x < 64; x++)
        for (let c = 0; c < 3; c++) {
          let acc = 0;
          for (let dy = 0; dy < 4; dy++)
            for (let dx = 0; dx < 4; dx++) acc += png.data[((y * 4 + dy) * 256 + x * 4 + dx) * 4 + c] ?? 0;
          err += Math.abs(acc / 16 - (source.data[(y * 64 + x) * 4 + c] ?? 0));
        }
    expect(err / (64 * 64 * 3)).toBeLessThan(6);
  }, 120_000);

  it('upscales ×2 with Lanczos, and refuses a factor out of range', async () => {
    const lr = 'tests/fixtures/sr/scene-0-lr.png';
    const out = join(dir, 'lanczos.png');
    await run('npx', ['tsx', 'src/cli/upscale.ts', '--in', lr, '--scale', '2', '--upscaler', 'lanczos', '--out', out]);
    const bytes = new Uint8Array(readFileSync(out));
    expect(PNG.sync.read(Buffer.from(bytes)).width).toBe(128);
    expect(readPngText(bytes).find((c) => c.keyword === 'postprocessing')?.text).toBe(
      'Postprocess upscale by: 2, Postprocess upscaler: Lanczos',
    );
    const refused = await run('npx', ['tsx', 'src/cli/upscale.ts', '--in', lr, '--scale', '100', '--out', out]).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect((refused as { code: number }).code).toBe(2);
    expect((refused as { stderr: string }).stderr).toMatch(/between 1 and 8/);
  }, 120_000);

  it('npm run generate --hires-scale 2 makes the hires size and writes A1111 hires keys', async () => {
    const out = join(dir, 'hires.png');
    await run('npx', [
      'tsx',
      'src/cli/generate.ts',
      '--out',
      out,
      '--prompt',
      'a big red star',
      '--steps',
      '4',
      '--seed',
      '2',
      '--hires-scale',
      '2',
      '--hires-upscaler',
      'tiny-shapes-sr',
      '--hires-steps',
      '3',
      '--hires-denoise',
      '0.3',
    ]);
    const bytes = new Uint8Array(readFileSync(out));
    expect(PNG.sync.read(Buffer.from(bytes)).width).toBe(128);
    expect(readPngText(bytes).find((c) => c.keyword === 'parameters')?.text).toContain(
      'Size: 64x64, Denoising strength: 0.3, Hires upscale: 2, Hires steps: 3, Hires upscaler: Tiny Shapes SR 2x',
    );
    const refused = await run('npx', ['tsx', 'src/cli/generate.ts', '--out', out, '--hires-scale', '9']).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect((refused as { stderr: string }).stderr).toMatch(/Hires upscale must be between 1 and 4/);
  }, 120_000);
});
