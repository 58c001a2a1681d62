/**
 * The gallery slice: finished images (newest first), saved in IndexedDB and paged back in, kept
 * the same in every open tab. Each new image becomes a PNG carrying A1111 `parameters` plus a
 * thumbnail; writes run one after another so database order is creation order. A failed write
 * costs only that image's persistence (it stays on screen for the session) and is reported.
 *
 * Cross-tab: every addition, deletion and clear is announced on a BroadcastChannel; the other
 * tabs read the new record, drop the deleted one, or drop everything saved, and recount.
 */
import type { StateCreator } from 'zustand/vanilla';
import { infotextFromParams } from '../metadata/generation-infotext.ts';
import { postprocessingText } from '../metadata/upscale-infotext.ts';
import { SAMPLERS } from '../schedulers/index.ts';
import { describeStorageError, openGalleryDb, type GalleryDb, type GalleryRecord } from '../storage/gallery-db.ts';
import { encodePng, makeThumbnail } from '../storage/png-image.ts';
import { VERSION_TAG } from './app-version.ts';
import type { PngSigner, ProvenanceSource } from '../provenance/png-signer.ts';
import { browserPngSigner } from './provenance.ts';
import type { Studio } from './store.ts';
import type { GalleryItem, GalleryStatus } from './types.ts';

export const GALLERY_PAGE_SIZE = 24;
export const GALLERY_CHANNEL = 'latent-studio-gallery';

/** What one tab tells the others about the shared database. */
export type GalleryMessage = { type: 'added'; key: number } | { type: 'deleted'; key: number } | { type: 'cleared' };

/** The part of BroadcastChannel the gallery uses (Node has one too, for the tests). */
export interface GalleryChannel {
  postMessage(message: GalleryMessage): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<GalleryMessage>) => void): void;
  close(): void;
}

export interface GalleryOptions {
  open?: () => Promise<GalleryDb>;
  /** null: no cross-tab sync (a browser without BroadcastChannel). */
  channel?: GalleryChannel | null;
  /** PNG encoding (the browser's canvas by default). */
  encode?: (item: GalleryItem) => Promise<{ png: Blob; thumb: Blob }>;
  /**
   * C2PA signing of what `encode` made: the browser's install identity by default; with a custom
   * `encode` only when given (tests pass an in-memory identity).
   */
  sign?: PngSigner;
}

export interface GallerySlice {
  gallery: GalleryItem[];
  galleryStatus: GalleryStatus;
  /** Opens the database, loads the first page, and starts saving new images. Call once. */
  startGallery(options?: GalleryOptions): Promise<void>;
  loadMoreGallery(): Promise<void>;
  /** Removes one image from the screen and the database (in every tab). */
  deleteGalleryItem(id: string): Promise<void>;
  /** Empties the gallery, on screen and in the database (in every tab). */
  clearGallery(): Promise<void>;
  /** The item's PNG, waiting for it when the image has just been made. */
  pngOf(id: string): Promise<Blob | null>;
  /** Resolves when every image made so far is saved (or failed to save). */
  gallerySaved(): Promise<void>;
  /** Adds an image made outside the engine (an X/Y/Z grid) to the top, and saves it. */
  addGalleryImage(item: GalleryItem): void;
}

/** The `parameters` text embedded in an item's PNG. */
export const infotextOf = (item: Pick<GalleryItem, 'params' | 'modelId' | 'infotext'>) =>
  item.infotext ?? infotextFromParams(item.params, { samplers: SAMPLERS, modelId: item.modelId, version: VERSION_TAG });

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

async function encodeInBrowser(item: GalleryItem): Promise<{ png: Blob; thumb: Blob }> {
  if (!item.rgba) throw new Error('no pixels');
  const post = item.params.postprocess;
  const png = await encodePng(
    item.rgba,
    item.width,
    item.height,
    infotextOf(item),
    post ? [['postprocessing', postprocessingText(post)]] : [],
  );
  return { png, thumb: await makeThumbnail(png, item.width, item.height) };
}

/**
 * Adds a signed C2PA manifest (src/provenance) to what `encode` made. Signing that fails
 * (IndexedDB refused, say) keeps the image unsigned and says so once, rather than losing it.
 * An upscale passes its source item's PNG along (`sourceOf`): when that is signed, the new
 * manifest continues its chain (parentOf ingredient); when not, the upscale reads as created.
 */
