/**
 * The model catalog (models/catalog.json) and "custom" models: which files a model has, where
 * each comes from, how big it is, what it needs of the GPU and how to run it. Parsed once at
 * this boundary from the JSON (snake_case-free: the catalog is ours). A custom model is any
 * Hugging Face repo id or base URL in the diffusers ONNX layout, inspected before download:
 * model_index.json must name a U-Net, and each file's size is read with HEAD (or a one-byte
 * Range request when HEAD gives none).
 */
import { CATALOG_ID_PATTERN } from '../protocol/limits.ts';
import type { DownloadFile, DownloadJob } from './model-downloader.ts';

export interface CatalogFile {
  path: string;
  /** Where to fetch it when not `<base>/<path>` (e.g. a tokenizer.json from another repo). */
  url?: string;
  /** Exact size in bytes (verified) when known. */
  size?: number;
  /** Approximate size for display and the free-space check, when the exact one is not known. */
  approxSize?: number;
  sha256?: string;
}

export interface ModelDefaults {
  steps: number;
  cfg: number;
  sampler: string;
  width: number;
  height: number;
}

export interface ModelNeeds {
  /** The model computes in float16 on the GPU: the adapter needs `shader-f16`. */
  shaderF16: boolean;
  /** Largest single weight tensor, compared with maxStorageBufferBindingSize / maxBufferSize. */
  largestWeightBytes?: number;
  /** Rough GPU memory to run it at the default size. */
  estimatedGpuBytes?: number;
  /** Memory the WASM backend needs (vs WebAssembly's 4 GiB), measured on the replicas. */
  wasmBytes?: number;
}

export interface CatalogModel {
  id: string;
  name: string;
  description: string;
  /** `app`: served with the app (the embedded model); `remote`: downloaded into OPFS. */
  kind: 'app' | 'remote';
  /** Folder URL (app-relative for `app`), ending in "/". */
  baseUrl: string;
  repo?: string;
  license?: string;
  files: CatalogFile[];
  /** Graph files whose weights live in another file. */
  externalData: { graph: string; data: string }[];
  defaults: ModelDefaults;
  /** Facts about the export, shown to the person and checked by tests (informative). */
  dtypes?: Record<string, string>;
  tokenizer?: { source: string; padTokenId?: number };
  needs: ModelNeeds;
  /**
   * Set only on entries of the studio's own catalog (models/catalog.json). Nothing else may
   * replace them (see {@link mergeCatalog}), and only they may be `kind: "app"`.
   */
  builtIn?: true;
  /** The catalog that declared an entry from elsewhere (`?catalog=`), as shown to the person. */
  catalogOrigin?: string;
  /**
   * The few-step variant Live mode renders with while this model is loaded (the embedded model's
   * turbo). Only the studio's own catalog may name one, and only another of its own entries.
   */
  liveVariant?: string;
}

/**
 * How far a catalog is trusted (issue 10, "a `?catalog=` link can replace the embedded model"):
 * - `built-in`: models/catalog.json, shipped with the app;
 * - `extra`: a `?catalog=<url>` catalog. Its ids are namespaced with the catalog's host
 *   (`mirror.example/sd-turbo`), so they can never equal a built-in id, and what the status line,
 *   the model card and every saved PNG's `Model:` show names where the entry came from; its
 *   names say "from <host>"; it may not declare `kind: "app"` (files served as the app's own);
 * - `stored`: an entry saved with a downloaded model, read back from OPFS: ids kept as stored
 *   (already namespaced when they came from an extra catalog), never `app`, never built-in.
 */
export type CatalogTrust = { kind: 'built-in' } | { kind: 'extra'; url: string } | { kind: 'stored' };

const HF = 'https://huggingface.co';

export const huggingFaceResolveUrl = (repo: string, path = '', revision = 'main') =>
  `${HF}/${repo}/resolve/${revision}/${path}`;

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const str = (x: unknown, what: string): string => {
  if (typeof x !== 'string' || x === '') throw new Error(`catalog: ${what} must be a non-empty string`);
  return x;
};
const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) && x >= 0 ? x : undefined);

