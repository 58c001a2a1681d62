/**
 * `npm run generate -- --prompt "…" [--negative "…"] --seed 1 --steps 20 --cfg 7 --sampler euler
 *  --out out.png [--model models/tiny-shapes] [--width 64 --height 64] [--batch 1] [--batch-size 1]`
 *
 * `--batch` is A1111's batch count (sequential calls), `--batch-size` its batch size (images per
 * U-Net call): batch × batch-size images, seeds seed, seed + 1, ….
 *
 * Image to image (the model needs a VAE encoder):
 *   --init-image in.png --strength 0.6 [--resize-mode just-resize|crop-and-resize|resize-and-fill]
 *   [--mask mask.png --mask-blur 4 --inpaint-not-masked --masked-content original|fill|latent-noise|latent-nothing]
 *   [--outpaint-left 64 --outpaint-right 0 --outpaint-top 0 --outpaint-bottom 0]
 * Variation seeds (A1111): [--subseed N --subseed-strength 0.3] [--resize-seed-from 64x64]
 * Interpolation: --interpolate-seed M and/or --interpolate-prompt "…", --frames N → out-000.png …
 * Hires. fix (A1111): --hires-scale 2 [--hires-upscaler latent|lanczos|tiny-shapes-sr|DIR]
 *   [--hires-steps 0] [--hires-denoise 0.7]
 *
 * Runs the same pipeline as the browser worker on onnxruntime-node and writes PNGs with A1111's
 * `parameters` text and a signed C2PA manifest (key file: src/cli/c2pa-identity-file.ts). A batch
 * writes out.png, out-1.png, ….
 *
 * X/Y/Z plot: --xyz-x "CFG Scale: 3, 7" [--xyz-y "Steps: 4, 20"] [--xyz-z "Seed: 1-3"] → the labelled
 *   grid at --out, each cell at out-cell-000.png … (src/cli/xyz.ts)
 */
import { readFile, writeFile } from 'node:fs/promises';
import { PNG } from 'pngjs';
import pkg from '../../package.json' with { type: 'json' };
import { infotextFromParams } from '../metadata/generation-infotext.ts';
import { withPngText } from '../metadata/png-text.ts';
import { generate } from '../pipeline/generate.ts';
import { generateRequestFrom } from '../pipeline/request.ts';
import {
  DEFAULT_IMAGE_PARAMS,
  DEFAULT_VARIATION_PARAMS,
  type ImageParams,
  type MaskedContentId,
  type ResizeModeId,
} from '../protocol/image-params.ts';
import type { RgbaPixels, SourceImages } from '../protocol/messages.ts';
import { validateParams, type GenerationParams } from '../protocol/params.ts';
import { loadNodeModel } from '../runtime/node/ort-node.ts';
import type { PixelUpscaler } from '../pipeline/upscale.ts';
import { DEFAULT_HIRES_PARAMS, EMBEDDED_SR_ID } from '../protocol/upscale-params.ts';
import { GENERATOR_NAME } from '../provenance/c2pa.ts';
import { createPngSigner } from '../provenance/png-signer.ts';
import { SAMPLERS } from '../schedulers/index.ts';
import { readArgs } from './args.ts';
import { fileIdentityStore } from './c2pa-identity-file.ts';
import { loadCliUpscaler } from './upscaler-choice.ts';
import { runXyzFromCli } from './xyz.ts';

const DEFAULT_MODEL = 'models/tiny-shapes';

async function readPng(path: string): Promise<RgbaPixels> {
  let png: PNG;
  try {
    png = PNG.sync.read(await readFile(path));
  } catch (error) {
    throw new Error(`Could not read ${path} as a PNG: ${error instanceof Error ? error.message : String(error)}`);
  }
  return {
    rgba: new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length),
    width: png.width,
    height: png.height,
  };
}

/** "64x64" → [64, 64]; throws with the flag's name otherwise. */
function parseSize(text: string, flag: string): [number, number] {
  const m = /^(\d+)x(\d+)$/i.exec(text.trim());
  if (!m) throw new Error(`${flag} must look like 64x64 (got "${text}").`);
  return [Number(m[1]), Number(m[2])];
}

