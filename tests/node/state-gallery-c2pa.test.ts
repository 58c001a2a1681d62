/**
 * The gallery's signing path through the store (in-memory engine, database and identity): an
 * image upscaled from the gallery carries its source's signed manifest as its C2PA parentOf
 * ingredient, checked with c2pa-rs; a source whose PNG is unsigned leaves the upscale "created".
 */
import { resolve } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import type { SigningIdentity } from '../../src/provenance/identity.ts';
import { createPngSigner, type PngSigner } from '../../src/provenance/png-signer.ts';
import { createStudioStore, type StudioStore } from '../../src/state/store.ts';
import type { GalleryItem } from '../../src/state/types.ts';
import { readWithC2paRs, type RsManifestStore } from '../support/c2pa-rs-reader.ts';
import { encodeWithPngjs, inMemoryEnginePort, inMemoryGalleryDb, until } from '../support/in-memory-ports.ts';

const tiny = { id: 'tiny-shapes', baseUrl: resolve('models/tiny-shapes') };

function memorySigner(): PngSigner {
  let kept: SigningIdentity | null = null;
  const store = { load: async () => kept, save: async (identity: SigningIdentity) => void (kept = identity) };
  return createPngSigner(store, { generator: 'Latent Studio', version: '0.1.0' });
}

async function studio(sign: PngSigner): Promise<StudioStore> {
  const store = createStudioStore();
  store.getState().connectEngine(() => inMemoryEnginePort());
  store.getState().setParams({ steps: 2, prompt: 'a red circle', seed: '7' });
  store.getState().loadModel(tiny, 'wasm');
  await until(store, (s) => s.engine.phase === 'ready');
  await store.getState().startGallery({ open: inMemoryGalleryDb().open, channel: null, encode: encodeWithPngjs, sign });
  return store;
}

/** Generates one image, then upscales it ×2 with Lanczos from the gallery; returns both PNGs. */
async function generateThenUpscale(store: StudioStore) {
  const state = () => store.getState();
  expect(state().generate()).toBe(true);
  const made = (await until(store, (s) => s.lastRun?.outcome === 'done' && s.gallery.length === 1)).gallery[0];
  if (!made) throw new Error('no image');
  await state().gallerySaved();
  // As the image dialog does: the pixels come from the saved PNG.
  const decoded = PNG.sync.read(Buffer.from(await ((await state().pngOf(made.id)) as Blob).arrayBuffer()));
  const pixels = { rgba: new Uint8ClampedArray(decoded.data), width: decoded.width, height: decoded.height };
  expect(state().upscaleGalleryImage(made.id, pixels, 2, 'lanczos')).toBe(true);
  const upscaled = (await until(store, (s) => s.gallery.length === 2 && s.job === null)).gallery[0] as GalleryItem;
  expect(upscaled.sourceItemId).toBe(made.id);
  await state().gallerySaved();
  const png = async (id: string) => new Uint8Array(await ((await state().pngOf(id)) as Blob).arrayBuffer());
  return { source: await png(made.id), upscaled: await png(upscaled.id) };
}

const actionsOf = (report: RsManifestStore) =>
  report.manifests[report.active_manifest ?? '']?.assertions.find((a) => a.label.startsWith('c2pa.actions'))?.data
    .actions;

describe('gallery upscale provenance', () => {
  it('the upscaled PNG names the gallery image it came from as its parentOf ingredient (c2pa-rs)', async () => {
    const { source, upscaled } = await generateThenUpscale(await studio(memorySigner()));
    const from = await readWithC2paRs(source);
    const report = await readWithC2paRs(upscaled);
    expect(report.validation_state).toBe('Valid');
    expect(new Set((report.validation_status ?? []).map((e) => e.code))).toEqual(
      new Set(['signingCredential.untrusted']),
    );
    const active = report.manifests[report.active_manifest ?? ''] as RsManifestStore['manifests'][string] & {
      ingredients?: { title: string; relationship: string; active_manifest?: string }[];
    };
    expect(active.ingredients?.map((i) => [i.title, i.relationship, i.active_manifest])).toEqual([
      ['gallery image 7', 'parentOf', from.active_manifest],
    ]);
    expect(actionsOf(report)?.map((a) => a['action'])).toEqual(['c2pa.opened', 'c2pa.resized']);
    expect(actionsOf(report)?.[1]).toMatchObject({ parameters: { upscaler: 'Lanczos', scale: 2 } });
    expect(actionsOf(from)?.[0]).toMatchObject({ action: 'c2pa.created', parameters: { model: 'tiny-shapes' } });
  });

  it('a source saved unsigned leaves the upscale recorded as created + resized', async () => {
    // The signer fails for the first image only (as a refused IndexedDB would), then works.
    const sign = memorySigner();
    let calls = 0;
    const flaky: PngSigner = async (...args) => {
      if (calls++ === 0) throw new Error('IndexedDB refused');
      return sign(...args);
    };
    const { source, upscaled } = await generateThenUpscale(await studio(flaky));
    await expect(readWithC2paRs(source)).rejects.toBeDefined();
    const report = await readWithC2paRs(upscaled);
    expect(report.validation_state).toBe('Valid');
    expect(Object.keys(report.manifests)).toHaveLength(1);
    expect(actionsOf(report)?.map((a) => a['action'])).toEqual(['c2pa.created', 'c2pa.resized']);
  });
});
