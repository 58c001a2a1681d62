/**
 * The Node pipeline through the CLI users run: `npm run generate` on the shipped model writes a
 * PNG of the right size that is not constant; the same seed reproduces the pixels exactly; a
 * different seed changes them.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'latent-studio-cli-'));

async function generate(name: string, ...args: string[]) {
  const out = join(dir, name);
  await run('npx', ['tsx', 'src/cli/generate.ts', '--out', out, ...args], { timeout: 120_000 });
  return PNG.sync.read(readFileSync(out));
}

describe('npm run generate', () => {
  const base = [
    '--prompt',
    'a big red circle on a blue background',
    '--steps',
    '12',
    '--cfg',
    '7',
    '--sampler',
    'euler',
  ];

  it('writes a PNG of the model size that is not a constant image, reproducibly per seed', async () => {
    const [a, b, c] = await Promise.all([
      generate('a.png', ...base, '--seed', '1'),
      generate('b.png', ...base, '--seed', '1'),
      generate('c.png', ...base, '--seed', '2'),
    ]);
    expect(a.width).toBe(64);
    expect(a.height).toBe(64);
    const colours = new Set<number>();
    for (let i = 0; i < a.data.length; i += 4) colours.add(a.data.readUInt32BE(i));
    expect(colours.size).toBeGreaterThan(8);
    expect(Buffer.compare(a.data, b.data)).toBe(0);
    expect(Buffer.compare(a.data, c.data)).not.toBe(0);
  });

  it('rejects out-of-range input with a message and a non-zero exit', async () => {
    await expect(generate('bad.png', ...base, '--steps', '0')).rejects.toMatchObject({
      stderr: expect.stringContaining('Steps must be between 1 and 150'),
    });
  });
});
