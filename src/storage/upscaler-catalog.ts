/**
 * The `upscalers` section of a catalog (models/catalog.json, or a `?catalog=` one): the embedded
 * SR model (`kind: app`, served with the app) and downloadable ones (`kind: remote`, e.g.
 * Real-ESRGAN general x4v3 from Hugging Face). Kept apart from `models` so the model manager never
 * offers an upscaler as a diffusion model. The trust rules are the models' (model-catalog.ts
 * `CatalogTrust`): an extra catalog's ids and names carry its host, and it may not declare `app`.
 * A downloaded upscaler is stored in the model store like a model, under its id, with its entry
 * (marked `entryType: "upscaler"`) so it is listed again offline.
 */
import type { DownloadJob } from './download-types.ts';
import {
  catalogIdentities,
  declaredFolder,
  downloadFilesOf,
  modelBytes,
  parseFile,
  type CatalogFile,
  type CatalogTrust,
} from './model-catalog.ts';

export const UPSCALER_GRAPH_PATH = 'upscaler/model.onnx';

export interface CatalogUpscaler {
  id: string;
  name: string;
  description: string;
  kind: 'app' | 'remote';
  /** Native factor. */
  scale: number;
  license?: string;
  repo?: string;
  /** Folder URL, ending in "/" (app-relative for `app` entries until resolved against `base`). */
  baseUrl: string;
  files: CatalogFile[];
  /** False when the entry's repo/file/size could not be checked when it was written. */
  verified: boolean;
  /** The catalog host an entry from elsewhere came from. */
  catalogOrigin?: string;
  /** Only on the studio's own catalog's entries: nothing else may replace them (`mergeCatalog`). */
  builtIn?: true;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Most upscalers one catalog may list. */
const MAX_UPSCALERS = 50;

/**
 * Parses a catalog's `upscalers` (none: []). `base` resolves relative folder URLs; without it
 * (tests of the shipped file) they stay as written. Throws with what is wrong.
 */
export function parseUpscalerCatalog(
  json: unknown,
  base: string | null = null,
  trust: CatalogTrust = { kind: 'built-in' },
): CatalogUpscaler[] {
  if (!isRecord(json)) throw new Error('catalog: expected an object');
  const list = json['upscalers'];
  if (list === undefined) return [];
  if (!Array.isArray(list) || list.length > MAX_UPSCALERS)
    throw new Error(`catalog: "upscalers" must be a list of at most ${MAX_UPSCALERS}`);
  const identify = catalogIdentities(base, trust, 'upscaler');
  return list.map((u): CatalogUpscaler => {
    if (!isRecord(u) || typeof u['id'] !== 'string' || typeof u['name'] !== 'string')
      throw new Error('catalog: an upscaler needs an id and a name');
    const { declared, id, origin } = identify(u);
    const scale = u['scale'];
    if (typeof scale !== 'number' || !Number.isInteger(scale) || scale < 1 || scale > 8)
      throw new Error(`catalog: upscaler ${declared} has no valid scale (1…8)`);
    const files = Array.isArray(u['files']) ? u['files'].map((f) => parseFile(f, id)) : [];
    if (!files.some((f) => f.path === UPSCALER_GRAPH_PATH))
      throw new Error(`catalog: upscaler ${declared} lists no ${UPSCALER_GRAPH_PATH}`);
    const repo = typeof u['repo'] === 'string' ? u['repo'] : undefined;
    const folder = declaredFolder(u, repo) ?? '';
    const baseUrl = base && folder !== '' ? new URL(folder, base).href : folder;
    const kind = u['kind'] === 'app' ? 'app' : 'remote';
    if (kind === 'remote' && baseUrl === '' && files.some((f) => !f.url))
      throw new Error(`catalog: upscaler ${declared} needs a baseUrl, a repo or a url per file`);
    const name = u['name'].trim().slice(0, 120) || declared;
    const description = typeof u['description'] === 'string' ? u['description'].slice(0, 2000) : '';
    const entry: CatalogUpscaler = {
      id,
      name: origin ? `${name} · from ${origin}` : name,
      description: origin ? `From the catalog at ${origin}. ${description}` : description,
      kind,
      scale,
      baseUrl,
      files,
      verified: u['verified'] !== false,
    };
    if (trust.kind === 'built-in') entry.builtIn = true;
    if (typeof u['license'] === 'string') entry.license = u['license'];
    if (repo) entry.repo = repo;
    if (origin) entry.catalogOrigin = origin;
    else if (trust.kind === 'stored' && typeof u['catalogOrigin'] === 'string')
      entry.catalogOrigin = u['catalogOrigin'];
    return entry;
  });
}

/** Bytes of an upscaler's files (exact where known, approximate otherwise). */
export const upscalerBytes: (u: CatalogUpscaler) => number = modelBytes;

/** Marks a stored entry as an upscaler's, so the model list never reads it as a diffusion model. */
export const UPSCALER_ENTRY_TYPE = 'upscaler';

export function isUpscalerEntry(entry: unknown): boolean {
  return isRecord(entry) && entry['entryType'] === UPSCALER_ENTRY_TYPE;
}

/** A stored upscaler's entry read back (ids and names kept as stored); null when unreadable. */
export function storedUpscalerOf(entry: unknown): CatalogUpscaler | null {
  try {
    return parseUpscalerCatalog({ upscalers: [entry] }, null, { kind: 'stored' })[0] ?? null;
  } catch {
    return null;
  }
}

export function downloadJobOfUpscaler(upscaler: CatalogUpscaler): DownloadJob {
  return {
    modelId: upscaler.id,
    files: downloadFilesOf(upscaler),
    entry: { ...upscaler, entryType: UPSCALER_ENTRY_TYPE },
  };
}
