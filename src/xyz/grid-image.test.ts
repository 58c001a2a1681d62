import { describe, expect, it } from 'vitest';
import type { RgbaPixels } from '../protocol/messages.ts';
import { composeXyzGrid, fontScale, wrapText } from './grid-image.ts';
import { GLYPH_HEIGHT, GLYPH_WIDTH, GLYPHS } from './grid-font.ts';

const solid = (w: number, h: number, rgb: [number, number, number]): RgbaPixels => {
  const rgba = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < rgba.length; i += 4) rgba.set([...rgb, 255], i);
  return { rgba, width: w, height: h };
};
const pixel = (img: RgbaPixels, x: number, y: number) =>
  Array.from(img.rgba.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4));
/** Dark pixels in a rectangle: where text was drawn. */
const ink = (img: RgbaPixels, x0: number, y0: number, x1: number, y1: number) => {
  let n = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (pixel(img, x, y)[0]! < 128) n++;
  return n;
};

describe('composeXyzGrid', () => {
  it('places cells in X columns and Y rows below and right of their labels', () => {
    const colors: [number, number, number][] = [
      [255, 0, 0],
      [0, 255, 0],
      [0, 0, 255],
      [255, 255, 0],
    ];
    const grid = composeXyzGrid({
      cells: colors.map((c) => solid(64, 64, c)),
      xLabels: ['CFG Scale: 3', 'CFG Scale: 7'],
      yLabels: ['Steps: 4', 'Steps: 20'],
      zLabels: [''],
    });
    // Column heads wrap within a 64 px cell: "CFG Scale: 3" → "CFG" / "Scale: 3"; two lines.
    const padTop = 2 * GLYPH_HEIGHT + 16;
    const padLeft = Math.max(48, 'Steps:'.length * GLYPH_WIDTH + 16);
    expect([grid.width, grid.height]).toEqual([padLeft + 128, padTop + 128]);
    expect(pixel(grid, padLeft + 10, padTop + 10)).toEqual([255, 0, 0, 255]);
    expect(pixel(grid, padLeft + 64 + 10, padTop + 10)).toEqual([0, 255, 0, 255]);
    expect(pixel(grid, padLeft + 10, padTop + 64 + 10)).toEqual([0, 0, 255, 255]);
    expect(pixel(grid, padLeft + 127, padTop + 127)).toEqual([255, 255, 0, 255]);
    // Text is drawn in the margins, over white.
    expect(pixel(grid, 0, 0)).toEqual([255, 255, 255, 255]);
    expect(ink(grid, padLeft, 0, padLeft + 64, padTop)).toBeGreaterThan(20);
    expect(ink(grid, padLeft + 64, 0, padLeft + 128, padTop)).toBeGreaterThan(20);
    expect(ink(grid, 0, padTop, padLeft, padTop + 64)).toBeGreaterThan(20);
    // The two column heads differ only in their last character ("3" vs "7").
    expect(ink(grid, padLeft, 0, padLeft + 64, padTop)).not.toBe(ink(grid, padLeft + 64, 0, padLeft + 128, padTop));
  });

  it('puts one sub-grid per Z value side by side under its title, and leaves failed cells white', () => {
    const cells = [solid(64, 64, [0, 0, 0]), null];
    const grid = composeXyzGrid({ cells, xLabels: [''], yLabels: [''], zLabels: ['Seed: 1', 'Seed: 2'] });
    const zTop = GLYPH_HEIGHT + 16;
    expect([grid.width, grid.height]).toEqual([64 + 16 + 64, zTop + 64]);
    expect(pixel(grid, 10, zTop + 10)).toEqual([0, 0, 0, 255]);
    expect(pixel(grid, 80 + 10, zTop + 10)).toEqual([255, 255, 255, 255]);
    expect(ink(grid, 80, 0, 144, zTop)).toBeGreaterThan(10);
  });

  it('centres smaller cells in the largest cell’s slot (a Size axis)', () => {
    const grid = composeXyzGrid({
      cells: [solid(128, 64, [255, 0, 0]), solid(64, 64, [0, 0, 255])],
      xLabels: ['', ''],
      yLabels: [''],
      zLabels: [''],
    });
    expect([grid.width, grid.height]).toEqual([256, 64]);
    expect(pixel(grid, 128 + 10, 10)).toEqual([255, 255, 255, 255]);
    expect(pixel(grid, 128 + 40, 10)).toEqual([0, 0, 255, 255]);
  });

  it('refuses a cell count that does not match the labels', () => {
    expect(() => composeXyzGrid({ cells: [null], xLabels: ['a', 'b'], yLabels: [''], zLabels: [''] })).toThrow(
      'expected 2 cells, got 1',
    );
  });
});

describe('text helpers', () => {
  it('wraps on spaces and cuts words longer than a line', () => {
    expect(wrapText('CFG Scale: 3', 8)).toEqual(['CFG', 'Scale: 3']);
    expect(wrapText('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
  });
  it('scales the font with the cell as A1111 does ((w + h) / 25 px)', () => {
    expect(fontScale(64, 64)).toBe(1);
    expect(fontScale(512, 512)).toBe(Math.round(1024 / 25 / GLYPH_HEIGHT));
  });
  it('has a glyph for every printable ASCII character', () => {
    expect(GLYPHS).toHaveLength(95);
    for (const g of GLYPHS) expect(g).toHaveLength(GLYPH_WIDTH * GLYPH_HEIGHT);
  });
});
