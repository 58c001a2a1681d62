/**
 * An X/Y/Z plot as a list of cells: the base settings with each axis's value applied, in A1111's
 * order (scripts/xyz_grid.py `draw_xyz_grid`: with equal axis costs, Z outermost, then Y, then X;
 * cell index ix + iy·nx + iz·nx·ny), checked before anything runs, plus the grid's infotext
 * (the first cell's, with "Script: X/Y/Z plot, X Type, X Values, …" as A1111 writes it). PURE.
 */
import { quoteValue } from '../metadata/infotext.ts';
import type { GenerationParams, ParamIssue } from '../protocol/params.ts';
import { AxisError, MAX_XYZ_CELLS, type Axis, type AxisValue } from './axes.ts';

export const XYZ_SCRIPT_TITLE = 'X/Y/Z plot';
/** Largest grid image, in pixels (A1111 caps it in megapixels too: opts.img_max_size_mp). */
export const MAX_GRID_PIXELS = 4096 * 4096;

export interface XyzCell {
  index: number;
  ix: number;
  iy: number;
  iz: number;
  params: GenerationParams;
}

export interface XyzPlan {
  x: Axis;
  y: Axis;
  z: Axis;
  cells: XyzCell[];
}

/** A1111 apply_field / apply_prompt for one value. */
export function applyAxisValue(params: GenerationParams, value: AxisValue): GenerationParams {
  switch (value.kind) {
    case 'nothing':
      return params;
    case 'seed':
      return { ...params, seed: value.seed };
    case 'steps':
      return { ...params, steps: value.steps };
    case 'cfg':
      return { ...params, cfg: value.cfg };
    case 'sampler':
      return { ...params, sampler: value.sampler };
    case 'size':
      return { ...params, width: value.width, height: value.height };
    case 'denoising':
      if (!params.image) throw new AxisError('The Denoising axis needs image to image (set a source image first).');
      return { ...params, image: { ...params.image, denoisingStrength: value.strength } };
    case 'prompt-sr':
      if (!params.prompt.includes(value.search) && !params.negativePrompt.includes(value.search))
        throw new AxisError(`Prompt S/R did not find ${value.search} in prompt or negative prompt.`);
      return {
        ...params,
        prompt: params.prompt.replaceAll(value.search, value.replace),
        negativePrompt: params.negativePrompt.replaceAll(value.search, value.replace),
      };
  }
}

/**
 * Expands the axes over the base settings (one image per cell: batch count 1). `validate` is
 * the same check a single generate runs; the first cell it refuses stops the plan with its
 * values named, before any work starts.
 */
export function planXyz(
  base: GenerationParams,
  axes: { x: Axis; y: Axis; z: Axis },
  validate: (params: GenerationParams) => ParamIssue[],
): XyzPlan {
  const { x, y, z } = axes;
  const count = x.values.length * y.values.length * z.values.length;
  if (count > MAX_XYZ_CELLS)
    throw new AxisError(
      `The plot would make ${count} images (${x.values.length}×${y.values.length}×${z.values.length}); at most ${MAX_XYZ_CELLS}.`,
    );
  const cells: XyzCell[] = [];
  for (const [iz, zv] of z.values.entries())
    for (const [iy, yv] of y.values.entries())
      for (const [ix, xv] of x.values.entries()) {
        const params = applyAxisValue(applyAxisValue(applyAxisValue({ ...base, batchCount: 1 }, xv), yv), zv);
        const issues = validate(params);
        if (issues.length > 0) {
          const where = [x.labels[ix], y.labels[iy], z.labels[iz]].filter(Boolean).join(', ');
          throw new AxisError(`The cell ${where}: ${issues.map((i) => i.message).join(' ')}`);
        }
        cells.push({ index: ix + iy * x.values.length + iz * x.values.length * y.values.length, ix, iy, iz, params });
      }
  cells.sort((a, b) => a.index - b.index);
  const pixels = Math.max(...cells.map((c) => c.params.width)) * Math.max(...cells.map((c) => c.params.height)) * count;
  if (pixels > MAX_GRID_PIXELS)
    throw new AxisError(
      `Resulting grid would be too large (${(pixels / 1e6).toFixed(1)} MPixels); at most ${(MAX_GRID_PIXELS / 1e6).toFixed(1)}.`,
    );
  return { x, y, z, cells };
}

/**
 * The grid image's extra infotext entries, as A1111 adds them to the first cell's:
 * `Script: X/Y/Z plot, X Type: CFG Scale, X Values: "3, 7", …` (seed axes also list their
 * "Fixed … Values", since -1 became a drawn seed).
 */
export function xyzInfotextEntries(plan: XyzPlan): string {
  const entries: [string, string][] = [['Script', XYZ_SCRIPT_TITLE]];
  for (const [name, axis] of [
    ['X', plan.x],
    ['Y', plan.y],
    ['Z', plan.z],
  ] as const) {
    if (axis.type.kind === 'nothing') continue;
    entries.push([`${name} Type`, axis.type.label], [`${name} Values`, axis.text]);
    if (axis.type.kind === 'seed')
      entries.push([`Fixed ${name} Values`, axis.values.map((v) => (v.kind === 'seed' ? v.seed : '')).join(', ')]);
  }
  return entries.map(([k, v]) => `${k}: ${quoteValue(v)}`).join(', ');
}

/** The grid's infotext: the first cell's text with the plot's entries appended to its last line. */
export const gridInfotext = (firstCellInfotext: string, plan: XyzPlan) =>
  `${firstCellInfotext}, ${xyzInfotextEntries(plan)}`;
