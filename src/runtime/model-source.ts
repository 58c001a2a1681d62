/**
 * Where model files come from. The loader asks a source for paths relative to the model folder
 * ("unet/model.onnx"); the web source fetches them over HTTP, the Node source reads the disk, and
 * the model manager's store serves them from OPFS. Errors say which file failed and why.
 */
import { EngineError } from '../protocol/messages.ts';

export type ProgressCallback = (file: string, loaded: number, total: number) => void;

export interface ModelFileSource {
  /** A short description for messages, e.g. the base URL. */
  readonly label: string;
  readBytes(path: string, onProgress?: ProgressCallback): Promise<Uint8Array>;
  /** Resolves to null when the file does not exist (optional files such as latent_rgb.json). */
  readOptionalText(path: string): Promise<string | null>;
}

export async function readJson(source: ModelFileSource, path: string): Promise<unknown> {
  const text = await source.readOptionalText(path);
  if (text === null)
    throw new EngineError('model-missing-file', `The model is missing ${path} (looked in ${source.label}).`);
  return parseJson(text, path);
}

export async function readOptionalJson(source: ModelFileSource, path: string): Promise<unknown> {
  const text = await source.readOptionalText(path);
  return text === null ? null : parseJson(text, path);
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new EngineError(
      'model-corrupt',
      `The model file ${path} is not valid JSON (it may be corrupt or truncated).`,
    );
  }
}

/** Fetches model files relative to a base URL, streaming to report progress. */
export function httpModelSource(baseUrl: string, fetchImpl: typeof fetch = fetch): ModelFileSource {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const url = (path: string) => new URL(path, new URL(base, globalThis.location?.href ?? 'http://localhost/')).href;
  return {
    label: base,
    async readBytes(path, onProgress) {
      let response: Response;
      try {
        response = await fetchImpl(url(path));
      } catch (error) {
        throw new EngineError('model-missing-file', `Could not download ${path} from ${base}: ${String(error)}`);
      }
      if (!response.ok) {
        throw new EngineError(
          'model-missing-file',
          `Could not download ${path}: the server answered ${response.status}.`,
        );
      }
      const total = Number(response.headers.get('content-length') ?? 0);
      if (!response.body) return new Uint8Array(await response.arrayBuffer());
      let reader = response.body.getReader();
      let parts: Uint8Array[] = [];
      let loaded = 0;
      // A body cut off mid-way (a dropped connection: "network error") is fetched again, twice,
      // before the load fails: a first visit also fills the service worker's precache, and a
      // busy or flaky network should not cost the person a reload.
      for (let attempt = 1; ;) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (error) {
          if (attempt >= 3) {
            throw new EngineError(
              'model-missing-file',
              `Could not download ${path}: the connection failed (${String(error)}).`,
              path,
            );
          }
          attempt += 1;
          const again = await fetchImpl(url(path)).catch(() => null);
          if (!again?.ok || !again.body) continue;
          reader = again.body.getReader();
          parts = [];
          loaded = 0;
          continue;
        }
        if (chunk.done) break;
        parts.push(chunk.value);
        loaded += chunk.value.length;
        onProgress?.(path, loaded, Math.max(total, loaded));
      }
      if (total && loaded !== total) {
        throw new EngineError('model-corrupt', `${path} is truncated: got ${loaded} of ${total} bytes.`);
      }
      const bytes = new Uint8Array(loaded);
      let offset = 0;
      for (const part of parts) {
        bytes.set(part, offset);
        offset += part.length;
      }
      return bytes;
    },
    async readOptionalText(path) {
      let response: Response;
      try {
        response = await fetchImpl(url(path));
      } catch (error) {
        throw new EngineError('model-missing-file', `Could not download ${path} from ${base}: ${String(error)}`);
      }
      if (response.status === 404) return null;
      if (!response.ok)
        throw new EngineError(
          'model-missing-file',
          `Could not download ${path}: the server answered ${response.status}.`,
        );
      const text = await response.text();
      // A dev server's SPA fallback answers unknown paths with index.html: treat it as missing.
      if (path.endsWith('.json') && text.trimStart().startsWith('<')) return null;
      return text;
    },
  };
}
