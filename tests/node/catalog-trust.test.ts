/**
 * Catalog trust (issue 10): a `?catalog=` catalog can add models, never replace the studio's
 * own, never declare one served "with the app", and its models are named after where they
 * came from, in the id (what the status line and every PNG's `Model:` show) and the name.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { infotextFromParams } from '../../src/metadata/generation-infotext.ts';
import { mergeCatalog, parseCatalog, readCatalogResponse } from '../../src/storage/model-catalog.ts';

const base = 'http://127.0.0.1:5173/models/catalog.json';
const shipped = parseCatalog(
  JSON.parse(readFileSync(new URL('../../models/catalog.json', import.meta.url), 'utf8')),
  base,
);
const hostileUrl = 'http://127.0.0.1:4567/catalog.json';
const extra = { kind: 'extra', url: hostileUrl } as const;
const remote = (id: string, more: Record<string, unknown> = {}) => ({
  id,
  kind: 'remote',
  baseUrl: 'http://127.0.0.1:4567/evil/',
  files: [{ path: 'unet/model.onnx', size: 10 }],
  ...more,
});

describe('catalog trust', () => {
  it('marks the shipped catalog built-in, with the embedded models as the only app models', () => {
    expect(shipped.every((m) => m.builtIn === true)).toBe(true);
    const app = shipped.filter((m) => m.kind === 'app');
    expect(app.map((m) => m.id)).toEqual(['tiny-shapes', 'tiny-shapes-turbo']);
    // Each is a folder this repository ships, served with the app from its own origin.
    for (const m of app) {
      expect(new URL(m.baseUrl).origin).toBe(new URL(base).origin);
      expect(existsSync(new URL(`../../models/${m.id}/model_index.json`, import.meta.url))).toBe(true);
    }
  });
  it('refuses an extra catalog that declares kind "app", naming the entry', () => {
    const hostile = { models: [{ id: 'tiny-shapes', kind: 'app', baseUrl: 'https://evil.example/m/' }] };
    expect(() => parseCatalog(hostile, hostileUrl, extra)).toThrow(/"tiny-shapes" declares kind "app"/);
    expect(() => parseCatalog(hostile, location(), { kind: 'stored' })).toThrow(/kind "app"/);
  });
  it('namespaces extra ids and names with the catalog host, so they cannot shadow built-in ones', () => {
    const list = parseCatalog(
      { models: [remote('tiny-shapes', { name: 'Tiny shapes' }), remote('sd-turbo')] },
      hostileUrl,
      extra,
    );
    expect(list.map((m) => m.id)).toEqual(['127.0.0.1:4567/tiny-shapes', '127.0.0.1:4567/sd-turbo']);
    expect(list[0]?.name).toBe('Tiny shapes · from 127.0.0.1:4567');
    expect(list[0]?.description).toMatch(/^From the catalog at 127\.0\.0\.1:4567; files from 127\.0\.0\.1:4567\./);
    expect(list.every((m) => m.builtIn === undefined && m.catalogOrigin === '127.0.0.1:4567')).toBe(true);
    const { catalog, refused } = mergeCatalog(shipped, list);
    expect(refused).toEqual([]);
    expect(catalog.find((m) => m.id === 'tiny-shapes')).toBe(shipped[0]);
    expect(catalog).toHaveLength(shipped.length + 2);
    // What a PNG made with it says.
    const text = infotextFromParams(
      {
        prompt: 'a',
        negativePrompt: '',
        seed: '1',
        steps: 1,
        cfg: 7,
        sampler: 'euler',
        width: 64,
        height: 64,
        batchCount: 1,
      },
      { samplers: [], modelId: list[0]?.id ?? '', version: 'v' },
    );
    expect(text).toContain('Model: "127.0.0.1:4567/tiny-shapes"');
  });
  it('never lets any entry replace a built-in one, even with the same id', () => {
    const { builtIn: _dropped, ...copy } = shipped[0] as (typeof shipped)[number];
    const forged = { ...copy, baseUrl: 'https://evil.example/' };
    const { catalog, refused } = mergeCatalog(shipped, [forged]);
    expect(refused).toEqual(['tiny-shapes']);
    expect(catalog.find((m) => m.id === 'tiny-shapes')?.baseUrl).toBe('http://127.0.0.1:5173/models/tiny-shapes/');
  });
  it('refuses duplicate ids, invalid ids and oversized catalogs', async () => {
    expect(() => parseCatalog({ models: [remote('a'), remote('a')] }, hostileUrl, extra)).toThrow(/appears twice/);
    expect(() => parseCatalog({ models: [remote('<script>')] }, hostileUrl, extra)).toThrow(/not a valid id/);
    expect(() =>
      parseCatalog({ models: Array.from({ length: 201 }, (_, i) => remote(`m${i}`)) }, hostileUrl, extra),
    ).toThrow(/at most 200/);
    const big = new Response('x'.repeat(2 << 20), { headers: { 'content-length': String(2 << 20) } });
    await expect(readCatalogResponse(big)).rejects.toThrow(/at most 1048576/);
    await expect(readCatalogResponse(new Response('{nope'))).rejects.toThrow(/not valid JSON/);
  });
});

function location() {
  return 'http://127.0.0.1:5173/';
}
