/**
 * The gallery slice with two "tabs" (two stores) on one database and a real BroadcastChannel
 * (Node has one): additions, deletions and clears reach the other tab; a write the database
 * refuses is reported and the image stays on screen; pending saves are visible (beforeunload).
 */
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GALLERY_CHANNEL } from '../../src/state/gallery-slice.ts';
import { createStudioStore, selectUnloadRisk, type StudioStore } from '../../src/state/store.ts';
import type { GalleryDb } from '../../src/storage/gallery-db.ts';
import { encodeWithPngjs, inMemoryEnginePort, inMemoryGalleryDb, until } from '../support/in-memory-ports.ts';

const tiny = { id: 'tiny-shapes', baseUrl: resolve('models/tiny-shapes') };
const channels: BroadcastChannel[] = [];

async function tab(open: () => Promise<GalleryDb>, options: { engine?: boolean } = {}): Promise<StudioStore> {
  const store = createStudioStore();
  const channel = new BroadcastChannel(GALLERY_CHANNEL);
  channels.push(channel);
  if (options.engine) {
    store.getState().connectEngine(() => inMemoryEnginePort());
    store.getState().setParams({ steps: 2 });
    store.getState().loadModel(tiny, 'wasm');
    await until(store, (s) => s.engine.phase === 'ready');
  }
  await store.getState().startGallery({ open, channel, encode: encodeWithPngjs });
  return store;
}

afterEach(() => {
  for (const c of channels.splice(0)) c.close();
});

describe('gallery across tabs', () => {
  it('an image made in tab A appears in tab B; deleting it in B removes it from A; clearing in B empties A', async () => {
    const db = inMemoryGalleryDb();
    const a = await tab(db.open, { engine: true });
    const b = await tab(db.open);
    expect(a.getState().generate()).toBe(true);
    await until(a, (s) => s.lastRun?.outcome === 'done');
    await a.getState().gallerySaved();
    expect(a.getState().gallery[0]?.dbKey).not.toBeNull();
    const inB = await until(b, (s) => s.gallery.length === 1);
    expect(inB.gallery[0]?.id).toBe(a.getState().gallery[0]?.id);
    expect(inB.gallery[0]?.png?.type).toBe('image/png');
    expect(inB.galleryStatus.total).toBe(1);

    // Two more in A; B deletes the newest; A follows.
    a.getState().setParam('seed', '2');
    a.getState().generate();
    a.getState().setParam('seed', '3');
    a.getState().generate();
    await until(a, (s) => s.job === null && s.queue.length === 0 && s.gallery.length === 3);
    await a.getState().gallerySaved();
    await until(b, (s) => s.gallery.length === 3);
    expect(b.getState().gallery.map((i) => i.params.seed)).toEqual(['3', '2', '1']);
    await b.getState().deleteGalleryItem(b.getState().gallery[0]?.id as string);
    await until(a, (s) => s.gallery.length === 2);
    expect(a.getState().gallery.map((i) => i.params.seed)).toEqual(['2', '1']);
    expect(a.getState().galleryStatus.total).toBe(2);

    await b.getState().clearGallery();
    const cleared = await until(a, (s) => s.gallery.length === 0);
    expect(cleared.galleryStatus.total).toBe(0);
    expect(db.records.size).toBe(0);
  });

  it('a refused write is reported; the image stays on screen; a pending save is an unload risk', async () => {
    const db = inMemoryGalleryDb();
    let release = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const full = async (): Promise<GalleryDb> => {
      const inner = await db.open();
      return {
        ...inner,
        add: async () => {
          await gate;
          throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        },
      };
    };
    const a = await tab(full, { engine: true });
    a.getState().generate();
    await until(a, (s) => s.galleryStatus.saving === 1);
    expect(selectUnloadRisk(a.getState())).toMatch(/being saved/);
    release();
    await until(a, (s) => s.galleryStatus.saving === 0);
    const state = a.getState();
    expect(state.notice).toMatchObject({ kind: 'error', source: 'storage' });
    expect(state.notice?.text).toMatch(/storage is full/);
    expect(state.gallery).toHaveLength(1);
    expect(state.gallery[0]?.png).not.toBeNull();
    expect(state.gallery[0]?.dbKey).toBeNull();
    expect(selectUnloadRisk(state)).toBeNull();
  });
});
