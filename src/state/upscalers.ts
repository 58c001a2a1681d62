/**
 * Which upscaler a job uses, as a reference the engine can load: the embedded SR model is served
 * with the app (models/tiny-shapes-sr/); Real-ESRGAN, once downloaded, from the model store.
 */
import {
  EMBEDDED_SR_FOLDER,
  EMBEDDED_SR_ID,
  REAL_ESRGAN_ID,
  upscalerLabel,
  type UpscalerRef,
} from '../protocol/upscale-params.ts';

function appBase(): string {
  const doc = (globalThis as { document?: { baseURI?: string } }).document;
  return doc?.baseURI ?? globalThis.location?.href ?? 'http://localhost/';
}

/** null for "latent" (no pixel upscaler) and unknown ids. */
export function upscalerRefFor(id: string, base: string = appBase()): UpscalerRef | null {
  if (id === 'lanczos') return { id: 'lanczos', name: upscalerLabel('lanczos'), kind: 'lanczos' };
  if (id === EMBEDDED_SR_ID) {
    return {
      id,
      name: upscalerLabel(id),
      kind: 'model',
      baseUrl: new URL(`models/${EMBEDDED_SR_FOLDER}`, base).href,
      scale: 2,
    };
  }
  if (id === REAL_ESRGAN_ID) {
    return { id, name: upscalerLabel(id), kind: 'model', baseUrl: '', storage: 'opfs', scale: 4 };
  }
  return null;
}
