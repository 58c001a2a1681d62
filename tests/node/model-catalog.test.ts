/**
 * The model catalog as shipped (models/catalog.json), custom-model inspection against a loopback
 * server in the diffusers ONNX layout, and the adapter check that refuses a model up front.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapterProblem } from '../../src/runtime/adapter-check.ts';
import {
  downloadJobOf,
  huggingFaceResolveUrl,
  inspectCustomModel,
  parseCatalog,
  resolveCustomSource,
} from '../../src/storage/model-catalog.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const shipped = JSON.parse(readFileSync(new URL('../../models/catalog.json', import.meta.url), 'utf8')) as unknown;
const catalog = parseCatalog(shipped, 'http://127.0.0.1:5173/models/catalog.json');
const byId = (id: string) => {
  const model = catalog.find((m) => m.id === id);
  if (!model) throw new Error(`no ${id}`);
  return model;
};

describe('models/catalog.json', () => {
  it("names the embedded model's Live variant: the 4-step turbo, no CFG; only its own catalog may", () => {
    expect(byId('tiny-shapes').liveVariant).toBe('tiny-shapes-turbo');
    expect(byId('tiny-shapes-turbo').defaults).toMatchObject({ steps: 4, cfg: 1, sampler: 'euler' });
    const extra = parseCatalog(
      { models: [{ id: 'x', repo: 'a/b', files: [{ path: 'model_index.json' }], liveVariant: 'tiny-shapes-turbo' }] },
      'http://x/',
      { kind: 'extra', url: 'https://mirror.example/catalog.json' },
    );
    expect(extra[0]?.liveVariant).toBeUndefined();
  });

  it('has the embedded model, served from the app, and real ones from Hugging Face', () => {
    const tiny = byId('tiny-shapes');
    expect(tiny.kind).toBe('app');
    expect(tiny.baseUrl).toBe('http://127.0.0.1:5173/models/tiny-shapes/');
    const remote = catalog.filter((m) => m.kind === 'remote');
    expect(remote.map((m) => m.repo)).toEqual(
      expect.arrayContaining(['schmuell/sd-turbo-ort-web', 'nmkd/stable-diffusion-1.5-onnx-fp16']),
    );
    for (const model of remote) {
      const paths = model.files.map((f) => f.path);
      for (const required of [
        'model_index.json',
        'scheduler/scheduler_config.json',
        'text_encoder/model.onnx',
        'unet/model.onnx',
        'vae_decoder/model.onnx',
        'tokenizer/tokenizer.json',
      ]) {
        expect(paths, `${model.id} lists ${required}`).toContain(required);
      }
      for (const e of model.externalData) expect(paths).toContain(e.data);
      // Every file resolves to https://huggingface.co/<repo>/resolve/main/<path> unless it names its own URL.
      for (const file of downloadJobOf(model).files) {
        expect(file.url.startsWith('https://huggingface.co/')).toBe(true);
        if (!model.files.find((f) => f.path === file.path)?.url)
          expect(file.url).toBe(huggingFaceResolveUrl(model.repo as string, file.path));
      }
      expect(model.needs.estimatedGpuBytes).toBeGreaterThan(1e9);
    }
  });

  it('knows SD-Turbo’s facts: 1 step, CFG off, 512×512, Euler trailing, fp16 body, int64 timestep, pad 0', () => {
    const turbo = byId('sd-turbo');
    expect(turbo.defaults).toEqual({ steps: 1, cfg: 1, sampler: 'euler', width: 512, height: 512 });
    expect(turbo.needs.shaderF16).toBe(true);
    expect(turbo.dtypes?.['timestep']).toMatch(/int64/);
    expect(turbo.dtypes?.['scheduler']).toMatch(/trailing/);
    expect(turbo.tokenizer?.padTokenId).toBe(0);
    // The token embedding (49408 × 1024 fp16) is the largest weight.
    expect(turbo.needs.largestWeightBytes).toBe(49408 * 1024 * 2);
  });

  it('records SD 1.5’s U-Net weights as external data', () => {
    expect(byId('sd-1.5-fp16').externalData).toEqual([{ graph: 'unet/model.onnx', data: 'unet/weights.pb' }]);
  });

  it('rejects a malformed catalog with a message', () => {
    expect(() => parseCatalog({ models: [{ id: 'x', kind: 'remote', repo: 'a/b', files: [] }] }, 'http://x/')).toThrow(
      /lists no files/,
    );
    expect(() => parseCatalog({}, 'http://x/')).toThrow(/models/);
  });
});

describe('custom models', () => {
  let dir: string;
  let server: TestServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ls-custom-'));
    execFileSync('/usr/bin/python3', [new URL('../support/make_sd_test_models.py', import.meta.url).pathname, dir], {
      stdio: 'pipe',
    });
    server = await startTestServer({ root: dir });
  }, 60_000);
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads a repo id or a URL', () => {
    expect(resolveCustomSource('schmuell/sd-turbo-ort-web')).toEqual({
      baseUrl: 'https://huggingface.co/schmuell/sd-turbo-ort-web/resolve/main/',
      repo: 'schmuell/sd-turbo-ort-web',
    });
    expect(resolveCustomSource('https://huggingface.co/owner/name').repo).toBe('owner/name');
    expect(resolveCustomSource('https://example.com/m').baseUrl).toBe('https://example.com/m/');
    expect(() => resolveCustomSource('not a model')).toThrow(/repo id/);
  });

  it('inspects a folder before download: files, sizes (HEAD), external data', async () => {
    const model = await inspectCustomModel(`${server.url}sd15-like`);
    const sizes = Object.fromEntries(model.files.map((f) => [f.path, f.size]));
    expect(sizes['unet/model.onnx_data']).toBe(readFileSync(join(dir, 'sd15-like/unet/model.onnx_data')).length);
    expect(sizes['tokenizer/tokenizer.json']).toBeGreaterThan(0);
    expect(model.externalData).toEqual([{ graph: 'unet/model.onnx', data: 'unet/model.onnx_data' }]);
    expect(server.log.filter((r) => r.method === 'GET' && r.path.endsWith('.onnx'))).toEqual([]);
  });

  it('says clearly when a folder is not a diffusers ONNX model', async () => {
    await expect(inspectCustomModel(`${server.url}nothing-here`)).rejects.toThrow(/no model_index.json/);
    server.fault('/sd15-like/unet/model.onnx', { kind: 'status', status: 404, times: 10 });
    await expect(inspectCustomModel(`${server.url}sd15-like/`)).rejects.toThrow(/missing unet\/model.onnx/);
    server.clearFaults();
  });
});

describe('adapter check before loading', () => {
  const adapter = (features: string[], binding = 128 * 1024 * 1024, buffer = 256 * 1024 * 1024) => ({
    description: 'Test GPU',
    features: new Set(features),
    limits: { maxStorageBufferBindingSize: binding, maxBufferSize: buffer },
  });

  it('refuses a float16 model without shader-f16, and says what to do', () => {
    expect(adapterProblem(adapter([]), { shaderF16: true })).toMatch(/shader-f16.*Use WASM/);
    expect(adapterProblem(adapter(['shader-f16']), { shaderF16: true })).toBeNull();
  });

  it('refuses a weight larger than one binding (an fp32 SD 2 token embedding on default limits)', () => {
    const fp32Embedding = 49408 * 1024 * 4;
    expect(adapterProblem(adapter(['shader-f16']), { largestWeightBytes: fp32Embedding })).toMatch(
      /193 MiB weight.*maxStorageBufferBindingSize 128 MiB/,
    );
    expect(adapterProblem(adapter([], 1024 ** 3, 1024 ** 3), { largestWeightBytes: fp32Embedding })).toBeNull();
  });

  it('accepts a model with no stated needs', () => {
    expect(adapterProblem(adapter([]), undefined)).toBeNull();
  });
});

describe('scanOnnxWeights (what a GPU must hold, read from the graph)', () => {
  it('finds the largest weight and float16 in the test models, inline and in external data', async () => {
    const { scanOnnxWeights } = await import('../../src/runtime/onnx-scan.ts');
    const dir = mkdtempSync(join(tmpdir(), 'ls-scan-'));
    try {
      execFileSync('/usr/bin/python3', [new URL('../support/make_sd_test_models.py', import.meta.url).pathname, dir], {
        stdio: 'pipe',
      });
      const vocab =
        (parseCatalog(JSON.parse(readFileSync(join(dir, 'catalog.json'), 'utf8')), 'http://x/').find(
          (m) => m.id === 'test/sd-turbo-like',
        )?.needs.largestWeightBytes ?? 0) / 2048;
      const turboText = scanOnnxWeights(
        new Uint8Array(readFileSync(join(dir, 'sd-turbo-like/text_encoder/model.onnx'))),
      );
      expect(turboText).toMatchObject({
        hasFloat16: true,
        largestWeightName: 'table',
        largestWeightBytes: vocab * 1024 * 2,
      });
      const fp32Unet = scanOnnxWeights(new Uint8Array(readFileSync(join(dir, 'sd15-like/unet/model.onnx'))));
      // The projection lives in model.onnx_data; its size still comes from the graph's dims.
      expect(fp32Unet).toMatchObject({ hasFloat16: false, largestWeightName: 'proj', largestWeightBytes: 768 * 4 * 4 });
      const fp16Unet = scanOnnxWeights(new Uint8Array(readFileSync(join(dir, 'sd15-fp16-like/unet/model.onnx'))));
      expect(fp16Unet).toMatchObject({ hasFloat16: true, largestWeightBytes: 768 * 4 * 2 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('scans the shipped model', async () => {
    const { scanOnnxWeights } = await import('../../src/runtime/onnx-scan.ts');
    const scan = scanOnnxWeights(
      new Uint8Array(readFileSync(new URL('../../models/tiny-shapes/unet/model.onnx', import.meta.url))),
    );
    expect(scan.initializers).toBeGreaterThan(10);
    expect(scan.largestWeightBytes).toBeGreaterThan(1000);
  });
});
