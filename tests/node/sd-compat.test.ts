/**
 * Real-model compatibility, in Node with onnxruntime-node: models built by the tests with the
 * exact interfaces of the SD-Turbo web export and of SD 1.5 ONNX exports (fp32 with external
 * data, and fp16 everything) are downloaded through the model manager's downloader from a
 * loopback server, stored, loaded from the store by the same loader the browser uses, and
 * generate images. The stored file that later fails to load is told apart from an intact one.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { txt2img, type GeneratedImage } from '../../src/pipeline/txt2img.ts';
import { EngineError } from '../../src/protocol/messages.ts';
import { loadClipTokenizer } from '../../src/runtime/clip-tokenizer.ts';
import { loadOrtModel } from '../../src/runtime/ort-model.ts';
import { storeModelSource } from '../../src/runtime/store-model-source.ts';
import { downloadJobOf, parseCatalog, type CatalogModel } from '../../src/storage/model-catalog.ts';
import { downloadModel } from '../../src/storage/model-downloader.ts';
import { verifyStoredFile } from '../../src/storage/stored-file.ts';
import { modelDirName, type ModelStore } from '../../src/storage/model-store.ts';
import { fsModelStore } from '../support/fs-model-store.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const script = new URL('../support/make_sd_test_models.py', import.meta.url).pathname;
let modelsDir: string;
let storeDir: string;
let server: TestServer;
let store: ModelStore;
let catalog: CatalogModel[];

beforeAll(async () => {
  modelsDir = mkdtempSync(join(tmpdir(), 'ls-sd-models-'));
  storeDir = mkdtempSync(join(tmpdir(), 'ls-sd-store-'));
  execFileSync('/usr/bin/python3', [script, modelsDir], { stdio: 'pipe' });
  server = await startTestServer({ root: modelsDir });
  store = fsModelStore(storeDir);
  const catalogUrl = `${server.url}catalog.json`;
  catalog = parseCatalog(await (await fetch(catalogUrl)).json(), catalogUrl);
  for (const model of catalog) await downloadModel(downloadJobOf(model), { store, retryDelayMs: 10 });
}, 120_000);

afterAll(async () => {
  await server?.close();
  rmSync(modelsDir, { recursive: true, force: true });
  rmSync(storeDir, { recursive: true, force: true });
});

const byId = (id: string) => catalog.find((m) => m.id === id) as CatalogModel;

function load(model: CatalogModel) {
  return loadOrtModel({
    ort,
    source: storeModelSource(store, model.id),
    id: model.id,
    sessionOptions: { executionProviders: ['cpu'], graphOptimizationLevel: 'all' },
    loadTokenizer: loadClipTokenizer,
    now: () => performance.now(),
    externalData: model.externalData,
  });
}

async function session(model: CatalogModel, path: string) {
  const bytes = new Uint8Array(readFileSync(join(storeDir, modelDirName(model.id), ...path.split('/'))));
  const external = model.externalData.find((e) => e.graph === path);
  return ort.InferenceSession.create(bytes, {
    ...(external
      ? {
          externalData: [
            {
              path: external.data.split('/').pop() as string,
              data: new Uint8Array(readFileSync(join(storeDir, modelDirName(model.id), ...external.data.split('/')))),
            },
          ],
        }
      : {}),
  });
}

const meta = (s: ort.InferenceSession, name: string, kind: 'input' | 'output' = 'input') => {
  const m = (kind === 'input' ? s.inputMetadata : s.outputMetadata).find((x) => x.name === name);
  return m?.isTensor ? { type: m.type, shape: m.shape } : null;
};

async function generate(model: CatalogModel, prompt: string, seed = '7') {
  const loaded = await load(model);
  const images: GeneratedImage[] = [];
  try {
    await txt2img(
      loaded.model,
      {
        prompt,
        negativePrompt: '',
        seeds: [seed],
        steps: model.defaults.steps,
        cfg: model.defaults.cfg,
        sampler: model.defaults.sampler,
        width: loaded.summary.width,
        height: loaded.summary.height,
      },
      { clock: () => performance.now(), onImage: (image) => images.push(image) },
    );
  } finally {
    await loaded.release();
  }
  return { image: images[0] as GeneratedImage, summary: loaded.summary };
}

const distinct = (rgba: Uint8ClampedArray) => {
  const seen = new Set<number>();
  for (let i = 0; i < rgba.length; i += 4)
    seen.add(((rgba[i] as number) << 16) | ((rgba[i + 1] as number) << 8) | (rgba[i + 2] as number));
  return seen.size;
};

describe('the test models have the real exports’ interfaces', () => {
  it('SD-Turbo web export: fp32 IO around fp16, int32 ids [1,77], int64 timestep [1], 1024-dim context', async () => {
    const model = byId('test/sd-turbo-like');
    const text = await session(model, 'text_encoder/model.onnx');
    expect(meta(text, 'input_ids')).toEqual({ type: 'int32', shape: [1, 77] });
    expect(meta(text, 'last_hidden_state', 'output')).toEqual({ type: 'float32', shape: [1, 77, 1024] });
    const unet = await session(model, 'unet/model.onnx');
    expect(meta(unet, 'sample')).toEqual({ type: 'float32', shape: [1, 4, 'height', 'width'] });
    expect(meta(unet, 'timestep')).toEqual({ type: 'int64', shape: [1] });
    expect(meta(unet, 'encoder_hidden_states')).toEqual({ type: 'float32', shape: [1, 77, 1024] });
    expect(meta(unet, 'out_sample', 'output')?.type).toBe('float32');
    const vae = await session(model, 'vae_decoder/model.onnx');
    expect(meta(vae, 'latent_sample')?.type).toBe('float32');
    await Promise.all([text.release(), unet.release(), vae.release()]);
  });

  it('SD 1.5 fp16 export: float16 everywhere, float16 timestep per batch row, dynamic batch, weights.pb', async () => {
    const model = byId('test/sd15-fp16-like');
    expect(model.externalData).toEqual([{ graph: 'unet/model.onnx', data: 'unet/weights.pb' }]);
    const unet = await session(model, 'unet/model.onnx');
    expect(meta(unet, 'sample')).toEqual({ type: 'float16', shape: ['batch', 4, 'height', 'width'] });
    expect(meta(unet, 'timestep')).toEqual({ type: 'float16', shape: ['batch'] });
    expect(meta(unet, 'encoder_hidden_states')).toEqual({ type: 'float16', shape: ['batch', 77, 768] });
    await unet.release();
  });
});

describe('downloaded, stored and generating through the runtime adaptation', () => {
  it.each([
    ['test/sd-turbo-like', true],
    ['test/sd15-like', true],
    ['test/sd15-fp16-like', true],
  ])(
    '%s loads from the store and generates a non-uniform 64×64 image that depends on the prompt',
    async (id, fixedSequence) => {
      const model = byId(id);
      const a = await generate(model, 'a red circle');
      const b = await generate(model, 'a blue square on green');
      expect(a.summary.width).toBe(64);
      expect(a.summary.fixedSequence).toBe(fixedSequence);
      expect(a.image.width).toBe(64);
      expect(a.image.height).toBe(64);
      expect(distinct(a.image.rgba)).toBeGreaterThan(8);
      expect(Buffer.from(a.image.rgba).equals(Buffer.from(b.image.rgba))).toBe(false);
      // Same prompt and seed: the same pixels (the loader and pipeline are deterministic).
      const again = await generate(model, 'a red circle');
      expect(Buffer.from(again.image.rgba).equals(Buffer.from(a.image.rgba))).toBe(true);
    },
  );

  it('SD-Turbo-like with CFG on runs the fixed-batch U-Net twice per step', async () => {
    const model = byId('test/sd-turbo-like');
    const loaded = await load(model);
    // SD 2.x / SD-Turbo pad with "!" = 0 (tokenizer_config.json), SD 1.x with <|endoftext|>.
    expect(loaded.model.tokenizer.padId).toBe(0);
    expect(loaded.model.unet.dynamicBatch).toBe(false);
    const before = loaded.stats.runs;
    await txt2img(
      loaded.model,
      {
        prompt: 'a star',
        negativePrompt: 'blurry',
        seeds: ['3'],
        steps: 2,
        cfg: 4,
        sampler: 'euler',
        width: 64,
        height: 64,
      },
      { clock: () => performance.now(), onImage: () => undefined },
    );
    // 2 text-encoder runs (cond + uncond, batch 1), 2 steps × 2 U-Net runs, 1 VAE run.
    expect(loaded.stats.runs - before).toBe(2 + 4 + 1);
    await loaded.release();
  });
});

describe('a stored file that later fails to load', () => {
  it('fails naming the file, and verification says the stored copy changed', async () => {
    const model = byId('test/sd15-like');
    const path = join(storeDir, modelDirName(model.id), 'vae_decoder', 'model.onnx');
    const original = readFileSync(path);
    expect(await verifyStoredFile(store, model.id, 'vae_decoder/model.onnx')).toMatchObject({ ok: true });
    const damaged = Buffer.from(original);
    for (let i = 8; i < damaged.length; i += 3) damaged[i] = (damaged[i] ?? 0) ^ 0x5a;
    writeFileSync(path, damaged);
    try {
      const error = await load(model).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EngineError);
      expect(error).toMatchObject({ code: 'model-corrupt', file: 'vae_decoder/model.onnx' });
      expect(await verifyStoredFile(store, model.id, 'vae_decoder/model.onnx')).toMatchObject({ ok: false });
    } finally {
      writeFileSync(path, original);
    }
  });
});
