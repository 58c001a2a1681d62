/** The shipped catalog's upscalers: the embedded SR folder as listed, Real-ESRGAN as a BSD-3 download. */
import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCatalog } from '../../src/storage/model-catalog.ts';
import {
  downloadJobOfUpscaler,
  isUpscalerEntry,
  parseUpscalerCatalog,
  storedUpscalerOf,
} from '../../src/storage/upscaler-catalog.ts';
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
  it("namespaces an extra catalog's upscalers by its host, refuses `app` from it, and reads a stored entry back", () => {
    const extra = {
      upscalers: [
        {
          id: 'realesr-general-x4v3',
          name: 'R-ESRGAN General 4xV3',
          kind: 'remote',
          baseUrl: 'esrgan/',
          scale: 4,
          files: [{ path: 'upscaler/model.onnx', size: 4_870_000 }],
        },
      ],
    };
    const trust = { kind: 'extra', url: 'http://mirror.example:8080/catalog.json' } as const;
    const [u] = parseUpscalerCatalog(extra, 'http://mirror.example:8080/catalog.json', trust);
    // never the built-in id: a mirror cannot stand in for the studio's own entry
    expect(u?.id).toBe('mirror.example:8080/realesr-general-x4v3');
    expect(u?.name).toBe('R-ESRGAN General 4xV3 · from mirror.example:8080');
    expect(u?.baseUrl).toBe('http://mirror.example:8080/esrgan/');
    const job = downloadJobOfUpscaler(u as NonNullable<typeof u>);
    expect(job.files).toEqual([
      {
        path: 'upscaler/model.onnx',
        url: 'http://mirror.example:8080/esrgan/upscaler/model.onnx',
        size: 4_870_000,
        sha256: null,
      },
    ]);
    expect(isUpscalerEntry(job.entry)).toBe(true);
    expect(storedUpscalerOf(job.entry)).toEqual(u);
    expect(() =>
      parseUpscalerCatalog({ upscalers: [{ ...extra.upscalers[0], kind: 'app' }] }, trust.url, trust),
    ).toThrow(/only the studio's own catalog/);
    // the shipped Real-ESRGAN entry downloads from its explicit Hugging Face URL
    const shipped = parseUpscalerCatalog(json, 'http://localhost/models/catalog.json');
    const esrgan = shipped.find((x) => x.id === 'realesr-general-x4v3');
    expect(downloadJobOfUpscaler(esrgan as NonNullable<typeof esrgan>).files[0]?.url).toBe(esrgan?.files[0]?.url);
    expect(shipped.find((x) => x.id === 'tiny-shapes-sr')?.baseUrl).toBe('http://localhost/models/tiny-shapes-sr/');
  });
});
