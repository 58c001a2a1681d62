/**
 * The persistent gallery: observes new images from the engine bridge, turns their pixels into a
 * PNG carrying A1111 `parameters` plus a thumbnail, saves both in IndexedDB, and pages saved
 * images back in (newest first). Writes run one after another so database order is creation
 * order. A failed write costs only that image's persistence: it stays on screen for the session.
 */
import { infotextFromParams } from '../metadata/generation-infotext.ts';
import { SAMPLERS } from '../schedulers/index.ts';
import { describeStorageError, openGalleryDb, type GalleryDb, type GalleryRecord } from '../storage/gallery-db.ts';
import { encodePng, makeThumbnail } from '../storage/png-image.ts';
import { VERSION_TAG } from './app-version.ts';
import { onImageAdded } from './engine-bridge.ts';
import { studio, type GalleryItem, type GalleryStatus } from './store.ts';

export const GALLERY_PAGE_SIZE = 24;

let db: GalleryDb | null = null;
let nextPage: number | null = null;
let exhausted = false;
let writes: Promise<void> = Promise.resolve();
const pending = new Map<string, Promise<void>>();

const setStatus = (patch: Partial<GalleryStatus>) =>
  studio.setState((s) => ({ galleryStatus: { ...s.galleryStatus, ...patch } }));
const findItem = (id: string) => studio.getState().gallery.find((i) => i.id === id);
const patchItem = (id: string, patch: Partial<GalleryItem>) =>
  studio.setState((s) => ({ gallery: s.gallery.map((i) => (i.id === id ? { ...i, ...patch } : i)) }));

/** The `parameters` text embedded in an item's PNG. */
export const infotextOf = (item: Pick<GalleryItem, 'params' | 'modelId'>) =>
  infotextFromParams(item.params, { samplers: SAMPLERS, modelId: item.modelId, version: VERSION_TAG });

/** Opens the database, loads the first page, and starts saving new images. Call once. */
export async function startGallery(open: () => Promise<GalleryDb> = openGalleryDb): Promise<void> {
  onImageAdded((item) => {
    const work = (writes = writes.then(() => save(item)));
    pending.set(item.id, work);
    void work.finally(() => pending.delete(item.id));
  });
  try {
    db = await open();
    setStatus({ total: await db.count(), persistent: true });
  } catch (error) {
    db = null;
    setStatus({ persistent: false, hasMore: false });
    studio.setState({
      notice: {
        kind: 'error',
        text: `The gallery cannot be saved in this browser (${error instanceof Error ? error.message : String(error)}); images stay until you reload.`,
      },
    });
    return;
  }
  await loadMoreGallery();
  // Ask the browser not to evict the gallery under storage pressure (best effort, may be refused).
  void navigator.storage?.persist?.().catch(() => false);
}

async function save(item: GalleryItem): Promise<void> {
  if (!item.rgba) return;
  let png: Blob;
  let thumb: Blob;
  try {
    png = await encodePng(item.rgba, item.width, item.height, infotextOf(item));
    thumb = await makeThumbnail(png, item.width, item.height);
  } catch (error) {
    studio.setState({ notice: { kind: 'error', text: `Could not encode the image as PNG: ${String(error)}` } });
    return;
  }
  if (!findItem(item.id)) return; // deleted (or replaced by Live mode) while encoding
  patchItem(item.id, { png, thumb, rgba: null });
  if (!db) return;
  const record: Omit<GalleryRecord, 'key'> = {
    id: item.id,
    createdAt: item.createdAt,
    params: item.params,
    width: item.width,
    height: item.height,
    modelId: item.modelId,
    backend: item.backend,
    timings: item.timings,
    png,
    thumb,
  };
  try {
    const key = await db.add(record);
    if (!findItem(item.id)) {
      await db.delete(key);
      return;
    }
    patchItem(item.id, { dbKey: key });
    setStatus({ total: studio.getState().galleryStatus.total + 1 });
  } catch (error) {
    studio.setState({ notice: { kind: 'error', text: describeStorageError(error) } });
  }
}

const itemOf = (record: GalleryRecord): GalleryItem => ({
  id: record.id,
  params: record.params,
  width: record.width,
  height: record.height,
  rgba: null,
  png: record.png,
  thumb: record.thumb,
  dbKey: record.key ?? null,
  job: null,
  modelId: record.modelId,
  backend: record.backend,
  timings: record.timings,
  createdAt: record.createdAt,
});

/** Appends the next page of saved images (older than those shown). */
export async function loadMoreGallery(): Promise<void> {
  const status = studio.getState().galleryStatus;
  if (!db || exhausted || status.loading) return;
  setStatus({ loading: true });
  try {
    const page = await db.page(nextPage, GALLERY_PAGE_SIZE);
    nextPage = page.next;
    exhausted = page.next === null;
    studio.setState((s) => {
      const shown = new Set(s.gallery.map((i) => i.id));
      return { gallery: [...s.gallery, ...page.records.filter((r) => !shown.has(r.id)).map(itemOf)] };
    });
    setStatus({ hasMore: !exhausted, loading: false });
  } catch (error) {
    setStatus({ loading: false });
    studio.setState({ notice: { kind: 'error', text: `Could not read the gallery: ${String(error)}` } });
  }
}

/** Removes one image from the screen and the database. */
export async function deleteGalleryItem(id: string): Promise<void> {
  const item = findItem(id);
  if (!item) return;
  studio.setState((s) => ({ gallery: s.gallery.filter((i) => i.id !== id) }));
  await pending.get(id); // a save still running removes its own record once it sees the item gone
  if (item.dbKey !== null && db) {
    try {
      await db.delete(item.dbKey);
      setStatus({ total: Math.max(0, studio.getState().galleryStatus.total - 1) });
    } catch (error) {
      studio.setState({ notice: { kind: 'error', text: `Could not delete the image: ${String(error)}` } });
    }
  }
}

/** Empties the gallery, on screen and in the database. */
export async function clearGallery(): Promise<void> {
  studio.setState({ gallery: [] });
  await writes;
  nextPage = null;
  exhausted = true;
  try {
    await db?.clear();
    setStatus({ total: 0, hasMore: false });
  } catch (error) {
    studio.setState({ notice: { kind: 'error', text: `Could not clear the gallery: ${String(error)}` } });
  }
}

/** The item's PNG, waiting for it when the image has just been made. */
export async function pngOf(id: string): Promise<Blob | null> {
  await pending.get(id);
  return findItem(id)?.png ?? null;
}
