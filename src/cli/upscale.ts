/**
 * `npm run upscale -- --in a.png --scale 4 --out b.png [--upscaler tiny-shapes-sr|lanczos|DIR]
 *  [--tile 128 --overlap 32] [--json]`
 *
 * The gallery's "Upscale ×2 / ×4" in Node: A1111's extras upscale (src/pipeline/upscale.ts) with
 * the embedded SR model (default, models/tiny-shapes-sr), Lanczos, or any folder holding
 * upscaler/model.onnx (a downloaded Real-ESRGAN). The output keeps the input's `parameters` text
 * and adds A1111's `postprocessing` chunk ("Postprocess upscale by", "Postprocess upscaler"), and
 * is signed like every PNG the studio writes (key: src/cli/c2pa-identity-file.ts). C2PA: an input
 * that carries a valid manifest becomes the parentOf ingredient (its manifests are kept, then
 * `c2pa.opened` of it and `c2pa.resized` with the upscaler and factor); any other input is recorded
 * as `c2pa.created` with the model its `parameters` name, then `c2pa.resized`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { PNG } from 'pngjs';
import pkg from '../../package.json' with { type: 'json' };
import { parseInfotext } from '../metadata/infotext.ts';
import { readPngText, withPngText } from '../metadata/png-text.ts';
import { postprocessingText } from '../metadata/upscale-infotext.ts';
import { upscaleImage } from '../pipeline/upscale.ts';
import { EMBEDDED_SR_ID, upscaleProblem } from '../protocol/upscale-params.ts';
import { parseDecimal } from '../protocol/params.ts';
import { GENERATOR_NAME } from '../provenance/c2pa.ts';
import { createPngSigner } from '../provenance/png-signer.ts';
import { readArgs } from './args.ts';
import { fileIdentityStore } from './c2pa-identity-file.ts';
import { loadCliUpscaler } from './upscaler-choice.ts';

async function main() {
  const args = readArgs({
    in: { type: 'string' },
    out: { type: 'string', default: 'upscaled.png' },
    scale: { type: 'string', default: '2' },
    upscaler: { type: 'string', default: EMBEDDED_SR_ID },
    tile: { type: 'string' },
    overlap: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  const input = args.in;
  if (!input) throw new Error('--in <file.png> is required.');
  const scale = parseDecimal(String(args.scale));
  const bytes = new Uint8Array(await readFile(input));
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(bytes));
  } catch (error) {
    throw new Error(`Could not read ${input} as a PNG: ${error instanceof Error ? error.message : String(error)}`);
  }
  const problem = upscaleProblem(png.width, png.height, scale);
  if (problem) {
    console.error(`error: ${problem}`);
    process.exitCode = 2;
    return;
  }
  const { upscaler, release } = await loadCliUpscaler(String(args.upscaler), {
    ...(args.tile ? { tile: Number(args.tile) } : {}),
    ...(args.overlap ? { overlap: Number(args.overlap) } : {}),
  });
  const t0 = performance.now();
  const source = {
    data: new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length),
    width: png.width,
    height: png.height,
  };
  const result = await upscaleImage(source, scale, upscaler);
  const ms = performance.now() - t0;
  await release();
  const outPng = new PNG({ width: result.width, height: result.height });
  outPng.data = Buffer.from(result.data.buffer, result.data.byteOffset, result.data.byteLength);
  let encoded: Uint8Array = PNG.sync.write(outPng);
  // As A1111's extras: the source's generation parameters stay, the upscale goes in `postprocessing`.
  const parameters = readPngText(bytes).find((e) => e.keyword === 'parameters');
  if (parameters?.text != null) encoded = withPngText(encoded, 'parameters', parameters.text);
  encoded = withPngText(encoded, 'postprocessing', postprocessingText({ upscaleBy: scale, upscaler: upscaler.name }));
  const sign = createPngSigner(
    fileIdentityStore(),
    { generator: GENERATOR_NAME, version: pkg.version },
    { extractable: true },
  );
  // The model that made the source, as its infotext names it ("unknown" for a PNG from elsewhere).
  const model =
    parameters?.text != null
      ? (parseInfotext(parameters.text).entries.find(([k]) => k === 'Model')?.[1] ?? 'unknown')
      : 'unknown';
  encoded = await sign(encoded, model, {
    upscaler: upscaler.name,
    scale,
    source: { png: bytes, title: basename(input) },
  });
  await writeFile(String(args.out), encoded);
  const summary = { file: String(args.out), width: result.width, height: result.height, upscaler: upscaler.name, ms };
  if (args.json) console.log(JSON.stringify(summary));
  else console.log(`wrote ${summary.file} (${result.width}×${result.height}, ${upscaler.name}, ${ms.toFixed(0)} ms)`);
}

main().catch((error: unknown) => {
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
