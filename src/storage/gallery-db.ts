/**
 * The gallery's IndexedDB (through idb): one record per image with its PNG (parameters chunk
 * included), a thumbnail and what produced it. Keys auto-increment, so key order is creation
 * order and "newest first" is a backwards cursor; pages continue below the last key read.
 * Main thread (the gallery slice, src/state/gallery-slice.ts).
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { Backend, PhaseTimings } from '../protocol/messages.ts';
import type { GenerationParams } from '../protocol/params.ts';

export interface GalleryRecord {
  /** Assigned by IndexedDB on insert. */
  key?: number;
  id: string;
  createdAt: number;
  params: GenerationParams;
  width: number;
  height: number;
  modelId: string;
  backend: Backend | null;
  timings: PhaseTimings;
  png: Blob;
  thumb: Blob;
}

interface GallerySchema extends DBSchema {
  images: { key: number; value: GalleryRecord; indexes: { id: string } };
}

export interface GalleryPage {
  records: GalleryRecord[];
  /** Pass to the next `page` call; null when the oldest record was read. */
  next: number | null;
}

export interface GalleryDb {
  add(record: Omit<GalleryRecord, 'key'>): Promise<number>;
  /** One record by key (another tab's new image), or null when it is gone. */
  get(key: number): Promise<GalleryRecord | null>;
  /** Newest first, records with keys below `before` (all when null). */
  page(before: number | null, limit: number): Promise<GalleryPage>;
  count(): Promise<number>;
  delete(key: number): Promise<void>;
  clear(): Promise<void>;
  close(): void;
}

export async function openGalleryDb(name = 'latent-studio-gallery'): Promise<GalleryDb> {
  const db: IDBPDatabase<GallerySchema> = await openDB<GallerySchema>(name, 1, {
    upgrade(database) {
      const store = database.createObjectStore('images', { keyPath: 'key', autoIncrement: true });
      store.createIndex('id', 'id', { unique: true });
    },
  });
  return {
    add: (record) => db.add('images', record as GalleryRecord),
    get: async (key) => (await db.get('images', key)) ?? null,
    async page(before, limit) {
      const range = before === null ? null : IDBKeyRange.upperBound(before, true);
      const records: GalleryRecord[] = [];
      let cursor = await db.transaction('images').store.openCursor(range, 'prev');
      while (cursor && records.length < limit) {
        records.push(cursor.value);
        cursor = await cursor.continue();
      }
      const last = records.at(-1)?.key;
      return { records, next: cursor && last !== undefined ? last : null };
    },
    count: () => db.count('images'),
    delete: (key) => db.delete('images', key),
    clear: () => db.clear('images'),
    close: () => db.close(),
  };
}

/** A sentence for a failed write: quota errors say what to do about them. */
export function describeStorageError(error: unknown): string {
  const name = error instanceof DOMException ? error.name : '';
  if (name === 'QuotaExceededError') {
    return 'The browser’s storage is full, so this image was not saved (it stays until you reload). Delete some images or free disk space.';
  }
  const detail = error instanceof Error ? error.message : String(error);
  return `This image could not be saved to the gallery (${detail}); it stays until you reload.`;
}
