/**
 * Random-weight replicas of the real Stable Diffusion architectures (tools/replica), built on
 * demand for the tests and cached in .cache/replicas/<key>, where the key hashes the builder's
 * source and the build arguments: a rerun with an unchanged builder reuses the files (seconds),
 * a changed builder rebuilds. Also turns a build into a `?catalog=` entry for the studio.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type ReplicaArch = 'sd15' | 'sd15-inpaint' | 'sd-turbo';

export interface ReplicaSpec {
  arch: ReplicaArch;
  dtype?: 'fp16' | 'fp32';
  scale?: number;
  /** unet/config.json sample_size: 32 → 256×256 by default. */
  sampleSize?: number;
}

export interface ReplicaInfo {
  arch: ReplicaArch;
  dtype: 'fp16' | 'fp32';
  scale: number;
  sampleSize: number;
  counts: Record<string, number>;
  largestWeightBytes: number;
  external: Record<string, string>;
  exportSeconds: Record<string, number>;
  peakRssMB: number;
  files: { path: string; size: number; sha256: string }[];
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BUILDER = join(ROOT, 'tools/replica/make_replica.py');
const SOURCES = [BUILDER, join(ROOT, 'tools/replica/sd_modules.py')];
export const REPLICA_CACHE = join(ROOT, '.cache/replicas');

function keyOf(spec: Required<ReplicaSpec>): string {
  const hash = createHash('sha256');
  for (const file of SOURCES) hash.update(readFileSync(file));
  hash.update(JSON.stringify(spec));
  return `${spec.arch}-${spec.dtype}-s${spec.scale}-${hash.digest('hex').slice(0, 12)}`;
}

/** Builds the replica unless the cache has it; returns its folder and its replica.json. */
export function ensureReplica(input: ReplicaSpec): { dir: string; info: ReplicaInfo; built: boolean } {
  const spec: Required<ReplicaSpec> = {
    arch: input.arch,
    dtype: input.dtype ?? 'fp16',
    scale: input.scale ?? 0.25,
    sampleSize: input.sampleSize ?? 32,
  };
  const dir = join(REPLICA_CACHE, keyOf(spec));
  const manifest = join(dir, 'replica.json');
  let built = false;
  if (!existsSync(manifest)) {
    mkdirSync(REPLICA_CACHE, { recursive: true });
    // Build beside it and rename: a concurrent run (vitest and Playwright) never sees half a model.
    const tmp = `${dir}.tmp-${process.pid}`;
    execFileSync(
      '/usr/bin/python3',
      [
        BUILDER,
        '--arch',
        spec.arch,
        '--dtype',
        spec.dtype,
        '--scale',
        String(spec.scale),
        '--sample-size',
        String(spec.sampleSize),
        '--out',
        tmp,
      ],
      { stdio: 'pipe', timeout: 600_000 },
    );
    try {
      renameSync(tmp, dir);
    } catch {
      rmSync(tmp, { recursive: true, force: true }); // another process finished first
    }
    built = true;
  }
  return { dir, info: JSON.parse(readFileSync(manifest, 'utf8')) as ReplicaInfo, built };
}

const NAMES: Record<ReplicaArch, string> = {
  sd15: 'SD 1.5 replica',
  'sd15-inpaint': 'SD 1.5 inpainting replica',
  'sd-turbo': 'SD-Turbo replica',
};

/** A catalog entry (the studio's `?catalog=` format) for a replica served at `baseUrl`. */
export function replicaCatalogEntry(info: ReplicaInfo, id: string, baseUrl: string): Record<string, unknown> {
  const turbo = info.arch === 'sd-turbo';
  const size = info.sampleSize * 8;
  return {
    id,
    name: `${NAMES[info.arch]} (${info.dtype}, scale ${info.scale})`,
    kind: 'remote',
    baseUrl,
    files: info.files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 })),
    // The real models' defaults (models/catalog.json), at the replica's sample size.
    defaults: turbo
      ? { steps: 1, cfg: 1, sampler: 'euler', width: size, height: size }
      : { steps: 25, cfg: 7.5, sampler: 'euler', width: size, height: size },
    externalData: Object.entries(info.external).map(([graph, data]) => ({ graph, data })),
    needs: { shaderF16: info.dtype === 'fp16', largestWeightBytes: info.largestWeightBytes },
  };
}
