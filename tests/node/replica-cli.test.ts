/**
 * Stable Diffusion's real architectures (random weights, tools/replica) through the CLI users
 * run: SD 1.5 and its inpainting U-Net in the nmkd fp16 layout (fp16 IO, float16 timestep,
 * unet/weights.pb found from the graph itself) and SD-Turbo in the sd-turbo-ort-web layout
 * (float32 IO around an fp16 body, int64 timestep), at scale 0.25 and 256×256. Each writes a
 * finite, non-constant image of the right size with the sampler its scheduler config implies.
 * The builder's parameter counts at full scale equal the published ones (a meta-device dry run).
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { readPngText } from '../../src/metadata/png-text.ts';
import { ensureReplica, type ReplicaArch } from '../support/replicas.ts';

const run = promisify(execFile);
const out = mkdtempSync(join(tmpdir(), 'latent-studio-replica-'));

describe('replica builder', () => {
  it('prints the published parameter counts at full scale (dry run)', () => {
    const counts = (arch: ReplicaArch) => {
      const text = execFileSync('/usr/bin/python3', ['tools/replica/make_replica.py', '--arch', arch, '--dry-run'], {
        encoding: 'utf8',
      });
      return (JSON.parse(text.trim().split('\n').pop() as string) as { counts: Record<string, number> }).counts;
    };
    expect(counts('sd15')).toMatchObject({ text_encoder: 123_060_480, unet: 859_520_964, vae: 83_653_863 });
    expect(counts('sd-turbo')).toMatchObject({ text_encoder: 340_387_840, unet: 865_910_724, vae: 83_653_863 });
    expect(counts('sd15-inpaint')).toMatchObject({ unet: 859_535_364 });
  });
});

describe.each([
  { arch: 'sd15' as const, steps: '2', cfg: '7.5' },
  { arch: 'sd15-inpaint' as const, steps: '1', cfg: '7.5' },
  { arch: 'sd-turbo' as const, steps: '1', cfg: '1' },
])('npm run generate on the $arch replica (scale 0.25)', ({ arch, steps, cfg }) => {
  it('writes a finite 256×256 image with the model’s sampler', { timeout: 300_000 }, async () => {
    const { dir, info } = ensureReplica({ arch });
    expect(info.files.some((f) => f.path === 'unet/model.onnx')).toBe(true);
    const file = join(out, `${arch}.png`);
    await run(
      'npx',
      [
        'tsx',
        'src/cli/generate.ts',
        '--model',
        dir,
        '--prompt',
        'a red circle',
        '--steps',
        steps,
        '--cfg',
        cfg,
        '--seed',
        '3',
        '--out',
        file,
      ],
      { timeout: 240_000 },
    );
    const bytes = readFileSync(file);
    const png = PNG.sync.read(bytes);
    // unet/config.json sample_size 32 × the VAE's factor 8: the model's own default size.
    expect([png.width, png.height]).toEqual([256, 256]);
    const colours = new Set<number>();
    for (let i = 0; i < png.data.length; i += 4) colours.add(png.data.readUInt32BE(i));
    // Random weights draw noise, not a picture, but never one flat colour (NaN decodes to one).
    expect(colours.size).toBeGreaterThan(1000);
    // Both schedulers (SD 1.5's PNDM config, SD-Turbo's EulerDiscrete) map to Euler.
    const parameters = readPngText(bytes).find((e) => e.keyword === 'parameters')?.text;
    expect(parameters).toContain('Sampler: Euler');
  });
});
