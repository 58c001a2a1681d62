/**
 * The random-weight Real-ESRGAN general x4v3 replica (tools/replica/make_srvgg.py), built once and
 * cached in .cache/replicas/srvgg-<key> (the key hashes the builder and the architecture's source).
 * It is laid out as a downloaded upscaler folder: upscaler/model.onnx + upscaler/config.json.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SOURCES = [join(ROOT, 'tools/replica/make_srvgg.py'), join(ROOT, 'training/sr/train_sr.py')];

/**
 * `fixed`: the Qualcomm AI Hub interface the shipped catalog entry downloads (`image` [1, 3, N, N]
 * -> `upscaled_image`, no config.json: the factor comes from the catalog), same weights.
 */
export function ensureSrvggReplica(options: { fixed?: number } = {}): {
  dir: string;
  info: { parameters: number; bytes: number };
} {
  const hash = createHash('sha256');
  for (const file of SOURCES) hash.update(readFileSync(file));
  const variant = options.fixed ? `-fixed${options.fixed}` : '';
  const dir = join(ROOT, '.cache/replicas', `srvgg-x4v3${variant}-${hash.digest('hex').slice(0, 12)}`);
  const manifest = join(dir, 'upscaler/srvgg.json');
  if (!existsSync(manifest)) {
    const tmp = `${dir}.tmp-${process.pid}`;
    mkdirSync(join(tmp, 'upscaler'), { recursive: true });
    const fixed = options.fixed ? ['--fixed', String(options.fixed)] : [];
    execFileSync('/usr/bin/python3', [SOURCES[0] as string, '--out', join(tmp, 'upscaler'), ...fixed], {
      stdio: 'pipe',
      timeout: 300_000,
    });
    if (!options.fixed)
      writeFileSync(
        join(tmp, 'upscaler/config.json'),
        JSON.stringify({ _class_name: 'SRVGGNetCompact', num_feat: 64, num_conv: 32, upscale: 4, act_type: 'prelu' }),
      );
    if (existsSync(dir)) rmSync(tmp, { recursive: true, force: true });
    else renameSync(tmp, dir);
  }
  return { dir, info: JSON.parse(readFileSync(manifest, 'utf8')) as { parameters: number; bytes: number } };
}
