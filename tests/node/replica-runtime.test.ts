/**
 * What the runtime reads from real graphs before running them: the external-data file a U-Net's
 * graph names (so the CLI and custom models find unet/weights.pb without a catalog), float16
 * weights, the largest tensor; and the WASM memory check that refuses a model the 4 GiB wasm32
 * heap cannot hold, from the catalog's measured figure or an estimate from its files.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WASM_MEMORY_LIMIT, wasmBytesNeeded, wasmMemoryProblem } from '../../src/protocol/wasm-memory.ts';
import { scanOnnxWeights } from '../../src/runtime/onnx-scan.ts';
import { parseCatalog } from '../../src/storage/model-catalog.ts';
import { ensureReplica } from '../support/replicas.ts';

describe('graph scan on a replica', () => {
  // Builds the scale-¼ replica on a fresh machine (cached by content key afterwards).
  it(
    'finds the U-Net’s external data file, its float16 weights and the text encoder’s token table',
    { timeout: 300_000 },
    () => {
      const { dir } = ensureReplica({ arch: 'sd15' });
      const unet = scanOnnxWeights(new Uint8Array(readFileSync(join(dir, 'unet/model.onnx'))));
      expect(unet.externalFiles).toEqual(['weights.pb']);
      expect(unet.hasFloat16).toBe(true);
      const text = scanOnnxWeights(new Uint8Array(readFileSync(join(dir, 'text_encoder/model.onnx'))));
      expect(text.externalFiles).toEqual([]);
      // 49,408 tokens × 192 (768 at scale ¼) × 2 bytes: the real vocabulary, scaled width.
      expect(text.largestWeightBytes).toBe(49408 * 192 * 2);
    },
  );
});

describe('WASM memory check', () => {
  const catalog = parseCatalog(
    JSON.parse(readFileSync('models/catalog.json', 'utf8')) as unknown,
    'https://example.test/',
  );
  const bytes = (id: string) => catalog.find((m) => m.id === id)?.files.reduce((n, f) => n + (f.approxSize ?? 0), 0);

  it('refuses SD 1.5 fp16 from its measured need, with the size, the limit and what can run it', () => {
    const sd15 = catalog.find((m) => m.id === 'sd-1.5-fp16');
    expect(sd15?.needs.wasmBytes).toBeGreaterThan(WASM_MEMORY_LIMIT);
    const problem = wasmMemoryProblem({
      name: 'SD 1.5',
      float16: true,
      ...(sd15?.needs.wasmBytes !== undefined ? { wasmBytes: sd15.needs.wasmBytes } : {}),
    });
    expect(problem).toMatch(/needs about 9\.9 GB .* WebAssembly's 4\.0 GB limit.*Use WebGPU on a GPU with shader-f16/);
  });

  it(
    'refuses SD-Turbo fp16 from an estimate of its files, and lets small replicas through',
    { timeout: 300_000 },
    () => {
      const turbo = bytes('sd-turbo') ?? 0;
      expect(wasmBytesNeeded({ name: 'SD-Turbo', fileBytes: turbo, float16: true })).toBeGreaterThan(WASM_MEMORY_LIMIT);
      expect(wasmMemoryProblem({ name: 'SD-Turbo', fileBytes: turbo, float16: true })).toContain(
        'SD-Turbo needs about',
      );
      const { info } = ensureReplica({ arch: 'sd15' });
      const replica = info.files.reduce((n, f) => n + f.size, 0);
      expect(wasmMemoryProblem({ name: 'replica', fileBytes: replica, float16: true })).toBeNull();
      expect(wasmMemoryProblem({ name: 'no facts' })).toBeNull();
    },
  );
});
