import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { CLEAN_DISTANCE, cleanBackground } from './clean-background.ts';

const dir = join(import.meta.dirname, '../../tests/fixtures/shapes');
const labels = JSON.parse(readFileSync(join(dir, 'labels.json'), 'utf8')) as { file: string }[];
const read = (file: string) => PNG.sync.read(readFileSync(join(dir, file)));

describe('cleanBackground', () => {
  it('scores every ground-truth render of the training set as fully clean', () => {
    for (const { file } of labels) {
      const png = read(file);
      const result = cleanBackground(png.data, png.width, png.height);
      expect(result.cleanShare, file).toBe(1);
      expect(result.backgroundPixels, file).toBeGreaterThan(0);
    }
  });

  it('counts a streak below the object and a stray mark as unclean background', () => {
    const png = read(labels[0]?.file as string);
    const { width, height } = png;
    const before = cleanBackground(png.data, width, height);
    const smeared = Uint8ClampedArray.from(png.data);
    const bg = [smeared[0], smeared[1], smeared[2]] as number[];
    // a faint 3-px streak along the bottom rows: 40 units off the background, below the object threshold
    for (let y = height - 4; y < height - 1; y++) {
      for (let x = 0; x < width; x++) {
        const i = (y * width + x) * 4;
        for (let c = 0; c < 3; c++)
          smeared[i + c] = Math.max(0, Math.min(255, (bg[c] as number) + (bg[c]! > 127 ? -24 : 24)));
      }
    }
    const after = cleanBackground(smeared, width, height);
    expect(after.cleanShare).toBeLessThan(before.cleanShare - 0.02);
    expect(after.meanDistance).toBeGreaterThan(before.meanDistance);
    expect(CLEAN_DISTANCE).toBeLessThan(Math.hypot(24, 24, 24));
  });

  it('treats an empty image as clean (no object, all background)', () => {
    const flat = new Uint8ClampedArray(8 * 8 * 4).fill(200);
    expect(cleanBackground(flat, 8, 8)).toEqual({ cleanShare: 1, backgroundPixels: 64, meanDistance: 0 });
  });
});
