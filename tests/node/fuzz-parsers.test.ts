/**
 * Property tests (fast-check) for every parser that reads text a person or a file supplies:
 * the prompt attention parser, the 75-token chunker, the infotext parser, the PNG chunk reader
 * and the model catalog parser. Each parser must
 * - agree with the reference (the regex transcription of A1111, tests/support/regex-oracles.ts)
 *   on short random inputs built from the characters that matter (whitespace, brackets, colons,
 *   quotes, backslashes, digits, BREAK),
 * - never throw where it promises not to, and keep its invariants,
 * - handle pathological input at 8× the size a person can submit within a generous bound
 *   (see BOUND_MS); `npm run bench -- --only parsers` prints the N → 8·N growth.
 */
import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { findParams, parseInfotext, pyStrip } from '../../src/metadata/infotext.ts';
import { paramsFromInfotext } from '../../src/metadata/generation-infotext.ts';
import { MAX_TEXT_CHUNK_BYTES, PngReadError, readPngText, withPngText } from '../../src/metadata/png-text.ts';
import {
  MAX_BRACKET_NESTING,
  parsePromptAttention,
  promptWeightProblem,
  splitOnBreak,
} from '../../src/prompt/parse-prompt-attention.ts';
import { tokenizePrompt } from '../../src/prompt/prompt-chunks.ts';
import type { PromptTokenizer } from '../../src/prompt/prompt-tokenizer.ts';
import { LIMITS } from '../../src/protocol/limits.ts';
import { mergeCatalog, parseCatalog } from '../../src/storage/model-catalog.ts';
import { findParamsRegex, parsePromptAttentionRegex, pyStripRegex } from '../support/regex-oracles.ts';

const RUNS = { numRuns: 400 };

/** Strings over an alphabet of the characters each parser treats specially. */
const textOf = (pieces: string[], maxLength = 40) =>
  fc.array(fc.constantFrom(...pieces), { maxLength }).map((parts) => parts.join(''));

const PROMPT_PIECES = [
  'a',
  'b ',
  ' ',
  '  ',
  '\t',
  '\n',
  '\u3000',
  '(',
  ')',
  '[',
  ']',
  ':',
  '1',
  '.',
  '-',
  '+',
  '0.5',
  '\\',
  '\\(',
  'BREAK',
  'xBREAK',
  'BREAKy',
  ',',
  'é',
  '🔴',
  '_',
];

/** Fastest of `runs` timings of `work` (ms). */
function fastest(work: () => void, runs = 5): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    work();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

/**
 * Linear-time check, as a generous bound: the input at 8× the size a person can submit must be
 * handled in under {@link BOUND_MS}. The quadratic parsers this replaces take 36 s and more at
 * these sizes (160 k spaces; 0.56 s at 20 k); the linear ones take 2–400 ms on an idle machine
 * and up to ~2 s with the CPUs saturated (seen with load average 9 on 2 cores), so the bound sits
 * ×2 above the worst linear figure and ×9 below the best quadratic one. A t(8·N)/t(N) ratio is
 * printed by `npm run bench -- --only parsers` instead of asserted: at these sizes allocation
 * and GC alone make a linear parser look ×15–×50.
 */
const BOUND_MS = 4000;
function linear(make: (n: number) => string, run: (text: string) => unknown, n: number): number {
  const large = make(8 * n);
  run(large); // warm up the JIT
  return fastest(() => run(large), 3);
}