async function main() {
  const args = readArgs({
    'xyz-x': { type: 'string' },
    'xyz-y': { type: 'string' },
    'xyz-z': { type: 'string' },
    prompt: { type: 'string', default: '' },
    negative: { type: 'string', default: '' },
    seed: { type: 'string', default: '0' },
    steps: { type: 'string', default: '20' },
    cfg: { type: 'string', default: '7' },
    sampler: { type: 'string' },
    width: { type: 'string' },
    height: { type: 'string' },
    batch: { type: 'string', default: '1' },
    'batch-size': { type: 'string', default: '1' },
    out: { type: 'string', default: 'out.png' },
    model: { type: 'string', default: DEFAULT_MODEL },
    json: { type: 'boolean', default: false },
    'init-image': { type: 'string' },
    strength: { type: 'string', default: String(DEFAULT_IMAGE_PARAMS.denoisingStrength) },
    'resize-mode': { type: 'string', default: DEFAULT_IMAGE_PARAMS.resizeMode },
    mask: { type: 'string' },
    'mask-blur': { type: 'string', default: String(DEFAULT_IMAGE_PARAMS.maskBlur) },
    'inpaint-not-masked': { type: 'boolean', default: false },
    'masked-content': { type: 'string', default: DEFAULT_IMAGE_PARAMS.maskedContent },
    'outpaint-left': { type: 'string', default: '0' },
    'outpaint-right': { type: 'string', default: '0' },
    'outpaint-top': { type: 'string', default: '0' },
    'outpaint-bottom': { type: 'string', default: '0' },
    subseed: { type: 'string' },
    'subseed-strength': { type: 'string', default: '0' },
    'resize-seed-from': { type: 'string' },
    'interpolate-seed': { type: 'string' },
    'interpolate-prompt': { type: 'string' },
    frames: { type: 'string', default: '8' },
    'hires-scale': { type: 'string' },
    'hires-upscaler': { type: 'string', default: DEFAULT_HIRES_PARAMS.upscaler },
    'hires-steps': { type: 'string', default: String(DEFAULT_HIRES_PARAMS.steps) },
    'hires-denoise': { type: 'string', default: String(DEFAULT_HIRES_PARAMS.denoisingStrength) },
  });
  const loaded = await loadNodeModel(args.model as string);
  const { summary } = loaded;
  const str = (k: string) => args[k as keyof typeof args] as string | undefined;
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
    batchSize: Number(args['batch-size']),
  };
  let images: SourceImages | null = null;
  const initPath = str('init-image');
  if (initPath) {
    const image: ImageParams = {
      denoisingStrength: Number(str('strength')),
      resizeMode: str('resize-mode') as ResizeModeId,
      maskBlur: Number(str('mask-blur')),
      inpaintNotMasked: args['inpaint-not-masked'] as boolean,
      maskedContent: str('masked-content') as MaskedContentId,
      outpaint: {
        left: Number(str('outpaint-left')),
        right: Number(str('outpaint-right')),
        top: Number(str('outpaint-top')),
        bottom: Number(str('outpaint-bottom')),
      },
    };
    params.image = image;
    const maskPath = str('mask');
    images = { source: await readPng(initPath), ...(maskPath ? { mask: await readPng(maskPath) } : {}) };
  } else if (str('mask')) {
    throw new Error('--mask needs --init-image.');
  }
  const subseed = str('subseed');
  const resizeFrom = str('resize-seed-from');
  if (subseed !== undefined || resizeFrom !== undefined) {
    const [w, h] = resizeFrom ? parseSize(resizeFrom, '--resize-seed-from') : [0, 0];
    params.variation = {
      ...DEFAULT_VARIATION_PARAMS,
      subseed: subseed ?? '0',
      subseedStrength: subseed !== undefined ? Number(str('subseed-strength')) : 0,
      seedResizeFromW: w,
      seedResizeFromH: h,
    };
  }
  const toSeed = str('interpolate-seed');
  const toPrompt = str('interpolate-prompt');
  if (toSeed !== undefined || toPrompt !== undefined) {
    params.interpolation = { toSeed: toSeed ?? '', toPrompt: toPrompt ?? '', frames: Number(str('frames')) };
  }
  // A folder given as the hires upscaler is loaded as a model; its infotext name is "tiny-shapes-sr"-style.
  let hiresModel: { id: string; upscaler: PixelUpscaler; release: () => Promise<void> } | null = null;
  const hiresScale = str('hires-scale');
  if (hiresScale !== undefined) {
    const choice = str('hires-upscaler') as string;
    const known = ['latent', 'lanczos', EMBEDDED_SR_ID].includes(choice);
    params.hires = {
      scale: Number(hiresScale),
      upscaler: known ? choice : EMBEDDED_SR_ID,
      steps: Number(str('hires-steps')),
      denoisingStrength: Number(str('hires-denoise')),
    };
    if (choice !== 'latent' && choice !== 'lanczos') {
      hiresModel = { id: params.hires.upscaler, ...(await loadCliUpscaler(choice)) };
    }
  }
  const issues = validateParams(params, { samplers: SAMPLERS.map((s) => s.id), sizeMultiple: summary.sizeMultiple });
  if (params.image && !summary.vaeEncoder) {
    issues.push({ field: 'image', message: `${summary.id} has no VAE encoder, so it cannot start from an image.` });
  }
  if (issues.length > 0) {
    for (const issue of issues) console.error(`error: ${issue.message}`);
    process.exitCode = 2;
    await loaded.release();
    return;
  }
  // Every PNG carries a C2PA manifest signed with this install's key (made on first use).
  const sign = createPngSigner(
    fileIdentityStore(),
    { generator: GENERATOR_NAME, version: pkg.version },
    { extractable: true },
  );
  const xyz = { x: str('xyz-x'), y: str('xyz-y'), z: str('xyz-z') };
  if (xyz.x !== undefined || xyz.y !== undefined || xyz.z !== undefined) {
    if (params.interpolation) throw new Error('--xyz-* and --interpolate-* cannot be combined.');
    const files = await runXyzFromCli({
      loaded,
      base: params,
      images,
      specs: xyz,
      out: args.out as string,
      version: pkg.version,
      sign,
    }).finally(() => loaded.release());
    if (args.json) console.log(JSON.stringify(files));
    else for (const f of files) console.log(`wrote ${f.file} (${f.label})`);
    return;
  }
  const request = generateRequestFrom(params, images, (id) => (hiresModel?.id === id ? hiresModel.upscaler : null));
  const out = args.out as string;
  const interpolating = params.interpolation !== undefined;
  const fileFor = (index: number) =>
    interpolating
      ? out.replace(/(\.png)?$/i, `-${String(index).padStart(3, '0')}.png`)
      : index === 0
        ? out
        : out.replace(/(\.png)?$/i, `-${index}.png`);
  const written: { file: string; seed: string; totalMs: number }[] = [];
  const pending: Promise<void>[] = [];
  await generate(loaded.model, request, {
    clock: () => performance.now(),
    onImage: (image) => {
      const file = fileFor(image.index);
      const png = new PNG({ width: image.width, height: image.height });
      png.data = Buffer.from(image.rgba.buffer, image.rgba.byteOffset, image.rgba.byteLength);
      // The same A1111 `parameters` chunk the studio's Download writes; each frame its own settings.
      const { interpolation: _frames, ...rest } = params;
      const variation = image.variation
        ? {
            ...(params.variation ?? DEFAULT_VARIATION_PARAMS),
            subseed: image.variation.subseed,
            subseedStrength: image.variation.strength,
          }
        : params.variation;
      const parameters = infotextFromParams(
        {
          ...rest,
          ...(variation ? { variation } : {}),
          seed: image.seed,
          batchCount: 1,
          ...((params.batchSize ?? 1) > 1 ? { batchPos: image.index % (params.batchSize ?? 1) } : {}),
          // Hires. fix: "Size" is the first pass's, as A1111 writes it
          width: params.hires ? params.width : image.width,
          height: params.hires ? params.height : image.height,
        },
        { samplers: SAMPLERS, modelId: summary.id, version: `latent-studio ${pkg.version}` },
        { masked: request.mask != null },
      );
      const tagged = withPngText(PNG.sync.write(png), 'parameters', parameters);
      pending.push(sign(tagged, summary.id).then((signed) => writeFile(file, signed)));
      written.push({ file, seed: image.seed, totalMs: image.timings.totalMs });
    },
  });
  await Promise.all(pending);
  await loaded.release();
  await hiresModel?.release();
  if (args.json) console.log(JSON.stringify(written));
  else for (const w of written) console.log(`wrote ${w.file} (seed ${w.seed}, ${w.totalMs.toFixed(1)} ms)`);
}

main().catch((error: unknown) => {
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
