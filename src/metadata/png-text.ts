/**
 * PNG text chunks (PNG spec §11.3.4): read tEXt / iTXt / zTXt, and write one keyword as tEXt when
 * the text is Latin-1 or as uncompressed iTXt (UTF-8) otherwise — what Pillow's
 * `PngInfo.add_text` does for A1111. Chunk framing and CRCs come from png-chunks-extract /
 * png-chunks-encode; only the iTXt body is laid out here.
 */
import extractChunks from 'png-chunks-extract';
import encodeChunks from 'png-chunks-encode';
import * as pngText from 'png-chunk-text';
import { utf8Decode, utf8Encode } from './utf8.ts';

export interface PngTextEntry {
  keyword: string;
  kind: 'tEXt' | 'iTXt' | 'zTXt';
  /** The text, or null when it is zlib-compressed (see `compressed`). */
  text: string | null;
  /** zlib stream of the text (zTXt, or iTXt with the compression flag), for the caller to inflate. */
  compressed: Uint8Array | null;
  /** Whether the compressed bytes are UTF-8 (iTXt) or Latin-1 (zTXt). */
  utf8: boolean;
}

export class PngReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PngReadError';
  }
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

function chunksOf(png: Uint8Array): { name: string; data: Uint8Array }[] {
  if (!isPng(png)) throw new PngReadError('This file is not a PNG image.');
  try {
    return extractChunks(png);
  } catch (error) {
    throw new PngReadError(`This PNG is damaged (${error instanceof Error ? error.message : String(error)}).`);
  }
}

const latin1 = (bytes: Uint8Array) => String.fromCharCode(...bytes);
/** tEXt holds Latin-1 without NUL. */
const isLatin1 = (text: string) => Array.from(text).every((c) => c.charCodeAt(0) > 0 && c.charCodeAt(0) <= 0xff);

function readText(chunk: { name: string; data: Uint8Array }): PngTextEntry | null {
  const { data } = chunk;
  const nul = data.indexOf(0);
  if (nul <= 0) return null;
  const keyword = latin1(data.subarray(0, nul));
  if (chunk.name === 'tEXt') {
    // png-chunk-text rejects NUL inside the text; such a chunk is malformed and skipped.
    try {
      return { keyword, kind: 'tEXt', text: pngText.decode(data).text, compressed: null, utf8: false };
    } catch {
      return null;
    }
  }
  if (chunk.name === 'zTXt') {
    return { keyword, kind: 'zTXt', text: null, compressed: data.subarray(nul + 2), utf8: false };
  }
  // iTXt: keyword 0 flag method language 0 translated-keyword 0 text
  const flag = data[nul + 1];
  const langEnd = data.indexOf(0, nul + 3);
  const transEnd = langEnd < 0 ? -1 : data.indexOf(0, langEnd + 1);
  if (transEnd < 0) return null;
  const body = data.subarray(transEnd + 1);
  if (flag === 1) return { keyword, kind: 'iTXt', text: null, compressed: body, utf8: true };
  return { keyword, kind: 'iTXt', text: utf8Decode(body), compressed: null, utf8: true };
}

/** Every text chunk of a PNG, in file order. Throws PngReadError for non-PNG or damaged bytes. */
export function readPngText(png: Uint8Array): PngTextEntry[] {
  const entries: PngTextEntry[] = [];
  for (const chunk of chunksOf(png)) {
    if (chunk.name !== 'tEXt' && chunk.name !== 'iTXt' && chunk.name !== 'zTXt') continue;
    const entry = readText(chunk);
    if (entry) entries.push(entry);
  }
  return entries;
}

function textChunk(keyword: string, text: string): { name: string; data: Uint8Array } {
  if (text.length > 0 && isLatin1(text)) return pngText.encode(keyword, text);
  const key = Uint8Array.from(keyword, (c) => c.charCodeAt(0));
  const body = utf8Encode(text);
  // keyword, NUL, compression flag 0, method 0, empty language tag + NUL, empty translation + NUL
  const data = new Uint8Array(key.length + 5 + body.length);
  data.set(key, 0);
  data.set(body, key.length + 5);
  return { name: 'iTXt', data };
}

/**
 * A copy of `png` carrying `text` under `keyword` (before the image data), replacing any text
 * chunk with that keyword. Keywords are 1–79 Latin-1 characters.
 */
export function withPngText(png: Uint8Array, keyword: string, text: string): Uint8Array {
  if (!/^[\x20-\x7e\xa1-\xff]{1,79}$/.test(keyword)) throw new Error(`Invalid PNG text keyword "${keyword}"`);
  const chunks = chunksOf(png).filter(
    (c) => !((c.name === 'tEXt' || c.name === 'iTXt' || c.name === 'zTXt') && readText(c)?.keyword === keyword),
  );
  const at = chunks.findIndex((c) => c.name === 'IDAT');
  chunks.splice(at < 0 ? chunks.length - 1 : at, 0, textChunk(keyword, text));
  return encodeChunks(chunks);
}
