/**
 * `npm run generate -- --xyz-x … --xyz-y …` writes the labelled grid with A1111's grid infotext
 * and a C2PA manifest, plus every cell with its own settings; bad axes fail before any work.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };
import { readPngText } from '../../src/metadata/png-text.ts';
import { readWithC2paRs } from '../support/c2pa-rs-reader.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'latent-studio-cli-xyz-'));
const env = { ...process.env, LATENT_STUDIO_C2PA_KEY: join(dir, 'key.json') };
const cli = (args: string[]) => run('npx', ['tsx', 'src/cli/generate.ts', ...args], { timeout: 180_000, env });
const textOf = (file: string) =>
  readPngText(new Uint8Array(readFileSync(file))).find((e) => e.keyword === 'parameters')?.text;

describe('npm run generate --xyz-*', () => {
  it('writes the grid and its cells', async () => {
    const out = join(dir, 'grid.png');
    await cli([
      '--prompt',
      'a red star',
      '--seed',
      '5',
      '--xyz-x',
      'CFG scale: 3, 7',
      '--xyz-y',
      'Steps: 1, 2',
      '--out',
      out,
    ]);
    const grid = PNG.sync.read(readFileSync(out));
    // Two 64 px columns and rows plus the label margins (two lines of column heads, row heads).
    expect(grid.width).toBeGreaterThan(128);
    expect(grid.height).toBeGreaterThan(128);
    expect(textOf(out)).toBe(
      `a red star\nSteps: 1, Sampler: Euler, CFG scale: 3, Seed: 5, Size: 64x64, Model: tiny-shapes, Version: latent-studio ${pkg.version}, Script: X/Y/Z plot, X Type: CFG Scale, X Values: "3, 7", Y Type: Steps, Y Values: "1, 2"`,
    );
    const cells = [0, 1, 2, 3].map((i) => join(dir, `grid-cell-00${i}.png`));
    expect(cells.map((f) => textOf(f)?.match(/Steps: \d+|CFG scale: \d+/g))).toEqual([
      ['Steps: 1', 'CFG scale: 3'],
      ['Steps: 1', 'CFG scale: 7'],
      ['Steps: 2', 'CFG scale: 3'],
      ['Steps: 2', 'CFG scale: 7'],
    ]);
    // The bottom-right cell of the grid is cell 3's pixels.
    const last = PNG.sync.read(readFileSync(cells[3]!));
    const at = (img: PNG, x: number, y: number) =>
      Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4));
    expect(at(grid, grid.width - 1, grid.height - 1)).toEqual(at(last, 63, 63));
    const report = await readWithC2paRs(new Uint8Array(readFileSync(out)));
    expect(report.validation_state).toBe('Valid');
  });

  it('refuses a bad axis with a clear message and writes nothing', async () => {
    const out = join(dir, 'bad.png');
    const failed = await cli(['--xyz-x', 'Steps: 4, lots', '--out', out]).catch(
      (e: { stderr: string; code: number }) => e,
    );
    expect('stderr' in failed && failed.stderr).toContain('error: "lots" is not a whole number (Steps)');
    expect(existsSync(out)).toBe(false);
  });
});
