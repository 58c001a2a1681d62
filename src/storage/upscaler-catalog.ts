/**
 * The `upscalers` section of models/catalog.json: the embedded SR model (`kind: app`, served with
 * the app) and downloadable ones (`kind: remote`, Hugging Face `resolve` URLs). Kept apart from
 * `models` so the model manager never offers an upscaler as a diffusion model.
 */
import type { CatalogFile } from './model-catalog.ts';

export interface CatalogUpscaler {
  id: string;
  name: string;
  kind: 'app' | 'remote';
  /** Native factor. */
  scale: number;
  license?: string;
  repo?: string;
  baseUrl?: string;
  files: CatalogFile[];
  /** False when the entry's repo/file/size could not be checked when it was written. */
  verified: boolean;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseUpscalerCatalog(json: unknown): CatalogUpscaler[] {
  if (!isRecord(json)) throw new Error('catalog: expected an object');
  const list = json['upscalers'];
  if (list === undefined) return [];
  if (!Array.isArray(list) || list.length > 50) throw new Error('catalog: "upscalers" must be a list of at most 50');
  return list.map((u): CatalogUpscaler => {
    if (!isRecord(u) || typeof u['id'] !== 'string' || typeof u['name'] !== 'string')
      throw new Error('catalog: an upscaler needs an id and a name');
    const scale = u['scale'];
    if (typeof scale !== 'number' || !Number.isInteger(scale) || scale < 1 || scale > 8)
      throw new Error(`catalog: upscaler ${u['id']} has no valid scale (1…8)`);
    const files = Array.isArray(u['files']) ? u['files'].filter(isRecord) : [];
    if (!files.some((f) => f['path'] === 'upscaler/model.onnx'))
      throw new Error(`catalog: upscaler ${u['id']} lists no upscaler/model.onnx`);
    return {
      id: u['id'],
      name: u['name'],
      kind: u['kind'] === 'app' ? 'app' : 'remote',
      scale,
      ...(typeof u['license'] === 'string' ? { license: u['license'] } : {}),
      ...(typeof u['repo'] === 'string' ? { repo: u['repo'] } : {}),
      ...(typeof u['baseUrl'] === 'string' ? { baseUrl: u['baseUrl'] } : {}),
      files: files.map((f) => ({
        path: String(f['path']),
        ...(typeof f['url'] === 'string' ? { url: f['url'] } : {}),
        ...(typeof f['size'] === 'number' ? { size: f['size'] } : {}),
        ...(typeof f['approxSize'] === 'number' ? { approxSize: f['approxSize'] } : {}),
      })),
      verified: u['verified'] !== false,
    };
  });
}
