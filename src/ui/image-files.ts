/** Images the person drops, pastes or picks → RGBA pixels (the browser decodes, we read them back). */
import type { Pixels } from './MaskPainter.tsx';

/** Largest side accepted as a source image; bigger ones are scaled down on the way in. */
export const MAX_SOURCE_SIDE = 2048;

export async function decodeImageBlob(blob: Blob): Promise<Pixels> {
  if (blob.type && !blob.type.startsWith('image/')) throw new Error(`That file is not an image (${blob.type}).`);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob);
  } catch {
    throw new Error('That image could not be read (is it a PNG, JPEG or WebP?).');
  }
  const scale = Math.min(1, MAX_SOURCE_SIDE / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d');
  if (!context) throw new Error('No 2D canvas to read the image.');
  context.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  const { data } = context.getImageData(0, 0, width, height);
  return { rgba: new Uint8ClampedArray(data), width, height };
}

/** The first image of a paste / drop, if any. */
export function imageFromDataTransfer(data: DataTransfer | null): File | null {
  if (!data) return null;
  for (const item of Array.from(data.items)) {
    if (item.kind === 'file' && item.type.startsWith('image/')) return item.getAsFile();
  }
  return Array.from(data.files).find((f) => f.type.startsWith('image/')) ?? null;
}