export function parseFile(x: unknown, modelId: string): CatalogFile {
  if (!isRecord(x)) throw new Error(`catalog: ${modelId}: each file must be an object`);
  const file: CatalogFile = { path: str(x['path'], `${modelId} file path`) };
  if (typeof x['url'] === 'string') file.url = x['url'];
  const size = num(x['size']);
  if (size !== undefined) file.size = size;
  const approx = num(x['approxSize']);
  if (approx !== undefined) file.approxSize = approx;
  if (typeof x['sha256'] === 'string' && /^[0-9a-f]{64}$/i.test(x['sha256'])) file.sha256 = x['sha256'].toLowerCase();
  return file;
}

/** Longest catalog document read (the shipped one is ~4 KB); larger JSON is refused unparsed. */
export const MAX_CATALOG_BYTES = 1 << 20;
/** Most models one catalog may list. */
export const MAX_CATALOG_MODELS = 200;

/**
 * Parses catalog JSON; `base` resolves relative folder URLs (the app's own models). `trust` says
 * who wrote it (see {@link CatalogTrust}); the default is the studio's own catalog. Throws an
 * Error whose message says what is wrong; a catalog that breaks a trust rule is refused whole.
 * Linear in the size of the document: every string is checked once, ids by an anchored pattern
 * with no nested repetition.
 */
export function parseCatalog(json: unknown, base: string, trust: CatalogTrust = { kind: 'built-in' }): CatalogModel[] {
  if (!isRecord(json) || !Array.isArray(json['models'])) throw new Error('catalog: expected { "models": [...] }');
  if (json['models'].length > MAX_CATALOG_MODELS)
    throw new Error(`catalog: lists ${json['models'].length} models; at most ${MAX_CATALOG_MODELS} are read`);
  const identify = catalogIdentities(base, trust, 'model');
  return json['models'].map((m): CatalogModel => {
    if (!isRecord(m)) throw new Error('catalog: each model must be an object');
    const { declared, id, origin } = identify(m);
    const repo = typeof m['repo'] === 'string' ? m['repo'] : undefined;
    const rawBase = declaredFolder(m, repo);
    if (!rawBase) throw new Error(`catalog: ${id} needs a baseUrl or a repo`);
    const baseUrl = new URL(rawBase, base).href;
    const kind = m['kind'] === 'app' ? 'app' : 'remote';
    const files = Array.isArray(m['files']) ? m['files'].map((f) => parseFile(f, id)) : [];
    if (kind === 'remote' && files.length === 0) throw new Error(`catalog: ${id} lists no files`);
    const d = isRecord(m['defaults']) ? m['defaults'] : {};
    const needs = isRecord(m['needs']) ? m['needs'] : {};
    const externalData = Array.isArray(m['externalData'])
      ? m['externalData'].filter(isRecord).map((e) => ({
          graph: str(e['graph'], `${id} externalData.graph`),
          data: str(e['data'], `${id} externalData.data`),
        }))
      : [];
    const declaredName = typeof m['name'] === 'string' && m['name'].trim() !== '' ? m['name'].slice(0, 120) : declared;
    const description = typeof m['description'] === 'string' ? m['description'].slice(0, 2000) : '';
    const model: CatalogModel = {
      id,
      name: origin ? `${declaredName} · from ${origin}` : declaredName,
      description: origin
        ? `From the catalog at ${origin}; files from ${new URL(baseUrl).host}. ${description}`
        : description,
      kind,
      baseUrl,
      files,
      externalData,
      defaults: {
        steps: num(d['steps']) ?? 20,
        cfg: num(d['cfg']) ?? 7,
        sampler: typeof d['sampler'] === 'string' ? d['sampler'] : 'euler',
        width: num(d['width']) ?? 512,
        height: num(d['height']) ?? 512,
      },
      needs: { shaderF16: needs['shaderF16'] === true },
    };
    if (repo) model.repo = repo;
    if (trust.kind === 'built-in') model.builtIn = true;
    if (origin) model.catalogOrigin = origin;
    if (typeof m['license'] === 'string') model.license = m['license'];
    if (trust.kind === 'built-in' && typeof m['liveVariant'] === 'string') model.liveVariant = m['liveVariant'];
    const largest = num(needs['largestWeightBytes']);
    if (largest !== undefined) model.needs.largestWeightBytes = largest;
    const gpu = num(needs['estimatedGpuBytes']);
    if (gpu !== undefined) model.needs.estimatedGpuBytes = gpu;
    const wasm = num(needs['wasmBytes']);
    if (wasm !== undefined) model.needs.wasmBytes = wasm;
    if (isRecord(m['dtypes'])) {
      model.dtypes = Object.fromEntries(
        Object.entries(m['dtypes']).filter((e): e is [string, string] => typeof e[1] === 'string'),
      );
    }
    if (isRecord(m['tokenizer'])) {
      const t = m['tokenizer'];
      model.tokenizer = { source: typeof t['source'] === 'string' ? t['source'] : 'tokenizer/' };
      const pad = num(t['padTokenId']);
      if (pad !== undefined) model.tokenizer.padTokenId = pad;
    }
    return model;
  });
}

