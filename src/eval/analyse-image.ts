/**
 * A simple analyser for the embedded model's images (one shape on a plain background), used by
 * `npm run eval:model` and the model tests. As issue #7 specifies: background = median of the
 * border pixels; object mask = pixels far from it; the mask's (median) colour → nearest CSS named
 * colour; its bounding-box centre → position (thirds); bounding-box size → small/big; fill ratio,
 * a hole at the centre, filled bounding-box corners and where the mass sits → shape. Validated on ground-truth renders of the
 * training set (tests/fixtures/shapes).
 */

export const NAMED_COLOURS = {
  red: [255, 0, 0],
  orange: [255, 165, 0],
  yellow: [255, 255, 0],
  green: [0, 128, 0],
  cyan: [0, 255, 255],
  blue: [0, 0, 255],
  purple: [128, 0, 128],
  pink: [255, 192, 203],
  white: [255, 255, 255],
  black: [0, 0, 0],
  gray: [128, 128, 128],
  brown: [165, 42, 42],
} as const satisfies Record<string, readonly [number, number, number]>;

export type ColourName = keyof typeof NAMED_COLOURS;
export type Shape = 'circle' | 'square' | 'triangle' | 'star' | 'ring';

export interface ImageAnalysis {
  background: ColourName;
  /** Absent when no object stands out from the background. */
  object?: {
    colour: ColourName;
    position: string;
    size: 'small' | 'big';
    shape: Shape;
    /** Bounding-box width as a fraction of the image width. */
    widthFraction: number;
    features: { fill: number; hole: number; verticalOffset: number; cornerFill: number };
  };
}

export function nearestColour(rgb: readonly number[]): ColourName {
  let best: ColourName = 'black';
  let bestDistance = Infinity;
  for (const [name, value] of Object.entries(NAMED_COLOURS) as [ColourName, readonly number[]][]) {
    const d = value.reduce((sum, v, i) => sum + (v - (rgb[i] as number)) ** 2, 0);
    if (d < bestDistance) {
      bestDistance = d;
      best = name;
    }
  }
  return best;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/** Mask threshold: Euclidean RGB distance from the background. */
const OBJECT_DISTANCE = 60;

export function analyseImage(rgba: ArrayLike<number>, width: number, height: number): ImageAnalysis {
  const px = (x: number, y: number, c: number) => rgba[(y * width + x) * 4 + c] as number;
  const border: [number[], number[], number[]] = [[], [], []];
  for (let x = 0; x < width; x++) {
    for (const y of [0, height - 1]) for (let c = 0; c < 3; c++) border[c as 0 | 1 | 2].push(px(x, y, c));
  }
  for (let y = 1; y < height - 1; y++) {
    for (const x of [0, width - 1]) for (let c = 0; c < 3; c++) border[c as 0 | 1 | 2].push(px(x, y, c));
  }
  const bg = border.map(median);
  const mask = new Uint8Array(width * height);
  let count = 0;
  let x0 = width;
  let x1 = -1;
  let y0 = height;
  let y1 = -1;
  const objectPixels: [number[], number[], number[]] = [[], [], []];
  let sumY = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const d = Math.hypot(
        px(x, y, 0) - (bg[0] as number),
        px(x, y, 1) - (bg[1] as number),
        px(x, y, 2) - (bg[2] as number),
      );
      if (d <= OBJECT_DISTANCE) continue;
      mask[y * width + x] = 1;
      count++;
      for (let c = 0; c < 3; c++) objectPixels[c as 0 | 1 | 2].push(px(x, y, c));
      sumY += y;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x + 1);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y + 1);
    }
  }
  const background = nearestColour(bg);
  if (count < 4) return { background };
  const bw = x1 - x0;
  const bh = y1 - y0;
  const cx = (x0 + x1) / 2 / width;
  const cy = (y0 + y1) / 2 / height;
  const horizontal = cx < 1 / 3 ? 'left' : cx > 2 / 3 ? 'right' : '';
  const vertical = cy < 1 / 3 ? 'top' : cy > 2 / 3 ? 'bottom' : '';
  const position = `${vertical} ${horizontal}`.trim() || 'center';
  const widthFraction = Math.max(bw, bh) / width;
  const fill = count / (bw * bh);
  // Hole: how empty a small window at the bounding-box centre is (a ring's centre is background).
  const hx = Math.floor((x0 + x1) / 2);
  const hy = Math.floor((y0 + y1) / 2);
  const r = Math.max(1, Math.floor(Math.min(bw, bh) * 0.12));
  let inside = 0;
  let window = 0;
  for (let y = Math.max(0, hy - r); y <= Math.min(height - 1, hy + r); y++) {
    for (let x = Math.max(0, hx - r); x <= Math.min(width - 1, hx + r); x++) {
      inside += mask[y * width + x] as number;
      window++;
    }
  }
  const hole = 1 - inside / window;
  // Where the mass sits vertically inside the box: an upright triangle's centroid is 1/6 of the
  // box below the centre, a five-point star's only ~1/20.
  const verticalOffset = (sumY / count + 0.5 - (y0 + y1) / 2) / bh;
  // Corners of the bounding box: a square fills them (even with the soft corners a VAE draws),
  // a circle leaves them mostly empty; fill alone confuses the two once corners are rounded.
  const cw = Math.max(1, Math.round(bw * 0.2));
  const ch = Math.max(1, Math.round(bh * 0.2));
  let cornerInside = 0;
  for (const [cx0, cy0] of [
    [x0, y0],
    [x1 - cw, y0],
    [x0, y1 - ch],
    [x1 - cw, y1 - ch],
  ] as const) {
    for (let y = cy0; y < cy0 + ch; y++)
      for (let x = cx0; x < cx0 + cw; x++) cornerInside += mask[y * width + x] as number;
  }
  const cornerFill = cornerInside / (4 * cw * ch);
  let shape: Shape;
  if (hole > 0.5) shape = 'ring';
  else if (fill > 0.68) shape = cornerFill > 0.5 ? 'square' : 'circle';
  else shape = verticalOffset > 0.11 ? 'triangle' : 'star';
  return {
    background,
    object: {
      // Per-channel median rather than the mean: anti-aliased edges blend with the background and
      // would pull a small white object towards pink on a red background.
      colour: nearestColour(objectPixels.map(median)),
      position,
      size: widthFraction > 0.35 ? 'big' : 'small',
      shape,
      widthFraction,
      features: { fill, hole, verticalOffset, cornerFill },
    },
  };
}