describe('prompt attention parser', () => {
  it('gives exactly the regex transcription of A1111 (text and float weights)', () => {
    fc.assert(
      fc.property(textOf(PROMPT_PIECES), (text) => {
        expect(parsePromptAttention(text)).toEqual(parsePromptAttentionRegex(text));
      }),
      RUNS,
    );
  });
  it('splits on BREAK exactly as re.split(re_break)', () => {
    const reBreak =
      // eslint-disable-next-line no-control-regex -- Python's \s includes U+001C–U+001F
      /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*(?<![\p{L}\p{N}_])BREAK(?![\p{L}\p{N}_])[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*/u;
    fc.assert(
      fc.property(textOf(['BREAK', ' ', '\n', 'a', 'K', 'xBREAK', '\u3000', '🔴', '_BREAK']), (text) => {
        expect(splitOnBreak(text)).toEqual(text.split(reBreak));
      }),
      RUNS,
    );
  });
  it('agrees with A1111 up to the nesting cap, and marks deeper prompts', () => {
    const deep = (n: number) => `${'(a'.repeat(n)}${')'.repeat(n)}`;
    expect(parsePromptAttention(deep(MAX_BRACKET_NESTING))).toEqual(
      parsePromptAttentionRegex(deep(MAX_BRACKET_NESTING)),
    );
    expect(promptWeightProblem(deep(MAX_BRACKET_NESTING), 1e300)).toBeNull();
    expect(promptWeightProblem(deep(MAX_BRACKET_NESTING + 1), 1e300)).toMatch(/nested more than 100 deep/);
  });
  it('never throws, never returns an empty list, keeps every literal character', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        const parsed = parsePromptAttention(text);
        expect(parsed.length).toBeGreaterThan(0);
        for (const [, w] of parsed) expect(typeof w).toBe('number');
      }),
      RUNS,
    );
  });
  it.each([
    ['spaces', (n: number) => ' '.repeat(n)],
    ['spaces around a word', (n: number) => `${' '.repeat(n)}a red star${' '.repeat(n)}`],
    ['spaces before BREAK', (n: number) => `${' '.repeat(n)}BREAK`],
    ['colons and spaces', (n: number) => ': '.repeat(n)],
    ['colon then spaces', (n: number) => `(a:${' '.repeat(n)}`],
    ['a weight that is not a number', (n: number) => `(a:${'1.'.repeat(n)})`],
    ['escaped brackets', (n: number) => '\\('.repeat(n)],
    ['balanced brackets', (n: number) => '(a)[b]'.repeat(n)],
    ['unclosed nesting (a(a(a…', (n: number) => '(a'.repeat(n)],
    ['deep balanced nesting', (n: number) => `${'(a'.repeat(n)}${')'.repeat(n)}`],
    ['BREAK BREAK', (n: number) => ' BREAK'.repeat(n)],
    ['words that end in BREAK', (n: number) => 'xBREAK '.repeat(n)],
  ])('is linear (8× the limit within the bound): %s', (_name, make) => {
    expect(linear(make, parsePromptAttention, LIMITS.promptChars / 2)).toBeLessThan(BOUND_MS);
  });
});

/** Words are tokens, ',' a token of its own; 'w<N>' → 1000+N. */
const fakeTokenizer: PromptTokenizer = {
  bosId: 49406,
  eosId: 49407,
  padId: 49407,
  commaId: 267,
  tokenize: (text) =>
    text
      .replace(/,/g, ' , ')
      .split(/\s+/)
      .filter(Boolean)
      .map((w) => (w === ',' ? 267 : /^w\d+$/.test(w) ? 1000 + Number(w.slice(1)) : 998)),
};

describe('chunker', () => {
  it('always gives 77-id chunks with BOS first and one weight per id', () => {
    fc.assert(
      fc.property(textOf([...PROMPT_PIECES, 'w1 ', 'w2, ', ', ', 'BREAK '], 300), (text) => {
        const { chunks, tokenCount } = tokenizePrompt(text, fakeTokenizer);
        expect(chunks.length).toBeGreaterThan(0);
        for (const c of chunks) {
          expect(c.ids).toHaveLength(77);
          expect(c.weights).toHaveLength(77);
          expect(c.ids[0]).toBe(49406);
          expect(c.ids).toContain(49407);
        }
        expect(tokenCount).toBeLessThanOrEqual(chunks.length * 75);
      }),
      RUNS,
    );
  });
  it.each([
    ['words', (n: number) => 'w1 '.repeat(n)],
    ['commas', (n: number) => 'w1, '.repeat(n)],
    ['BREAKs', (n: number) => 'w1 BREAK '.repeat(n)],
    ['weighted words', (n: number) => '(w1:1.2) '.repeat(n)],
  ])('is linear (8× the limit within the bound): %s', (_name, make) => {
    expect(linear(make, (t) => tokenizePrompt(t, fakeTokenizer), LIMITS.promptChars / 10)).toBeLessThan(BOUND_MS);
  });
});