function withC2pa(
  encode: (item: GalleryItem) => Promise<{ png: Blob; thumb: Blob }>,
  report: (text: string) => void,
  sign: PngSigner,
  sourceOf: (item: GalleryItem) => Promise<ProvenanceSource | undefined>,
): (item: GalleryItem) => Promise<{ png: Blob; thumb: Blob }> {
  let warned = false;
  return async (item) => {
    const encoded = await encode(item);
    try {
      const post = item.params.postprocess;
      const source = post ? await sourceOf(item) : undefined;
      const signed = await sign(
        new Uint8Array(await encoded.png.arrayBuffer()),
        item.modelId,
        post ? { upscaler: post.upscaler, scale: post.upscaleBy, ...(source ? { source } : {}) } : undefined,
      );
      const png = new Blob([signed as Uint8Array<ArrayBuffer>], { type: 'image/png' });
      return { png, thumb: encoded.thumb === encoded.png ? png : encoded.thumb };
    } catch (error) {
      if (!warned) report(`Images are saved without a C2PA signature: ${String(error)}`);
      warned = true;
      return encoded;
    }
  };
}

function defaultChannel(): GalleryChannel | null {
  return typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(GALLERY_CHANNEL);
}

/** Inserts a saved item among the others by key (newest first); unsaved ones stay on top. */
function insertByKey(gallery: GalleryItem[], item: GalleryItem): GalleryItem[] {
  const key = item.dbKey ?? Infinity;
  const at = gallery.findIndex((i) => i.dbKey !== null && i.dbKey < key);
  return at < 0 ? [...gallery, item] : [...gallery.slice(0, at), item, ...gallery.slice(at)];
}

