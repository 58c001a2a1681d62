/**
 * `npm run generate -- … --xyz-x "CFG Scale: 3, 7" --xyz-y "Steps: 4, 20" [--xyz-z …] --out grid.png`:
 * the X/Y/Z plot from the CLI. Every cell runs through the same pipeline as a single generate;
 * the labelled grid (src/xyz) goes to --out with A1111's grid infotext, each cell to
 * out-cell-<index>.png with its own; all are signed like every other PNG the CLI writes.
 */
import { writeFile } from 'node:fs/promises';
import { PNG } from 'pngjs';
import { infotextFromParams } from '../metadata/generation-infotext.ts';
import { withPngText } from '../metadata/png-text.ts';
import { generate } from '../pipeline/generate.ts';
import { generateRequestFrom } from '../pipeline/request.ts';
import type { RgbaPixels, SourceImages } from '../protocol/messages.ts';
import { randomSeed, validateParams, type GenerationParams } from '../protocol/params.ts';
import type { PngSigner } from '../provenance/png-signer.ts';
import type { loadNodeModel } from '../runtime/node/ort-node.ts';
import { SAMPLERS } from '../schedulers/index.ts';
import { AXIS_TYPES, parseAxis, parseAxisSpec, type Axis, type AxisType } from '../xyz/axes.ts';
import { composeXyzGrid } from '../xyz/grid-image.ts';
import { gridInfotext, planXyz } from '../xyz/plan.ts';

export interface XyzCliOptions {
  loaded: Awaited<ReturnType<typeof loadNodeModel>>;
  base: GenerationParams;
  images: SourceImages | null;
  specs: { x?: string | undefined; y?: string | undefined; z?: string | undefined };
  out: string;
  version: string;
  sign: PngSigner;
}

function pngBytes(image: RgbaPixels): Uint8Array {
  const png = new PNG({ width: image.width, height: image.height });
  png.data = Buffer.from(image.rgba.buffer, image.rgba.byteOffset, image.rgba.byteLength);
  return new Uint8Array(PNG.sync.write(png));
}

/** Runs the plot; returns the files written. Bad axes throw AxisError before any cell runs. */
export async function runXyzFromCli(options: XyzCliOptions): Promise<{ file: string; label: string }[]> {
  const { loaded, base, images, specs, out } = options;
  const { summary } = loaded;
  const context = { samplers: SAMPLERS, randomSeed: () => randomSeed(Math.random) };
  const nothing = parseAxis(AXIS_TYPES[0] as AxisType, '', context);
  const axis = (spec: string | undefined): Axis => (spec ? parseAxisSpec(spec, context) : nothing);
  const axes = { x: axis(specs.x), y: axis(specs.y), z: axis(specs.z) };
  const validate = (params: GenerationParams) => {
    const issues = validateParams(params, { samplers: SAMPLERS.map((s) => s.id), sizeMultiple: summary.sizeMultiple });
    if (params.image && !summary.vaeEncoder)
      issues.push({ field: 'image', message: `${summary.id} has no VAE encoder, so it cannot start from an image.` });
    return issues;
  };
  const plan = planXyz(base, axes, validate);
  const infoOf = (params: GenerationParams, seed: string) =>
    infotextFromParams(
      { ...params, seed },
      { samplers: SAMPLERS, modelId: summary.id, version: `latent-studio ${options.version}` },
      { masked: images?.mask != null },
    );
  const cellFile = (index: number) => out.replace(/(\.png)?$/i, `-cell-${String(index).padStart(3, '0')}.png`);
  const pixels: (RgbaPixels | null)[] = [];
  const written: { file: string; label: string }[] = [];
  let firstInfo = '';
  for (const cell of plan.cells) {
    let made: { image: RgbaPixels; seed: string } | null = null;
    await generate(loaded.model, generateRequestFrom(cell.params, images), {
      clock: () => performance.now(),
      onImage: (image) => {
        made = { image: { rgba: image.rgba, width: image.width, height: image.height }, seed: image.seed };
      },
    });
    const result = made as { image: RgbaPixels; seed: string } | null;
    pixels[cell.index] = result?.image ?? null;
    if (!result) continue;
    const info = infoOf(cell.params, result.seed);
    if (cell.index === 0) firstInfo = info;
    const file = cellFile(cell.index);
    const label = [plan.x.labels[cell.ix], plan.y.labels[cell.iy], plan.z.labels[cell.iz]].filter(Boolean).join(', ');
    await writeFile(file, await options.sign(withPngText(pngBytes(result.image), 'parameters', info), summary.id));
    written.push({ file, label });
  }
  const grid = composeXyzGrid({
    cells: pixels,
    xLabels: plan.x.labels,
    yLabels: plan.y.labels,
    zLabels: plan.z.labels,
  });
  const text = gridInfotext(firstInfo, plan);
  await writeFile(out, await options.sign(withPngText(pngBytes(grid), 'parameters', text), summary.id));
  return [{ file: out, label: `grid ${grid.width}x${grid.height}` }, ...written];
}
