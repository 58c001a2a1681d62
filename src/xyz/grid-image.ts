/**
 * The X/Y/Z grid image: cells in columns (X) and rows (Y), one such grid per Z value side by
 * side, axis values written above the columns, left of the rows and above each Z grid, black on
 * white, as A1111 lays it out (modules/images.py `image_grid`, `draw_grid_annotations`; font size
 * from the cell size, lines wrapped to fit). Text comes from a bitmap font (grid-font.ts), since
 * the pure core has no canvas. PURE.
 */
import type { RgbaPixels } from '../protocol/messages.ts';
import { FIRST_CODE, GLYPH_HEIGHT, GLYPH_WIDTH, GLYPHS } from './grid-font.ts';

export interface GridInput {
  /** Cells by index ix + iy·nx + iz·nx·ny; null draws an empty (white) cell, as A1111 does for a failed one. */
  cells: (RgbaPixels | null)[];
  xLabels: string[];
  yLabels: string[];
  zLabels: string[];
}

const PAD = 8;

/** A1111's font size ((w + h) / 25) as a whole multiple of the bitmap font's height. */
export const fontScale = (cellW: number, cellH: number) => Math.max(1, Math.round((cellW + cellH) / 25 / GLYPH_HEIGHT));

/** Greedy word wrap to `maxChars` per line; words longer than a line are cut. */
export function wrapText(text: string, maxChars: number): string[] {
  const limit = Math.max(1, maxChars);
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (let word of paragraph.split(' ')) {
      while (word.length > limit) {
        if (line) lines.push(line);
        lines.push(word.slice(0, limit));
        word = word.slice(limit);
        line = '';
      }
      const next = line ? `${line} ${word}` : word;
      if (next.length <= limit) line = next;
      else {
        lines.push(line);
        line = word;
      }
    }
    lines.push(line);
  }
  return lines;
}

class Canvas {
  readonly rgba: Uint8ClampedArray;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.rgba = new Uint8ClampedArray(width * height * 4).fill(255);
  }
  blit(image: RgbaPixels, left: number, top: number) {
    for (let y = 0; y < image.height; y++) {
      const from = y * image.width * 4;
      this.rgba.set(image.rgba.subarray(from, from + image.width * 4), ((top + y) * this.width + left) * 4);
    }
  }
  /** One line of text, `scale`× the font, black over what is there (coverage as alpha). */
  text(line: string, left: number, top: number, scale: number) {
    for (let i = 0; i < line.length; i++) {
      const code = line.charCodeAt(i);
      const glyph = GLYPHS[code - FIRST_CODE] ?? GLYPHS['?'.charCodeAt(0) - FIRST_CODE]!;
      const gx = left + i * GLYPH_WIDTH * scale;
      for (let y = 0; y < GLYPH_HEIGHT * scale; y++)
        for (let x = 0; x < GLYPH_WIDTH * scale; x++) {
          const px = gx + x;
          const py = top + y;
          if (px < 0 || py < 0 || px >= this.width || py >= this.height) continue;
          const coverage = parseInt(glyph[Math.floor(y / scale) * GLYPH_WIDTH + Math.floor(x / scale)]!, 16) / 15;
          if (coverage === 0) continue;
          const at = (py * this.width + px) * 4;
          for (let c = 0; c < 3; c++) this.rgba[at + c] = this.rgba[at + c]! * (1 - coverage);
        }
    }
  }
  /** Lines centred horizontally in [left, left + width), starting at top. */
  block(lines: string[], left: number, top: number, width: number, scale: number) {
    for (const [i, line] of lines.entries()) {
      const w = line.length * GLYPH_WIDTH * scale;
      this.text(line, left + Math.floor((width - w) / 2), top + i * GLYPH_HEIGHT * scale, scale);
    }
  }
}

/** Composes the labelled grid. Every cell's slot is the largest cell's size (cells centred in it). */
export function composeXyzGrid(input: GridInput): RgbaPixels {
  const nx = input.xLabels.length;
  const ny = input.yLabels.length;
  const nz = input.zLabels.length;
  if (input.cells.length !== nx * ny * nz) throw new Error(`expected ${nx * ny * nz} cells, got ${input.cells.length}`);
  const present = input.cells.filter((c): c is RgbaPixels => c !== null);
  const cellW = Math.max(1, ...present.map((c) => c.width));
  const cellH = Math.max(1, ...present.map((c) => c.height));
  const scale = fontScale(cellW, cellH);
  const charW = GLYPH_WIDTH * scale;
  const lineH = GLYPH_HEIGHT * scale;
  const has = (labels: string[]) => labels.some((l) => l !== '');

  // Column heads wrap to the cell's width; row heads get A1111's ¾ of a cell (at least their longest word).
  const xLines = input.xLabels.map((l) => wrapText(l, Math.floor((cellW - PAD) / charW)));
  const padTop = has(input.xLabels) ? Math.max(...xLines.map((l) => l.length)) * lineH + 2 * PAD : 0;
  const leftWidth = Math.max(
    Math.floor((cellW * 3) / 4),
    ...input.yLabels.flatMap((l) => l.split(/\s+/)).map((w) => w.length * charW + 2 * PAD),
  );
  const yLines = input.yLabels.map((l) => wrapText(l, Math.floor((leftWidth - 2 * PAD) / charW)));
  const padLeft = has(input.yLabels) ? leftWidth : 0;
  const subW = padLeft + nx * cellW;
  const subH = padTop + ny * cellH;

  const zGap = nz > 1 ? PAD * 2 : 0;
  const zLines = input.zLabels.map((l) => wrapText(l, Math.floor((subW - PAD) / charW)));
  const zTop = has(input.zLabels) ? Math.max(...zLines.map((l) => l.length)) * lineH + 2 * PAD : 0;
  const canvas = new Canvas(nz * subW + (nz - 1) * zGap, zTop + subH);

  for (let iz = 0; iz < nz; iz++) {
    const left0 = iz * (subW + zGap);
    if (zTop > 0) canvas.block(zLines[iz]!, left0, PAD, subW, scale);
    for (let ix = 0; ix < nx; ix++)
      if (padTop > 0) canvas.block(xLines[ix]!, left0 + padLeft + ix * cellW, zTop + PAD, cellW, scale);
    for (let iy = 0; iy < ny; iy++) {
      if (padLeft > 0) {
        const lines = yLines[iy]!;
        canvas.block(
          lines,
          left0,
          zTop + padTop + iy * cellH + Math.floor((cellH - lines.length * lineH) / 2),
          padLeft,
          scale,
        );
      }
      for (let ix = 0; ix < nx; ix++) {
        const cell = input.cells[ix + iy * nx + iz * nx * ny];
        if (!cell) continue;
        canvas.blit(
          cell,
          left0 + padLeft + ix * cellW + Math.floor((cellW - cell.width) / 2),
          zTop + padTop + iy * cellH + Math.floor((cellH - cell.height) / 2),
        );
      }
    }
  }
  return { rgba: canvas.rgba, width: canvas.width, height: canvas.height };
}
