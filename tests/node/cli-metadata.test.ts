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
});