/**
 * The trust rules every catalog entry (model or upscaler) passes, for one catalog document: a
 * valid id; `kind: "app"` only in the studio's own catalog; an extra catalog's ids namespaced
 * with its host (`origin`), so they never equal a built-in id; no id twice.
 */
export function catalogIdentities(base: string | null, trust: CatalogTrust, what: 'model' | 'upscaler') {
  const origin = trust.kind === 'extra' ? new URL(trust.url, base ?? undefined).host : null;
  const seen = new Set<string>();
  return (entry: Record<string, unknown>): { declared: string; id: string; origin: string | null } => {
    const declared = str(entry['id'], `${what} id`);
    if (!CATALOG_ID_PATTERN.test(declared))
      throw new Error(`catalog: ${what} id ${JSON.stringify(declared.slice(0, 60))} is not a valid id`);
    if (trust.kind !== 'built-in' && entry['kind'] === 'app')
      throw new Error(
        `catalog: ${JSON.stringify(declared)} declares kind "app"; only the studio's own catalog ships ${what}s with the app`,
      );
    const id = origin ? `${origin}/${declared}` : declared;
    if (seen.has(id)) throw new Error(`catalog: the id ${JSON.stringify(declared)} appears twice`);
    seen.add(id);
    return { declared, id, origin };
  };
}

/** An entry's folder as declared (`baseUrl`, else its Hugging Face repo), ending in "/"; null if none. */
export function declaredFolder(entry: Record<string, unknown>, repo: string | undefined): string | null {
  const revision = typeof entry['revision'] === 'string' ? entry['revision'] : 'main';
  const raw =
    typeof entry['baseUrl'] === 'string' ? entry['baseUrl'] : repo ? huggingFaceResolveUrl(repo, '', revision) : null;
  if (raw === null || raw === '') return null;
  return raw.endsWith('/') ? raw : `${raw}/`;
}

/**
 * Adds `incoming` entries to `current`: a new id is added, an id already listed is replaced by
 * the newer entry, except that a built-in entry is never replaced or shadowed (an entry that
 * would is dropped and reported in `refused`). Models and upscalers alike.
 */
export function mergeCatalog<T extends { id: string; builtIn?: true }>(
  current: readonly T[],
  incoming: readonly T[],
): { catalog: T[]; refused: string[] } {
  const byId = new Map(current.map((m) => [m.id, m]));
  const refused: string[] = [];
  for (const m of incoming) {
    const existing = byId.get(m.id);
    if (existing?.builtIn && !m.builtIn) refused.push(m.id);
    else byId.set(m.id, m);
  }
  return { catalog: [...byId.values()], refused };
}

