/**
 * Runs two versions of one ONNX graph (before / after a tools/onnx-opt pass) in onnxruntime-node
 * on several input shapes and prints the largest |difference| of each output, and how many nodes
 * onnxruntime executes for each after its own optimiser (level 'all').
 *
 *   npx tsx tools/onnx-opt/compare.ts BEFORE.onnx AFTER.onnx [unet|vae|text]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { onnxNodeCount } from './node-count.ts';

type Feeds = Record<string, ort.Tensor>;

const wave = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed) * 0.9);

/** Feeds for one call of a U-Net (sample, timestep, encoder_hidden_states) at the given dims. */
export function unetFeeds(batch: number, h: number, w: number, seq: number, ctxDim = 96): Feeds {
  return {
    sample: new ort.Tensor('float32', wave(batch * 4 * h * w, 1), [batch, 4, h, w]),
    timestep: new ort.Tensor(
      'float32',
      Float32Array.from({ length: batch }, (_, i) => 999 - 333 * i),
      [batch],
    ),
    encoder_hidden_states: new ort.Tensor('float32', wave(batch * seq * ctxDim, 2), [batch, seq, ctxDim]),
  };
}

export const vaeFeeds = (batch: number, h: number, w: number): Feeds => ({
  latent_sample: new ort.Tensor('float32', wave(batch * 4 * h * w, 3), [batch, 4, h, w]),
});

/** Largest |a − b| over every output of the two sessions for the same feeds. */
export async function maxDiff(a: ort.InferenceSession, b: ort.InferenceSession, feeds: Feeds): Promise<number> {
  const [ra, rb] = [await a.run(feeds), await b.run(feeds)];
  let worst = 0;
  for (const name of a.outputNames) {
    const x = ra[name]?.data as Float32Array;
    const y = rb[name]?.data as Float32Array;
    if (!x || !y || x.length !== y.length) return Infinity;
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs((x[i] as number) - (y[i] as number)));
  }
  return worst;
}

/** How many nodes onnxruntime runs for this graph after its level-'all' optimiser. */
export async function executedNodes(path: string): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'ls-onnx-opt-'));
  try {
    const out = join(dir, 'optimized.onnx');
    // Without the NCHWc layout pass (x86-only): what the WASM build executes.
    const s = await ort.InferenceSession.create(path, {
      graphOptimizationLevel: 'extended',
      optimizedModelFilePath: out,
      intraOpNumThreads: 1,
    });
    await s.release();
    return onnxNodeCount(readFileSync(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const [before, after, kind = 'unet'] = process.argv.slice(2);
  if (!before || !after) throw new Error('usage: compare.ts BEFORE.onnx AFTER.onnx [unet|vae]');
  const opts = { intraOpNumThreads: 1 };
  const [a, b] = [await ort.InferenceSession.create(before, opts), await ort.InferenceSession.create(after, opts)];
  const shapes: [number, number, number, number][] =
    kind === 'unet'
      ? [
          [1, 8, 8, 77],
          [2, 8, 8, 77],
          [2, 16, 8, 77],
          [1, 32, 32, 77],
          [3, 12, 20, 9],
        ]
      : [
          [1, 8, 8, 0],
          [2, 16, 8, 0],
          [1, 32, 32, 0],
        ];
  for (const [n, h, w, seq] of shapes) {
    const feeds = kind === 'unet' ? unetFeeds(n, h, w, seq) : vaeFeeds(n, h, w);
    console.log(
      `batch ${n}, ${h}x${w}${kind === 'unet' ? `, ${seq} tokens` : ''}: max |diff| ${(await maxDiff(a, b, feeds)).toExponential(2)}`,
    );
  }
  console.log(`executed nodes (ORT level extended): ${await executedNodes(before)} -> ${await executedNodes(after)}`);
}
if (process.argv[1]?.endsWith('compare.ts')) void main();
