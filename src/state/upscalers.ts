/**
 * Which upscalers the studio can run now, and a job's reference to one the engine can load:
 * Lanczos (no model), the embedded SR model served with the app (models/tiny-shapes-sr/), and
 * catalog upscalers (Real-ESRGAN general x4v3, or a `?catalog=` one) once they are downloaded into
 * the model store. One not downloaded yet is listed, unavailable, with what to do about it.
 */
import { EMBEDDED_SR_FOLDER, EMBEDDED_SR_ID, upscalerLabel, type UpscalerRef } from '../protocol/upscale-params.ts';
import type { ModelsState } from './models-slice.ts';

/** The part of the models slice the choice depends on. */
export type UpscalerSources = Pick<ModelsState, 'upscalers' | 'stored'>;

export interface UpscalerChoice {
  id: string;
  name: string;
  /** False for a catalog upscaler that is not (completely) downloaded. */
  available: boolean;
  /** Why it is not available, as the person can act on it. */
  reason: string | null;
}

function appBase(): string {
  const doc = (globalThis as { document?: { baseURI?: string } }).document;
  return doc?.baseURI ?? globalThis.location?.href ?? 'http://localhost/';
}

const embeddedRef = (base: string): UpscalerRef => ({
  id: EMBEDDED_SR_ID,
  name: upscalerLabel(EMBEDDED_SR_ID),
  kind: 'model',
  baseUrl: new URL(`models/${EMBEDDED_SR_FOLDER}`, base).href,
  scale: 2,
});

/**
 * Pixel upscalers in the order the menus show them: the embedded SR model, Lanczos, then the
 * catalog's downloadable ones. `latent` adds A1111's "Latent" first (Hires. fix only).
 */
export function upscalerChoices(sources: UpscalerSources, options: { latent?: boolean } = {}): UpscalerChoice[] {
  const builtIn = [...(options.latent ? ['latent'] : []), EMBEDDED_SR_ID, 'lanczos'];
  const choices: UpscalerChoice[] = builtIn.map((id) => ({
    id,
    name: upscalerLabel(id),
    available: true,
    reason: null,
  }));
  for (const u of sources.upscalers) {
    if (u.kind !== 'remote') continue;
    const complete = sources.stored[u.id]?.complete === true;
    choices.push({
      id: u.id,
      name: u.name,
      available: complete,
      reason: complete ? null : `${u.name} is not downloaded: download it under Models → Upscalers.`,
    });
  }
  return choices;
}

/**
 * The engine's reference for an upscaler id; null for "latent" (no pixel upscaler) and for ids
 * that are unknown or not downloaded (`upscalerChoices` says why).
 */
export function upscalerRefFor(id: string, sources: UpscalerSources, base: string = appBase()): UpscalerRef | null {
  if (id === 'lanczos') return { id: 'lanczos', name: upscalerLabel('lanczos'), kind: 'lanczos' };
  if (id === EMBEDDED_SR_ID) return embeddedRef(base);
  const entry = sources.upscalers.find((u) => u.id === id);
  if (!entry || entry.kind !== 'remote' || sources.stored[id]?.complete !== true) return null;
  return { id, name: entry.name, kind: 'model', baseUrl: entry.baseUrl, storage: 'opfs', scale: entry.scale };
}
