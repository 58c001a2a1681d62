/**
 * The image panel's source image and mask across reloads (IndexedDB through idb): two records,
 * raw RGBA (structured clone keeps typed arrays), so a reload restores exactly what was there.
 * Main thread (the image slice, src/state/image-slice.ts).
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { RgbaPixels } from '../protocol/messages.ts';

type Slot = 'source' | 'mask';

interface InputSchema extends DBSchema {
  input: { key: Slot; value: RgbaPixels };
}

export interface ImageInputDb {
  get(slot: Slot): Promise<RgbaPixels | null>;
  /** null deletes the slot. */
  put(slot: Slot, pixels: RgbaPixels | null): Promise<void>;
  close(): void;
}

export async function openImageInputDb(name = 'latent-studio-image-input'): Promise<ImageInputDb> {
  const db: IDBPDatabase<InputSchema> = await openDB<InputSchema>(name, 1, {
    upgrade(database) {
      database.createObjectStore('input');
    },
  });
  return {
    async get(slot) {
      const value = await db.get('input', slot);
      const ok =
        value &&
        value.rgba instanceof Uint8ClampedArray &&
        Number.isInteger(value.width) &&
        Number.isInteger(value.height) &&
        value.rgba.length === value.width * value.height * 4;
      return ok ? value : null;
    },
    async put(slot, pixels) {
      if (pixels === null) await db.delete('input', slot);
      else await db.put('input', { rgba: pixels.rgba, width: pixels.width, height: pixels.height }, slot);
    },
    close: () => db.close(),
  };
}
