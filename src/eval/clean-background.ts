/**
 * "Clean pictures" measure for the embedded model (issue #14): the share of background pixels
 * whose colour is within a small distance of the background colour. Smears, streaks and stray
 * marks outside the object lower it; the object itself and its anti-aliased edge do not count.
 *
 * Background colour: per-channel median of the border pixels (as analyseImage). Object: the
 * largest 4-connected component of the pixels farther than OBJECT_DISTANCE from it, grown by
 * EDGE_MARGIN pixels (edges are blended by the 4× supersampled renders and by the VAE). Every
 * other pixel is background and is clean when within CLEAN_DISTANCE of the background colour.
 * A second blob far from the background (a stray mark) is therefore background, and unclean.
 * Ground-truth renders of the training set score 100 % (src/eval/clean-background.test.ts).
 */

/** Same object threshold as analyseImage (Euclidean RGB distance). */
const OBJECT_DISTANCE = 60;
/** Pixels this close to the object (Chebyshev distance) belong to its edge. */
export const EDGE_MARGIN = 2;
/** A background pixel is clean within this Euclidean RGB distance of the background colour. */
export const CLEAN_DISTANCE = 24;

export interface CleanBackground {
  /** Share of background pixels within CLEAN_DISTANCE of the background colour, 0..1. */
  cleanShare: number;
  /** Number of background pixels (the image minus the object and its edge). */
  backgroundPixels: number;
  /** Mean RGB distance of the background pixels from the background colour. */
  meanDistance: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function cleanBackground(rgba: ArrayLike<number>, width: number, height: number): CleanBackground {
  const n = width * height;
  const px = (i: number, c: number) => rgba[i * 4 + c] as number;
  const border: [number[], number[], number[]] = [[], [], []];
  for (let i = 0; i < n; i++) {
    const x = i % width;
    const y = (i / width) | 0;
    if (x === 0 || y === 0 || x === width - 1 || y === height - 1)
      for (let c = 0; c < 3; c++) border[c as 0 | 1 | 2].push(px(i, c));
  }
  const bg = border.map(median) as [number, number, number];
  const distance = new Float32Array(n);
  for (let i = 0; i < n; i++) distance[i] = Math.hypot(px(i, 0) - bg[0], px(i, 1) - bg[1], px(i, 2) - bg[2]);

  // Largest 4-connected component of far pixels = the object.
  const label = new Int32Array(n).fill(-1);
  let best = -1;
  let bestSize = 0;
  const stack: number[] = [];
  for (let start = 0; start < n; start++) {
    if (label[start] !== -1 || (distance[start] as number) <= OBJECT_DISTANCE) continue;
    let size = 0;
    label[start] = start;
    stack.push(start);
    while (stack.length) {
      const i = stack.pop() as number;
      size++;
      const x = i % width;
      const neighbours = [x > 0 ? i - 1 : -1, x < width - 1 ? i + 1 : -1, i - width, i + width];
      for (const j of neighbours) {
        if (j < 0 || j >= n || label[j] !== -1 || (distance[j] as number) <= OBJECT_DISTANCE) continue;
        label[j] = start;
        stack.push(j);
      }
    }
    if (size > bestSize) {
      bestSize = size;
      best = start;
    }
  }
  const object = new Uint8Array(n);
  if (best >= 0) {
    for (let i = 0; i < n; i++) {
      if (label[i] !== best) continue;
      const x = i % width;
      const y = (i / width) | 0;
      for (let dy = -EDGE_MARGIN; dy <= EDGE_MARGIN; dy++) {
        for (let dx = -EDGE_MARGIN; dx <= EDGE_MARGIN; dx++) {
          const xx = x + dx;
          const yy = y + dy;
          if (xx >= 0 && yy >= 0 && xx < width && yy < height) object[yy * width + xx] = 1;
        }
      }
    }
  }
  let backgroundPixels = 0;
  let clean = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    if (object[i]) continue;
    backgroundPixels++;
    const d = distance[i] as number;
    sum += d;
    if (d <= CLEAN_DISTANCE) clean++;
  }
  return {
    cleanShare: backgroundPixels ? clean / backgroundPixels : 1,
    backgroundPixels,
    meanDistance: backgroundPixels ? sum / backgroundPixels : 0,
  };
}
