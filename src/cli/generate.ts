/**
 * `npm run generate -- --prompt "…" [--negative "…"] --seed 1 --steps 20 --cfg 7 --sampler euler
 *  --out out.png [--model models/tiny-shapes] [--width 64 --height 64] [--batch 1]`
 *
 * Runs the same pipeline as the browser worker on onnxruntime-node and writes PNGs.
 * A batch writes out.png, out-1.png, ….
 */
import { writeFile } from 'node:fs/promises';
import { PNG } from 'pngjs';
import pkg from '../../package.json' with { type: 'json' };
import { infotextFromParams } from '../metadata/generation-infotext.ts';
import { withPngText } from '../metadata/png-text.ts';
import { txt2img } from '../pipeline/txt2img.ts';
import { seedForImage, validateParams, type GenerationParams } from '../protocol/params.ts';
import { loadNodeModel } from '../runtime/node/ort-node.ts';
import { SAMPLERS } from '../schedulers/index.ts';
import { readArgs } from './args.ts';

const DEFAULT_MODEL = 'models/tiny-shapes';

async function main() {
  const args = readArgs({
    prompt: { type: 'string', default: '' },
    negative: { type: 'string', default: '' },
    seed: { type: 'string', default: '0' },
    steps: { type: 'string', default: '20' },
    cfg: { type: 'string', default: '7' },
    sampler: { type: 'string' },
    width: { type: 'string' },
    height: { type: 'string' },
    batch: { type: 'string', default: '1' },
    out: { type: 'string', default: 'out.png' },
    model: { type: 'string', default: DEFAULT_MODEL },
    json: { type: 'boolean', default: false },
  });
  const loaded = await loadNodeModel(args.model as string);
  const { summary } = loaded;
  const params: GenerationParams = {
    prompt: args.prompt as string,
    negativePrompt: args.negative as string,
    seed: args.seed as string,
    steps: Number(args.steps),
    cfg: Number(args.cfg),
    sampler: (args.sampler as string | undefined) ?? summary.defaultSampler,
    width: args.width ? Number(args.width) : summary.width,
    height: args.height ? Number(args.height) : summary.height,
    batchCount: Number(args.batch),
  };
  const issues = validateParams(params, { samplers: SAMPLERS.map((s) => s.id), sizeMultiple: summary.sizeMultiple });
  if (issues.length > 0) {
    for (const issue of issues) console.error(`error: ${issue.message}`);
    process.exitCode = 2;
    return;
  }
  const seeds = Array.from({ length: params.batchCount }, (_, i) => seedForImage(params.seed, i));
  const out = args.out as string;
  const written: { file: string; seed: string; totalMs: number }[] = [];
  const pending: Promise<void>[] = [];
  await txt2img(
    loaded.model,
    { ...params, seeds },
    {
      clock: () => performance.now(),
      onImage: (image) => {
        const file = image.index === 0 ? out : out.replace(/(\.png)?$/i, `-${image.index}.png`);
        const png = new PNG({ width: image.width, height: image.height });
        png.data = Buffer.from(image.rgba.buffer, image.rgba.byteOffset, image.rgba.byteLength);
        // The same A1111 `parameters` chunk the studio's Download writes.
        const parameters = infotextFromParams(
          { ...params, seed: image.seed, batchCount: 1 },
          { samplers: SAMPLERS, modelId: summary.id, version: `latent-studio ${pkg.version}` },
        );
        pending.push(writeFile(file, withPngText(PNG.sync.write(png), 'parameters', parameters)));
        written.push({ file, seed: image.seed, totalMs: image.timings.totalMs });
      },
    },
  );
  await Promise.all(pending);
  await loaded.release();
  if (args.json) console.log(JSON.stringify(written));
  else for (const w of written) console.log(`wrote ${w.file} (seed ${w.seed}, ${w.totalMs.toFixed(1)} ms)`);
}

main().catch((error: unknown) => {
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