const INFOTEXT_PIECES = [
  'Steps',
  'Seed',
  'a',
  ' ',
  '  ',
  '\t',
  ':',
  ': ',
  ',',
  ', ',
  '"',
  '\\"',
  '\\',
  '-',
  '/',
  '1',
  'é',
  '🔴',
  '\n',
  'Negative prompt:',
];

describe('infotext parser', () => {
  it('finds exactly the key/value pairs re_param finds', () => {
    fc.assert(
      fc.property(textOf(INFOTEXT_PIECES.filter((p) => p !== '\n')), (line) => {
        expect(findParams(line)).toEqual(findParamsRegex(line));
      }),
      RUNS,
    );
  });
  it('strips as str.strip() did', () => {
    fc.assert(
      fc.property(textOf([' ', '\t', '\n', '\x1c', '\x85', 'a', '\u3000']), (text) => {
        expect(pyStrip(text)).toBe(pyStripRegex(text));
      }),
      RUNS,
    );
  });
  it('never throws on any text and refuses text over the stated cap before parsing', () => {
    const options = { samplers: [{ id: 'euler', label: 'Euler' }], sizeMultiple: 64 };
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        expect(() => parseInfotext(text)).not.toThrow();
        expect(() => paramsFromInfotext(text, options)).not.toThrow();
      }),
      RUNS,
    );
    const huge = `${'a'.repeat(LIMITS.infotextChars)}\nSteps: 1, Seed: 1, Size: 64x64`;
    const result = paramsFromInfotext(huge, options);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(/too long.*65,536/);
  });
  it.each([
    ['spaces', (n: number) => ' '.repeat(n)],
    ['spaces inside', (n: number) => `a${' '.repeat(n)}b\nSteps: 1, Seed: 2, Size: 64x64`],
    ['a key run with no colon', (n: number) => 'ab '.repeat(n)],
    ['unterminated quotes', (n: number) => 'k: "v, '.repeat(n)],
    ['colons', (n: number) => 'a:'.repeat(n)],
    ['many parameters', (n: number) => 'Steps: 1, '.repeat(n)],
    ['escapes', (n: number) => 'k: "\\\\\\"'.repeat(n)],
  ])('is linear (8× the limit within the bound): %s', (_name, make) => {
    expect(linear(make, parseInfotext, LIMITS.infotextChars / 8)).toBeLessThan(BOUND_MS);
  });
});

function tinyPng(): Uint8Array {
  const png = new PNG({ width: 2, height: 2 });
  png.data.fill(120);
  return new Uint8Array(PNG.sync.write(png));
}

/** A PNG with one extra chunk inserted after IHDR (CRC computed by withPngText's writer path). */
function withChunk(name: string, data: Uint8Array): Uint8Array {
  const base = tinyPng();
  const crcInput = new Uint8Array(4 + data.length);
  crcInput.set(Buffer.from(name, 'latin1'), 0);
  crcInput.set(data, 4);
  const chunk = new Uint8Array(12 + data.length);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, data.length);
  chunk.set(crcInput, 4);
  view.setUint32(8 + data.length, crc32(crcInput));
  const ihdrEnd = 8 + 12 + 13;
  return new Uint8Array([...base.subarray(0, ihdrEnd), ...chunk, ...base.subarray(ihdrEnd)]);
}

function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return ~c >>> 0;
}

