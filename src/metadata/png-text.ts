/**
 * PNG text chunks (PNG spec §11.3.4): read tEXt / iTXt / zTXt, and write one keyword as tEXt when
 * the text is Latin-1 or as uncompressed iTXt (UTF-8) otherwise — what Pillow's
 * `PngInfo.add_text` does for A1111. Chunks are read here (lengths checked against the file
 * before anything is allocated, CRCs verified, bodies as views, not copies); png-chunks-encode
 * writes them.
 *
 * Untrusted files: a chunk whose declared length runs past the end of the file is damage, not an
 * allocation request, and a text chunk over {@link MAX_TEXT_CHUNK_BYTES} is refused by name,
 * so a hostile PNG costs one linear pass over its bytes at most.
 */
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

/** Largest tEXt / iTXt / zTXt body read (compressed size for zTXt); A1111's are a few KB. */
export const MAX_TEXT_CHUNK_BYTES = 1 << 20;
/** Largest inflated text accepted from a compressed chunk (the caller's inflate stops there). */
export const MAX_INFLATED_TEXT_BYTES = 1 << 20;

const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/** The PNG / zlib CRC-32 (PNG spec annex D) of `bytes`. */
function crc32(bytes: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < bytes.length; i++) c = (CRC_TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

const TEXT_CHUNKS = new Set(['tEXt', 'iTXt', 'zTXt']);

function chunksOf(png: Uint8Array): { name: string; data: Uint8Array }[] {
  if (!isPng(png)) throw new PngReadError('This file is not a PNG image.');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks: { name: string; data: Uint8Array }[] = [];
  let at = 8;
  for (;;) {
    if (at + 12 > png.length) throw new PngReadError('This PNG is damaged (it ends before its IEND chunk).');
    const length = view.getUint32(at);
    const name = latin1(png.subarray(at + 4, at + 8));
    if (length > png.length - at - 12)
      throw new PngReadError(`This PNG is damaged (its ${JSON.stringify(name)} chunk runs past the end of the file).`);
    if (chunks.length === 0 && name !== 'IHDR') throw new PngReadError('This PNG is damaged (IHDR header missing).');
    if (TEXT_CHUNKS.has(name) && length > MAX_TEXT_CHUNK_BYTES) {
      throw new PngReadError(
        `This PNG carries a ${(length / 2 ** 20).toFixed(1)} MB text chunk; the studio reads metadata up to ${MAX_TEXT_CHUNK_BYTES / 2 ** 20} MB.`,
      );
    }
    const typeAndData = png.subarray(at + 4, at + 8 + length);
    if (crc32(typeAndData) !== view.getUint32(at + 8 + length))
      throw new PngReadError(`This PNG is damaged (CRC mismatch in its ${JSON.stringify(name)} chunk).`);
    chunks.push({ name, data: png.subarray(at + 8, at + 8 + length) });
    at += 12 + length;
    if (name === 'IEND') return chunks;
  }
}

/** ISO 8859-1 bytes as text, in slices (spreading a large array into fromCharCode overflows the stack). */
export function latin1(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 8192) {
    out += String.fromCharCode(...bytes.subarray(i, Math.min(i + 8192, bytes.length)));
  }
  return out;
}
/** tEXt holds Latin-1 without NUL. */
const isLatin1 = (text: string) => {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0 || c > 0xff) return false;
  }
  return true;
};

function readText(chunk: { name: string; data: Uint8Array }): PngTextEntry | null {
  const { data } = chunk;
  // Keywords are 1–79 bytes (PNG spec §11.3.4.2); anything else is not a text chunk we read.
  const nul = data.subarray(0, 80).indexOf(0);
  if (nul <= 0) return null;
  const keyword = latin1(data.subarray(0, nul));
  if (chunk.name === 'tEXt') {
    // NUL inside the text makes the chunk malformed: skipped, as png-chunk-text refuses it.
    const body = data.subarray(nul + 1);
    if (body.includes(0)) return null;
    return { keyword, kind: 'tEXt', text: latin1(body), compressed: null, utf8: false };
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
