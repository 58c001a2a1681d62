/** The shipped catalog's upscalers: the embedded SR folder as listed, Real-ESRGAN as a BSD-3 download. */
import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCatalog } from '../../src/storage/model-catalog.ts';
import { parseUpscalerCatalog } from '../../src/storage/upscaler-catalog.ts';
import { UPSCALERS } from '../../src/protocol/upscale-params.ts';

const json = JSON.parse(readFileSync('models/catalog.json', 'utf8')) as unknown;

describe('catalog upscalers', () => {
  it('lists the embedded SR model with its real file size, and Real-ESRGAN general x4v3 as a download', () => {
    const ups = parseUpscalerCatalog(json);
    const embedded = ups.find((u) => u.id === 'tiny-shapes-sr');
    expect(embedded).toMatchObject({ kind: 'app', scale: 2, baseUrl: 'tiny-shapes-sr/' });
    const file = embedded?.files.find((f) => f.path === 'upscaler/model.onnx');
    expect(file?.size).toBe(statSync('models/tiny-shapes-sr/upscaler/model.onnx').size);
    const esrgan = ups.find((u) => u.id === 'realesr-general-x4v3');
    expect(esrgan).toMatchObject({ kind: 'remote', scale: 4, license: 'BSD-3-Clause', verified: false });
    expect(esrgan?.files[0]?.url).toMatch(/^https:\/\/huggingface\.co\/.+\/resolve\/main\/.+\.onnx$/);
    // the names the infotext writes are the catalog's
    for (const u of ups) expect(UPSCALERS.find((x) => x.id === u.id)?.label).toBe(u.name);
  });
  it('keeps upscalers out of the diffusion models', () => {
    const ids = parseCatalog(json, 'http://localhost/').map((m) => m.id);
    expect(ids).not.toContain('tiny-shapes-sr');
    expect(ids).not.toContain('realesr-general-x4v3');
  });
  it('refuses an upscaler without a graph or factor', () => {
    expect(() => parseUpscalerCatalog({ upscalers: [{ id: 'x', name: 'X', scale: 4, files: [] }] })).toThrow(
      /model\.onnx/,
    );
    expect(() => parseUpscalerCatalog({ upscalers: [{ id: 'x', name: 'X', files: [] }] })).toThrow(/scale/);
  });
});
