/**
 * What `--upscaler` / `--hires-upscaler` name, as a pixel upscaler: `lanczos`, the embedded SR
 * model (`tiny-shapes-sr`, models/tiny-shapes-sr), or any folder holding upscaler/model.onnx (a
 * downloaded Real-ESRGAN, named by its folder). One resolver for `npm run upscale` and
 * `npm run generate --hires-*`.
 */
import { basename, resolve } from 'node:path';
import type { PixelUpscaler, TileOptions } from '../pipeline/upscale.ts';
import { EMBEDDED_SR_ID, upscalerLabel } from '../protocol/upscale-params.ts';
import { loadNodeUpscaler } from '../runtime/node/upscaler-node.ts';

export const EMBEDDED_SR_DIR = 'models/tiny-shapes-sr';

export async function loadCliUpscaler(
  choice: string,
  tiles: Partial<TileOptions> = {},
): Promise<{ upscaler: PixelUpscaler; release: () => Promise<void> }> {
  if (choice === 'lanczos')
    return { upscaler: { kind: 'lanczos', name: upscalerLabel('lanczos') }, release: async () => {} };
  const dir = choice === EMBEDDED_SR_ID ? EMBEDDED_SR_DIR : choice;
  const loaded = await loadNodeUpscaler(dir);
  const name = choice === EMBEDDED_SR_ID ? upscalerLabel(EMBEDDED_SR_ID) : basename(resolve(dir));
  return {
    upscaler: { kind: 'model', name, model: loaded.model, tiles: { ...loaded.tiles, ...tiles } },
    release: () => loaded.release(),
  };
}
