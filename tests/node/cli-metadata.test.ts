/**
 * The CLI writes the same A1111 `parameters` chunk as the studio's Download, one per image of a
 * batch with that image's seed, and it reads back into the same settings.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };
import { paramsFromInfotext } from '../../src/metadata/generation-infotext.ts';
import { readPngText } from '../../src/metadata/png-text.ts';
import { SAMPLERS } from '../../src/schedulers/index.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'latent-studio-cli-meta-'));

describe('npm run generate writes PNG metadata', () => {
  it('tags every image of a batch with its own parameters', async () => {
    const out = join(dir, 'tagged.png');
    await run(
      'npx',
      [
        'tsx',
        'src/cli/generate.ts',
        '--out',
        out,
        '--prompt',
        'a small green ring, top left',
        '--negative',
        'red',
        '--seed',
        '41',
        '--steps',
        '3',
        '--cfg',
        '6.5',
        '--sampler',
        'euler-a',
        '--batch',
        '2',
      ],
      { timeout: 120_000 },
    );
    const texts = [out, join(dir, 'tagged-1.png')].map((file) => {
      const entries = readPngText(new Uint8Array(readFileSync(file)));
      return entries.find((e) => e.keyword === 'parameters')?.text;
    });
    expect(texts[0]).toBe(
      `a small green ring, top left\nNegative prompt: red\nSteps: 3, Sampler: Euler a, CFG scale: 6.5, Seed: 41, Size: 64x64, Model: tiny-shapes, Version: latent-studio ${pkg.version}`,
    );
    expect(texts[1]).toContain('Seed: 42,');
    const back = paramsFromInfotext(texts[1] ?? '', { samplers: SAMPLERS, sizeMultiple: 64 });
    expect(back.ok && back.value.params).toEqual({
      prompt: 'a small green ring, top left',
      negativePrompt: 'red',
      steps: 3,
      sampler: 'euler-a',
      cfg: 6.5,
      seed: '42',
      width: 64,
      height: 64,
    });
  });

  it('--batch-size N: N images per call, each tagged with A1111\'s "Batch size" and "Batch pos"', async () => {
    const out = join(dir, 'batched.png');
    const { stdout } = await run(
      'npx',
      ['tsx', 'src/cli/generate.ts', '--out', out, '--prompt', 'a blue square', '--seed', '7', '--steps', '2'],
      { timeout: 120_000 },
    ).then(() =>
      run(
        'npx',
        [
          'tsx',
          'src/cli/generate.ts',
          '--out',
          join(dir, 'pair.png'),
          '--prompt',
          'a blue square',
          '--seed',
          '7',
          '--steps',
          '2',
          '--batch',
          '2',
          '--batch-size',
          '2',
          '--json',
        ],
        { timeout: 120_000 },
      ),
    );
    const written = JSON.parse(stdout) as { file: string; seed: string }[];
    expect(written.map((w) => w.seed)).toEqual(['7', '8', '9', '10']);
    const text = (file: string) =>
      readPngText(new Uint8Array(readFileSync(file))).find((e) => e.keyword === 'parameters')?.text ?? '';
    expect(text(join(dir, 'pair-3.png'))).toContain('Seed: 10, Size: 64x64, Batch size: 2, Batch pos: 1,');
    expect(text(join(dir, 'pair-2.png'))).toContain('Batch size: 2, Batch pos: 0,');
    // The first image of the batch has the pixels of the same seed made alone.
    const { PNG } = await import('pngjs');
    const pixels = (file: string) => PNG.sync.read(readFileSync(file)).data;
    const a = pixels(join(dir, 'pair.png'));
    const b = pixels(out);
    let max = 0;
    for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
    expect(max).toBeLessThanOrEqual(1);
  });
});