/** Reads a catalog response with the size cap applied before JSON.parse. */
export async function readCatalogResponse(response: Response): Promise<unknown> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > MAX_CATALOG_BYTES)
    throw new Error(`catalog: ${declared} bytes; at most ${MAX_CATALOG_BYTES} are read`);
  const text = await response.text();
  if (text.length > MAX_CATALOG_BYTES) throw new Error(`catalog: over ${MAX_CATALOG_BYTES} bytes; not read`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error('catalog: not valid JSON');
  }
}

/** Total bytes of a model's (or an upscaler's) files (exact where known, approximate otherwise). */
export const modelBytes = (model: { files: readonly CatalogFile[] }) =>
  model.files.reduce((n, f) => n + (f.size ?? f.approxSize ?? 0), 0);

/** What the downloader fetches for an entry's files: its own URL, or `<baseUrl><path>`. */
export function downloadFilesOf(entry: { files: readonly CatalogFile[]; baseUrl: string }): DownloadFile[] {
  return entry.files.map((f) => ({
    path: f.path,
    url: f.url ?? new URL(f.path, entry.baseUrl).href,
    size: f.size ?? null,
    sha256: f.sha256 ?? null,
  }));
}

export function downloadJobOf(model: CatalogModel): DownloadJob {
  return { modelId: model.id, files: downloadFilesOf(model), entry: model };
}

/**
 * Why a fetch of `url` failed before any answer, as the person can act on it: the browser gives
 * no reason (offline, DNS, CORS and the studio's own CSP all read "Failed to fetch").
 */
export function unreachable(url: string): string {
  const host = new URL(url).host;
  return `Could not reach ${host}: the network is down, the server does not allow this site (CORS), or the studio's security policy does not list ${host} (it allows this site and Hugging Face).`;
}

/** "owner/name" (a Hugging Face repo id) or an http(s) URL of a model folder. */
export function resolveCustomSource(input: string): { baseUrl: string; repo: string | null } {
  const text = input.trim();
  if (/^https?:\/\//i.test(text)) {
    const hf = /^https:\/\/huggingface\.co\/([^/]+\/[^/]+)\/?(?:tree\/main\/?)?$/i.exec(text);
    if (hf?.[1]) return { baseUrl: huggingFaceResolveUrl(hf[1]), repo: hf[1] };
    return { baseUrl: text.endsWith('/') ? text : `${text}/`, repo: null };
  }
  if (/^[A-Za-z0-9][\w.-]*\/[\w.-]+$/.test(text)) return { baseUrl: huggingFaceResolveUrl(text), repo: text };
  throw new Error(`"${text}" is neither a Hugging Face repo id (owner/name) nor an http(s) URL.`);
}

/** Files a diffusers ONNX txt2img folder may have, most required first. */
const REQUIRED = [
  'model_index.json',
  'scheduler/scheduler_config.json',
  'text_encoder/model.onnx',
  'unet/model.onnx',
  'vae_decoder/model.onnx',
];
const OPTIONAL = [
  'tokenizer/tokenizer.json',
  'tokenizer/vocab.json',
  'tokenizer/merges.txt',
  'tokenizer/tokenizer_config.json',
  'tokenizer/special_tokens_map.json',
  'text_encoder/config.json',
  'unet/config.json',
  'vae_decoder/config.json',
  // External data: the diffusers/optimum name, and the one older exports use.
  'text_encoder/model.onnx_data',
  'unet/model.onnx_data',
  'unet/weights.pb',
  'vae_decoder/model.onnx_data',
];