export const createGallerySlice: StateCreator<Studio, [], [], GallerySlice> = (set, get) => {
  // Per store: the database handle, the paging cursor, the write chain, the channel.
  let db: GalleryDb | null = null;
  let channel: GalleryChannel | null = null;
  let encode = encodeInBrowser;
  let nextPage: number | null = null;
  let exhausted = false;
  let writes: Promise<void> = Promise.resolve();
  const saving = new Map<string, Promise<void>>();

  const setStatus = (patch: Partial<GalleryStatus>) =>
    set((s) => ({ galleryStatus: { ...s.galleryStatus, ...patch } }));
  const findItem = (id: string) => get().gallery.find((i) => i.id === id);
  const patchItem = (id: string, patch: Partial<GalleryItem>) =>
    set((s) => ({ gallery: s.gallery.map((i) => (i.id === id ? { ...i, ...patch } : i)) }));
  const report = (text: string) => get().notify({ kind: 'error', text, source: 'storage' });
  const recount = async () => {
    if (db) setStatus({ total: await db.count() });
  };
  /** An upscale's source image, as saved (already signed: it was saved before this one). */
  const sourceOf = async (item: GalleryItem): Promise<ProvenanceSource | undefined> => {
    const source = item.sourceItemId ? findItem(item.sourceItemId) : undefined;
    const png = source ? await get().pngOf(source.id) : null;
    if (!source || !png) return undefined; // deleted meanwhile: the upscale reads as created
    return { png: new Uint8Array(await png.arrayBuffer()), title: `gallery image ${source.params.seed}` };
  };

  async function save(item: GalleryItem): Promise<void> {
    if (!item.rgba) return;
    let encoded: { png: Blob; thumb: Blob };
    try {
      encoded = await encode(item);
    } catch (error) {
      report(`Could not encode the image as PNG: ${String(error)}`);
      return;
    }
    if (!findItem(item.id)) return; // deleted (or replaced by Live mode) while encoding
    patchItem(item.id, { ...encoded, rgba: null });
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
      ...encoded,
    };
    try {
      const key = await db.add(record);
      if (!findItem(item.id)) {
        await db.delete(key);
        return;
      }
      patchItem(item.id, { dbKey: key });
      setStatus({ total: get().galleryStatus.total + 1 });
      channel?.postMessage({ type: 'added', key });
    } catch (error) {
      report(describeStorageError(error));
    }
  }

  function queueSave(item: GalleryItem) {
    const work = (writes = writes.then(() => save(item)));
    saving.set(item.id, work);
    setStatus({ saving: saving.size });
    void work.finally(() => {
      saving.delete(item.id);
      setStatus({ saving: saving.size });
    });
  }

  async function onRemote(message: GalleryMessage) {
    if (!db) return;
    try {
      if (message.type === 'added') {
        const record = await db.get(message.key);
        if (!record || get().gallery.some((i) => i.dbKey === message.key || i.id === record.id)) return;
        // Older than what is paged in: it will come with "Load more".
        const oldest = get().gallery.at(-1)?.dbKey ?? null;
        if (!exhausted && oldest !== null && message.key < oldest) return;
        set((s) => ({ gallery: insertByKey(s.gallery, itemOf(record)) }));
      } else if (message.type === 'deleted') {
        set((s) => ({ gallery: s.gallery.filter((i) => i.dbKey !== message.key) }));
      } else {
        // Images this tab is still saving were made after the clear: they stay.
        set((s) => ({ gallery: s.gallery.filter((i) => i.dbKey === null) }));
        nextPage = null;
        exhausted = true;
        setStatus({ hasMore: false });
      }
      await recount();
    } catch (error) {
      report(`Could not read the gallery another tab changed (${String(error)}); reload to see it.`);
    }
  }

  return {
    gallery: [],
    galleryStatus: { total: 0, hasMore: false, loading: false, persistent: true, saving: 0 },

    async startGallery(options = {}) {
      const sign = options.sign ?? (options.encode ? null : browserPngSigner());
      const raw = options.encode ?? encodeInBrowser;
      encode = sign ? withC2pa(raw, report, sign, sourceOf) : raw;
      get().onImageAdded(queueSave);
      try {
        db = await (options.open ?? openGalleryDb)();
        setStatus({ total: await db.count(), persistent: true });
      } catch (error) {
        db = null;
        setStatus({ persistent: false, hasMore: false });
        report(
          `The gallery cannot be saved in this browser (${error instanceof Error ? error.message : String(error)}); images stay until you reload.`,
        );
        return;
      }
      channel = options.channel !== undefined ? options.channel : defaultChannel();
      channel?.addEventListener('message', (event) => void onRemote(event.data));
      await get().loadMoreGallery();
      // Ask the browser not to evict the gallery under storage pressure (best effort, may be refused).
      void globalThis.navigator?.storage?.persist?.().catch(() => false);
    },

    async loadMoreGallery() {
      if (!db || exhausted || get().galleryStatus.loading) return;
      setStatus({ loading: true });
      try {
        const page = await db.page(nextPage, GALLERY_PAGE_SIZE);
        nextPage = page.next;
        exhausted = page.next === null;
        set((s) => {
          const shown = new Set(s.gallery.map((i) => i.id));
          return { gallery: [...s.gallery, ...page.records.filter((r) => !shown.has(r.id)).map(itemOf)] };
        });
        setStatus({ hasMore: !exhausted, loading: false });
      } catch (error) {
        setStatus({ loading: false });
        report(`Could not read the gallery: ${String(error)}`);
      }
    },

    async deleteGalleryItem(id) {
      const item = findItem(id);
      if (!item) return;
      set((s) => ({ gallery: s.gallery.filter((i) => i.id !== id) }));
      await saving.get(id); // a save still running removes its own record once it sees the item gone
      const key = item.dbKey ?? findItem(id)?.dbKey ?? null;
      if (key === null || !db) return;
      try {
        await db.delete(key);
        setStatus({ total: Math.max(0, get().galleryStatus.total - 1) });
        channel?.postMessage({ type: 'deleted', key });
      } catch (error) {
        report(`Could not delete the image: ${String(error)}`);
      }
    },

    async clearGallery() {
      set({ gallery: [] });
      await writes;
      nextPage = null;
      exhausted = true;
      try {
        await db?.clear();
        setStatus({ total: 0, hasMore: false });
        channel?.postMessage({ type: 'cleared' });
      } catch (error) {
        report(`Could not clear the gallery: ${String(error)}`);
      }
    },

    async pngOf(id) {
      await saving.get(id);
      return findItem(id)?.png ?? null;
    },

    gallerySaved: () => writes,

    addGalleryImage(item) {
      set((s) => ({ gallery: [item, ...s.gallery] }));
      queueSave(item);
    },
  };
};
