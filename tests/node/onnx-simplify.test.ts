/**
 * tools/onnx-opt/simplify_graph.py (issue #15 item 5): the pass that takes the exporter's per-call
 * shape plumbing out of a U-Net keeps the graph dynamic and its outputs unchanged, and the shipped
 * U-Nets are its output. A fresh U-Net is exported from training/ (random weights, the shipped
 * architecture) without the pass, rewritten, and both are run in onnxruntime-node at shapes the
 * pass never probed.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executedNodes, maxDiff, unetFeeds } from '../../tools/onnx-opt/compare.ts';
import { onnxNodeTypes } from '../../tools/onnx-opt/node-count.ts';

const run = promisify(execFile);
const python = '/usr/bin/python3';
const PASS = 'tools/onnx-opt/simplify_graph.py';

// Exports the shipped U-Net architecture with random weights through training/export.py's
// exporter (the unsimplified graph, as torch.onnx writes it).
const EXPORT = `
import sys, torch
sys.path.insert(0, "training")
import export as exp
from models import UNet
torch.manual_seed(0)
unet = UNet(dctx=96).eval()
exp._onnx(unet, (torch.randn(2, 4, 8, 8), torch.tensor([999.0, 999.0]), torch.randn(2, 77, 96)), sys.argv[1],
          ["sample", "timestep", "encoder_hidden_states"], ["out_sample"],
          {"sample": {0: "batch", 2: "height", 3: "width"}, "timestep": {0: "batch"},
           "encoder_hidden_states": {0: "batch", 1: "sequence"}, "out_sample": {0: "batch", 2: "height", 3: "width"}})
`;

let dir: string;
let raw: string;
let simplified: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ls-simplify-'));
  raw = join(dir, 'raw.onnx');
  simplified = join(dir, 'simplified.onnx');
  await run(python, ['-c', EXPORT, raw], { timeout: 120_000 });
  await run(python, [PASS, raw, simplified], { timeout: 60_000 });
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('simplify_graph.py', () => {
  it('keeps a fresh U-Net export dynamic with the same outputs, and takes out its shape plumbing', async () => {
    const opts = { intraOpNumThreads: 1 };
    const [a, b] = [await ort.InferenceSession.create(raw, opts), await ort.InferenceSession.create(simplified, opts)];
    try {
      // Batch 1/2/3, square and non-square latents, 77 tokens and a short context: none of them a probe.
      for (const [n, h, w, seq] of [
        [1, 8, 8, 77],
        [2, 16, 8, 77],
        [2, 32, 32, 77],
        [3, 12, 20, 9],
      ] as const) {
        const feeds = unetFeeds(n, h, w, seq);
        const out = (await b.run(feeds)).out_sample;
        expect(out?.dims, `${n}x${h}x${w}`).toEqual([n, 4, h, w]);
        expect(await maxDiff(a, b, feeds), `batch ${n}, ${h}x${w}, ${seq} tokens`).toBeLessThanOrEqual(1e-5);
      }
    } finally {
      await a.release();
      await b.release();
    }
    const before = onnxNodeTypes(readFileSync(raw));
    const after = onnxNodeTypes(readFileSync(simplified));
    // The shape chains feeding the reshapes are gone: no Gather on a Shape, far fewer Unsqueeze/Concat.
    expect(after.filter((t) => t === 'Gather')).toHaveLength(0);
    expect(before.filter((t) => t === 'Gather').length).toBeGreaterThan(20);
    expect(after.filter((t) => t === 'Concat').length).toBeLessThan(before.filter((t) => t === 'Concat').length / 4);
    // What onnxruntime itself executes after its own optimiser: at least a quarter fewer nodes.
    const [eb, ea] = [await executedNodes(raw), await executedNodes(simplified)];
    expect(ea).toBeLessThan(eb * 0.75);
  });

  it('--attention fuses the attention blocks into MultiHeadAttention, same outputs within float rounding', async () => {
    const fused = join(dir, 'fused.onnx');
    await run(python, [PASS, raw, fused, '--attention'], { timeout: 60_000 });
    expect(onnxNodeTypes(readFileSync(fused)).filter((t) => t === 'com.microsoft:MultiHeadAttention')).toHaveLength(8);
    const [a, b] = [await ort.InferenceSession.create(raw), await ort.InferenceSession.create(fused)];
    try {
      for (const [n, h, w, seq] of [
        [2, 8, 8, 77],
        [3, 12, 20, 9],
      ] as const)
        expect(await maxDiff(a, b, unetFeeds(n, h, w, seq))).toBeLessThanOrEqual(1e-4);
    } finally {
      await a.release();
      await b.release();
    }
  });

  it('is idempotent, and the shipped U-Nets are its output', async () => {
    for (const path of [simplified, 'models/tiny-shapes/unet/model.onnx', 'models/tiny-shapes-turbo/unet/model.onnx']) {
      const again = join(dir, 'again.onnx');
      const { stdout } = await run(python, [PASS, path, again], { timeout: 60_000 });
      expect(stdout, path).toMatch(/nothing to do/);
      expect(onnxNodeTypes(readFileSync(again))).toEqual(onnxNodeTypes(readFileSync(path)));
    }
    // The shipped graph runs with ~390 nodes after onnxruntime's optimiser (575 before the pass).
    expect(await executedNodes('models/tiny-shapes/unet/model.onnx')).toBeLessThan(420);
  });
});