/** Size of a remote file: HEAD's Content-Length, else a `bytes=0-0` Range's total; null = absent. */
export async function probeSize(url: string, fetchImpl: typeof fetch = fetch): Promise<number | null> {
  const head = await fetchImpl(url, { method: 'HEAD', cache: 'no-store' }).catch(() => null);
  if (head && head.status === 404) return null;
  const length = head?.ok
    ? Number(head.headers.get('x-linked-size') ?? head.headers.get('content-length') ?? NaN)
    : NaN;
  if (Number.isFinite(length) && length > 0) return length;
  const ranged = await fetchImpl(url, { headers: { Range: 'bytes=0-0' }, cache: 'no-store' }).catch(() => null);
  if (!ranged || ranged.status === 404) return null;
  await ranged.body?.cancel().catch(() => undefined);
  if (ranged.status === 206) {
    const total = /\/(\d+)$/.exec(ranged.headers.get('content-range') ?? '')?.[1];
    if (total) return Number(total);
  }
  if (!ranged.ok) throw new Error(`${url}: the server answered ${ranged.status}`);
  const full = Number(ranged.headers.get('content-length') ?? NaN);
  return Number.isFinite(full) ? full : null;
}

/** Inspects a custom model folder and describes it as a catalog entry (nothing is stored). */
export async function inspectCustomModel(input: string, fetchImpl: typeof fetch = fetch): Promise<CatalogModel> {
  const { baseUrl, repo } = resolveCustomSource(input);
  const indexResponse = await fetchImpl(new URL('model_index.json', baseUrl).href, { cache: 'no-store' }).catch(() => {
    throw new Error(unreachable(baseUrl));
  });
  if (!indexResponse.ok)
    throw new Error(
      `${baseUrl} has no model_index.json (the server answered ${indexResponse.status}); is it a diffusers ONNX folder?`,
    );
  let index: unknown;
  try {
    index = await indexResponse.json();
  } catch {
    throw new Error(`${baseUrl}model_index.json is not valid JSON.`);
  }
  if (!isRecord(index) || !('unet' in index) || !('vae_decoder' in index) || !('text_encoder' in index)) {
    throw new Error(
      `${baseUrl}model_index.json does not describe an ONNX text-to-image pipeline (needs text_encoder, unet, vae_decoder).`,
    );
  }
  const files: CatalogFile[] = [];
  const sizes = await Promise.all(
    [...REQUIRED, ...OPTIONAL].map(
      async (path) => [path, await probeSize(new URL(path, baseUrl).href, fetchImpl)] as const,
    ),
  );
  for (const [path, size] of sizes) {
    if (size === null) {
      if (REQUIRED.includes(path)) throw new Error(`${baseUrl} is missing ${path}.`);
      continue;
    }
    files.push({ path, size });
  }
  if (!files.some((f) => f.path === 'tokenizer/tokenizer.json')) {
    // The CLIP BPE vocabulary every SD 1.x/2.x export shares, in tokenizer.json form; the pad
    // token still comes from the model's own tokenizer_config.json.
    files.push({ path: 'tokenizer/tokenizer.json', url: CLIP_TOKENIZER_JSON, approxSize: 2_224_003 });
  }
  const externalData = files
    .filter((f) => f.path.endsWith('.onnx_data') || f.path.endsWith('/weights.pb'))
    .map((f) => ({ graph: `${f.path.slice(0, f.path.lastIndexOf('/'))}/model.onnx`, data: f.path }));
  const id = repo ?? baseUrl.replace(/^https?:\/\//, '').replace(/\/$/, '');
  const model: CatalogModel = {
    id,
    name: repo ?? id,
    description: `Custom model from ${baseUrl}`,
    kind: 'remote',
    baseUrl,
    files,
    externalData,
    defaults: { steps: 20, cfg: 7, sampler: 'euler', width: 512, height: 512 },
    needs: { shaderF16: false },
  };
  if (repo) model.repo = repo;
  return model;
}

/** tokenizer.json of openai/clip-vit-large-patch14 (the tokenizer SD 1.x uses). */
export const CLIP_TOKENIZER_JSON = huggingFaceResolveUrl('openai/clip-vit-large-patch14', 'tokenizer.json');