describe('PNG chunk reader', () => {
  it('answers any bytes with entries or a PngReadError, never another error', () => {
    const good = withPngText(tinyPng(), 'parameters', 'a\nSteps: 1, Seed: 1, Size: 64x64');
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.nat(good.length - 1), value: fc.integer({ min: 0, max: 255 }) }), {
          maxLength: 6,
        }),
        fc.nat(good.length),
        (flips, cut) => {
          const bytes = good.slice(0, Math.max(cut, 8));
          for (const { at, value } of flips) if (at < bytes.length) bytes[at] = value;
          try {
            readPngText(bytes);
          } catch (error) {
            expect(error).toBeInstanceOf(PngReadError);
          }
        },
      ),
      RUNS,
    );
  });
  it('round-trips any text through withPngText', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (text) => {
        const [entry] = readPngText(withPngText(tinyPng(), 'parameters', text));
        expect(entry?.text).toBe(text);
      }),
      { numRuns: 200 },
    );
  });
  it('reads a zTXt chunk far above 100 KB (the old reader ran out of call arguments)', () => {
    const text = 'a, '.repeat(100_000);
    const body = new Uint8Array([...Buffer.from('parameters'), 0, 0, ...deflateSync(text)]);
    const [entry] = readPngText(withChunk('zTXt', body));
    expect(entry?.kind).toBe('zTXt');
    const long = new Uint8Array([...Buffer.from('parameters'), 0, ...Buffer.from('x'.repeat(300_000))]);
    expect(readPngText(withChunk('tEXt', long))[0]?.text).toHaveLength(300_000);
  });
  it('refuses a text chunk over the cap by name, and a length past the end of the file without allocating it', () => {
    const big = new Uint8Array(MAX_TEXT_CHUNK_BYTES + 10);
    big.set(Buffer.from('parameters'), 0);
    expect(() => readPngText(withChunk('tEXt', big))).toThrow(/text chunk.*MB/);
    const lying = tinyPng();
    new DataView(lying.buffer).setUint32(8, 0xfffffff0); // IHDR claims 4 GB
    expect(() => readPngText(lying)).toThrow(/runs past the end/);
  });
  it('reads a 1 MB file well within the bound', () => {
    const make = (n: number) => withChunk('tEXt', new Uint8Array([...Buffer.from('k'), 0, ...Buffer.alloc(n, 0x61)]));
    const large = make(8 * 120_000);
    readPngText(large);
    expect(fastest(() => readPngText(large), 3)).toBeLessThan(BOUND_MS);
  });
});

const validEntry = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  kind: 'remote',
  repo: 'owner/name',
  files: [{ path: 'unet/model.onnx', size: 1 }],
  ...extra,
});

describe('catalog parser', () => {
  const builtIn = parseCatalog(
    { models: [{ id: 'tiny-shapes', kind: 'app', baseUrl: 'models/tiny-shapes/' }, validEntry('sd-turbo')] },
    'http://127.0.0.1:5173/models/catalog.json',
  );
  it('answers any JSON with models or an Error, and an extra catalog never yields a built-in or app entry', () => {
    const anyEntry = fc.record(
      {
        id: fc.oneof(fc.constantFrom('tiny-shapes', 'sd-turbo', 'x', '../x', ' '), fc.string({ maxLength: 20 })),
        kind: fc.constantFrom('app', 'remote', 'other', 1),
        baseUrl: fc.constantFrom('https://evil.example/m/', 'models/tiny-shapes/', 'javascript:alert(1)', '::'),
        repo: fc.constantFrom('a/b', '', 3),
        files: fc.array(fc.record({ path: fc.string({ maxLength: 10 }), size: fc.double() }), { maxLength: 3 }),
        name: fc.string({ maxLength: 30 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.array(anyEntry, { maxLength: 5 }), (models) => {
        let parsed;
        try {
          parsed = parseCatalog({ models }, 'http://127.0.0.1:9/c.json', {
            kind: 'extra',
            url: 'http://127.0.0.1:9/c.json',
          });
        } catch (error) {
          expect(error).toBeInstanceOf(Error);
          return;
        }
        for (const m of parsed) {
          expect(m.kind).toBe('remote');
          expect(m.builtIn).toBeUndefined();
          expect(m.id.startsWith('127.0.0.1:9/')).toBe(true);
          expect(m.name).toContain('from 127.0.0.1:9');
        }
        const { catalog } = mergeCatalog(builtIn, parsed);
        expect(catalog.filter((m) => m.builtIn)).toEqual(builtIn);
      }),
      RUNS,
    );
  });
  it('reads a catalog of the most entries allowed well within the bound', () => {
    const make = (n: number) => JSON.stringify({ models: Array.from({ length: n }, (_, i) => validEntry(`m${i}`)) });
    const run = (text: string) => parseCatalog(JSON.parse(text), 'http://x/', { kind: 'built-in' });
    // MAX_CATALOG_MODELS caps a catalog at 200 entries: 8 × 25.
    expect(linear(make, run, 25)).toBeLessThan(BOUND_MS);
  });
});
