/**
 * Reuse of the text encoder's output while the prompt is unchanged (Live mode renders the same
 * text many times while the person edits other fields, and every job encodes the empty negative
 * prompt again). Keyed by the model's text encoder (a WeakMap, so a released model takes its
 * entries with it) and by the exact token ids of one 77-token chunk: the hidden states are a
 * pure function of those, and emphasis weights are applied after (conditioning.ts), so a chunk
 * with other weights but the same ids is a hit too. Small LRU per model: a few dozen chunks.
 */
import type { TextEncoderModel } from './types.ts';

export const ENCODING_CACHE_CHUNKS = 32;

const caches = new WeakMap<TextEncoderModel, Map<string, Float32Array>>();

export interface CachedEncoding {
  /** One last_hidden_state [tokens·dim] per chunk, in order (shared arrays: do not modify). */
  perChunk: Float32Array[];
  tokens: number;
  dim: number;
  /** Chunks that had to be encoded now (0 = all reused). */
  encoded: number;
}

const keyOf = (ids: readonly number[]) => ids.join(',');

/** Encodes `chunks` (token id rows), running the text encoder once for the rows not cached. */
export async function encodeChunksCached(
  encoder: TextEncoderModel,
  chunks: readonly (readonly number[])[],
): Promise<CachedEncoding> {
  let cache = caches.get(encoder);
  if (!cache) caches.set(encoder, (cache = new Map()));
  const keys = chunks.map(keyOf);
  const missing = [...new Set(keys.filter((k) => !cache.has(k)))];
  let tokens = chunks[0]?.length ?? 0;
  let dim = 0;
  if (missing.length > 0) {
    const hidden = await encoder.encode(missing.map((k) => chunks[keys.indexOf(k)] as readonly number[]));
    tokens = hidden.dims[1] ?? tokens;
    dim = hidden.dims[2] ?? 0;
    const size = tokens * dim;
    missing.forEach((k, i) => cache.set(k, hidden.data.slice(i * size, (i + 1) * size)));
  }
  const perChunk = keys.map((k) => {
    const hit = cache.get(k) as Float32Array;
    // Refresh its place in the LRU order (Map keeps insertion order).
    cache.delete(k);
    cache.set(k, hit);
    return hit;
  });
  while (cache.size > ENCODING_CACHE_CHUNKS) cache.delete(cache.keys().next().value as string);
  if (dim === 0 && tokens > 0) dim = (perChunk[0]?.length ?? 0) / tokens;
  return { perChunk, tokens, dim, encoded: missing.length };
}
