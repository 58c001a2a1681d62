import { deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import encodeChunks from 'png-chunks-encode';
import extractChunks from 'png-chunks-extract';
import { describe, expect, it } from 'vitest';
import { PngReadError, readPngText, withPngText } from './png-text.ts';

function tinyPng(width = 2, height = 2): Uint8Array {
  const png = new PNG({ width, height });
  png.data.fill(200);
  return new Uint8Array(PNG.sync.write(png));
}

const decodePixels = (bytes: Uint8Array) => PNG.sync.read(Buffer.from(bytes)).data;

describe('withPngText / readPngText', () => {
  it('writes Latin-1 text as tEXt before the image data and keeps the pixels', () => {
    const original = tinyPng();
    const tagged = withPngText(original, 'parameters', 'a café\nSteps: 1, Sampler: Euler, Seed: 2');
    const names = extractChunks(tagged).map((c) => c.name);
    expect(names.indexOf('tEXt')).toBeLessThan(names.indexOf('IDAT'));
    expect(readPngText(tagged)).toEqual([
      {
        keyword: 'parameters',
        kind: 'tEXt',
        text: 'a café\nSteps: 1, Sampler: Euler, Seed: 2',
        compressed: null,
        utf8: false,
      },
    ]);
    expect(decodePixels(tagged)).toEqual(decodePixels(original));
  });
  it('writes other text as uncompressed iTXt in UTF-8, as Pillow does', () => {
    const tagged = withPngText(tinyPng(), 'parameters', '赤い円 🔴');
    const chunk = extractChunks(tagged).find((c) => c.name === 'iTXt');
    expect(chunk).toBeDefined();
    // keyword NUL, flag 0, method 0, language "" NUL, translated "" NUL, UTF-8 text
    expect(Array.from(chunk?.data.subarray(0, 15) ?? [])).toEqual([...Buffer.from('parameters'), 0, 0, 0, 0, 0]);
    expect(readPngText(tagged)[0]?.text).toBe('赤い円 🔴');
    // pngjs (an independent decoder) still accepts the file, so the CRCs are right.
    expect(() => decodePixels(tagged)).not.toThrow();
  });
  it('replaces an existing chunk with the same keyword and keeps the others', () => {
    let png = withPngText(tinyPng(), 'Software', 'other tool');
    png = withPngText(png, 'parameters', 'one');
    png = withPngText(png, 'parameters', 'два');
    expect(readPngText(png).map((e) => [e.keyword, e.text])).toEqual([
      ['Software', 'other tool'],
      ['parameters', 'два'],
    ]);
  });
  it('hands compressed text to the caller', () => {
    const chunks = extractChunks(tinyPng());
    const body = new Uint8Array([...Buffer.from('parameters'), 0, 0, ...deflateSync('zipped, text')]);
    chunks.splice(1, 0, { name: 'zTXt', data: body });
    const entry = readPngText(encodeChunks(chunks))[0];
    expect(entry?.kind).toBe('zTXt');
    expect(entry?.text).toBeNull();
    expect(Buffer.from(deflateSync('zipped, text')).equals(Buffer.from(entry?.compressed ?? []))).toBe(true);
  });
  it('rejects files that are not PNGs, and damaged PNGs', () => {
    expect(() => readPngText(new TextEncoder().encode('GIF89a…'))).toThrow(PngReadError);
    const damaged = tinyPng();
    const at = damaged.length - 20;
    damaged[at] = (damaged[at] ?? 0) ^ 0xff;
    expect(() => readPngText(damaged)).toThrow(PngReadError);
  });
  it('returns nothing for a PNG without text', () => {
    expect(readPngText(tinyPng())).toEqual([]);
  });
});
