import { describe, expect, it } from 'vitest';
import golden from '../../tests/fixtures/prompt/a1111-tokenize-line.json';
import {
  CHUNK_IDS,
  countTokens,
  emptyChunk,
  encodePromptPair,
  formatTokenCount,
  targetPromptTokenCount,
  tokenizePrompt,
  truncateToSingleChunk,
  type PromptChunk,
} from './prompt-chunks.ts';
import type { PromptTokenizer } from './prompt-tokenizer.ts';

// ---- test helper: a tiny deterministic word tokenizer (the real CLIP one is tested in tests/node) ----
const BOS = 49406;
const EOS = 49407;
const COMMA = 267;
const OTHER = 998;

/**
 * Lowercases, splits on whitespace, ',' is a token of its own. 'w<N>' → 1000+N, any other word
 * → 998. The same rules generated tests/fixtures/prompt/a1111-tokenize-line.json.
 */
function fakeTokenizer(padId: number = EOS, commaId: number | null = COMMA): PromptTokenizer {
  return {
    bosId: BOS,
    eosId: EOS,
    padId,
    commaId,
    tokenize(text: string): number[] {
      const ids: number[] = [];
      for (const piece of text.toLowerCase().split(/\s+|(,)/)) {
        if (!piece) continue;
        if (piece === ',') ids.push(COMMA);
        else if (/^w\d+$/.test(piece)) ids.push(1000 + Number(piece.slice(1)));
        else ids.push(OTHER);
      }
      return ids;
    },
  };
}
const sd1 = fakeTokenizer(EOS);
const sd2 = fakeTokenizer(0);

/** "w0 w1 … w{n-1}" */
const words = (n: number, from = 0): string => Array.from({ length: n }, (_, i) => `w${from + i}`).join(' ');
const ids = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => 1000 + from + i);
/** The prompt tokens of a chunk: between BOS and the first EOS. */
const textOf = (c: PromptChunk): number[] => c.ids.slice(1, c.ids.indexOf(EOS, 1));

describe('tokenizePrompt: chunk layout', () => {
  it('an empty prompt gives one chunk: BOS, EOS, padding; all weights 1', () => {
    const { chunks, tokenCount } = tokenizePrompt('', sd1);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]?.ids).toEqual([BOS, ...Array<number>(76).fill(EOS)]);
    expect(chunks[0]?.weights).toEqual(Array<number>(77).fill(1));
    expect(tokenCount).toBe(0);
  });

  it('every chunk has 77 ids and 77 weights, 1.0 at BOS, EOS and padding', () => {
    const { chunks } = tokenizePrompt(`(${words(100)}:1.3)`, sd1);
    expect(chunks).toHaveLength(2);
    for (const c of chunks) {
      expect(c.ids).toHaveLength(CHUNK_IDS);
      expect(c.weights).toHaveLength(CHUNK_IDS);
      expect(c.ids[0]).toBe(BOS);
      expect(c.weights[0]).toBe(1);
    }
    const [first, second] = chunks as [PromptChunk, PromptChunk];
    expect(first.ids[76]).toBe(EOS);
    expect(first.weights.slice(1, 76)).toEqual(Array<number>(75).fill(1.3));
    expect(textOf(second)).toEqual(ids(25, 75));
    expect(second.weights.slice(1, 26)).toEqual(Array<number>(25).fill(1.3));
    expect(second.weights.slice(26)).toEqual(Array<number>(51).fill(1));
  });

  it('SD 1.x pads with EOS; SD 2.x puts its pad id after the first EOS (process_tokens)', () => {
    const a = tokenizePrompt('w1 w2', sd1).chunks[0] as PromptChunk;
    const b = tokenizePrompt('w1 w2', sd2).chunks[0] as PromptChunk;
    expect(a.ids.slice(0, 5)).toEqual([BOS, 1001, 1002, EOS, EOS]);
    expect(b.ids.slice(0, 5)).toEqual([BOS, 1001, 1002, EOS, 0]);
    expect(b.ids.slice(4)).toEqual(Array<number>(73).fill(0));
    // A full chunk has no padding at all: EOS stays last.
    const full = tokenizePrompt(words(75), sd2).chunks[0] as PromptChunk;
    expect(full.ids[76]).toBe(EOS);
  });

  it('a 150-token prompt gives exactly 2 full chunks; 151 gives 3', () => {
    const two = tokenizePrompt(words(150), sd1);
    expect(two.chunks).toHaveLength(2);
    expect(two.chunks.map(textOf)).toEqual([ids(75), ids(75, 75)]);
    expect(two.tokenCount).toBe(150);
    expect(tokenizePrompt(words(151), sd1).chunks).toHaveLength(3);
    expect(tokenizePrompt(words(75), sd1).chunks).toHaveLength(1);
    expect(tokenizePrompt(words(76), sd1).chunks).toHaveLength(2);
  });

  it('parsed runs are tokenized one by one and keep their weights', () => {
    const c = tokenizePrompt('w1 (w2 w3:1.5) [w4]', sd1).chunks[0] as PromptChunk;
    expect(c.ids.slice(0, 6)).toEqual([BOS, 1001, 1002, 1003, 1004, EOS]);
    expect(c.weights.slice(0, 6)).toEqual([1, 1, 1.5, 1.5, 1 / 1.1, 1]);
  });
});

describe('tokenizePrompt: comma back-off (comma_padding_backtrack = 20)', () => {
  it('moves the words after a comma near the end of a full chunk to the next chunk', () => {
    // 70 words, a comma (token 71), then 10 more: the chunk fills at 75 with the comma 4 from its end.
    const prompt = `${words(70)}, ${words(10, 70)}`;
    const { chunks, tokenCount } = tokenizePrompt(prompt, sd1);
    expect(chunks).toHaveLength(2);
    expect(textOf(chunks[0] as PromptChunk)).toEqual([...ids(70), COMMA]);
    expect(textOf(chunks[1] as PromptChunk)).toEqual(ids(10, 70));
    // A1111 counts the short first chunk as 75.
    expect(tokenCount).toBe(75 + 10);
  });

  it('does not back off when the comma is more than 20 tokens from the end', () => {
    const prompt = `${words(50)}, ${words(40, 50)}`; // comma at index 50: 75 - 50 = 25 > 20
    const { chunks } = tokenizePrompt(prompt, sd1);
    expect(textOf(chunks[0] as PromptChunk)).toEqual([...ids(50), COMMA, ...ids(24, 50)]);
    expect(textOf(chunks[1] as PromptChunk)).toEqual(ids(16, 74));
  });

  it('backs off at exactly 20 tokens from the end', () => {
    const prompt = `${words(55)}, ${words(40, 55)}`; // comma at index 55: 75 - 55 = 20
    const { chunks } = tokenizePrompt(prompt, sd1);
    expect(textOf(chunks[0] as PromptChunk)).toEqual([...ids(55), COMMA]);
    expect(textOf(chunks[1] as PromptChunk)).toEqual(ids(40, 55));
  });

  it('a comma that itself fills the chunk moves nothing', () => {
    const prompt = `${words(74)}, ${words(5, 74)}`; // comma is token 75: chunk is full with it
    const { chunks } = tokenizePrompt(prompt, sd1);
    expect(textOf(chunks[0] as PromptChunk)).toEqual([...ids(74), COMMA]);
    expect(textOf(chunks[1] as PromptChunk)).toEqual(ids(5, 74));
  });

  it('is off with commaPaddingBacktrack 0 or a tokenizer with no comma id', () => {
    const prompt = `${words(70)}, ${words(10, 70)}`;
    for (const chunks of [
      tokenizePrompt(prompt, sd1, { commaPaddingBacktrack: 0 }).chunks,
      tokenizePrompt(prompt, fakeTokenizer(EOS, null)).chunks,
    ]) {
      expect(textOf(chunks[0] as PromptChunk)).toEqual([...ids(70), COMMA, ...ids(4, 70)]);
      expect(textOf(chunks[1] as PromptChunk)).toEqual(ids(6, 74));
    }
  });

  it('moved tokens keep their weights', () => {
    const prompt = `${words(70)}, (${words(10, 70)}:1.4)`;
    const second = tokenizePrompt(prompt, sd1).chunks[1] as PromptChunk;
    expect(second.weights.slice(1, 11)).toEqual(Array<number>(10).fill(1.4));
  });
});

describe('tokenizePrompt: BREAK', () => {
  it('starts a new chunk', () => {
    const { chunks, tokenCount } = tokenizePrompt('w1 w2 BREAK w3', sd1);
    expect(chunks.map(textOf)).toEqual([[1001, 1002], [1003]]);
    expect(tokenCount).toBe(75 + 1); // A1111 counts the broken chunk as full
  });
  it('a trailing BREAK adds no empty chunk; a leading one does', () => {
    expect(tokenizePrompt('w1 BREAK', sd1).chunks.map(textOf)).toEqual([[1001]]);
    expect(tokenizePrompt('BREAK w1', sd1).chunks.map(textOf)).toEqual([[], [1001]]);
  });
  it('BREAK BREAK gives an empty chunk between', () => {
    expect(tokenizePrompt('w1 BREAK BREAK w2', sd1).chunks.map(textOf)).toEqual([[1001], [], [1002]]);
  });
  it('a weighted BREAK is just a word (A1111 checks weight == -1)', () => {
    const { chunks } = tokenizePrompt('(w1 BREAK w2)', sd1);
    expect(chunks).toHaveLength(1);
    expect(textOf(chunks[0] as PromptChunk)).toEqual([1001, OTHER, 1002]);
    expect((chunks[0] as PromptChunk).weights.slice(1, 4)).toEqual([1.1, -1.1, 1.1]);
  });
  it('resets the comma position', () => {
    // The comma belongs to the first chunk; after BREAK a full chunk has no comma to back off to.
    const { chunks } = tokenizePrompt(`w0, BREAK ${words(80, 1)}`, sd1);
    expect(chunks.map((c) => textOf(c).length)).toEqual([2, 75, 5]);
  });
});

describe('tokenizePrompt: golden outputs of A1111 tokenize_line (Python)', () => {
  type Expected = { chunks: Array<{ ids: number[]; weights: number[] }>; tokenCount: number; limit: number };
  const cases = golden.cases as Array<{ prompt: string; backtrack20: Expected; backtrack0: Expected }>;
  const check = (prompt: string, expected: Expected, backtrack: number): void => {
    const got = tokenizePrompt(prompt, sd1, { commaPaddingBacktrack: backtrack });
    expect(got.tokenCount).toBe(expected.tokenCount);
    expect(targetPromptTokenCount(got.tokenCount)).toBe(expected.limit);
    expect(got.chunks.map((c) => ({ ids: textOf(c), weights: c.weights.slice(1, 1 + textOf(c).length) }))).toEqual(
      expected.chunks,
    );
    for (const c of got.chunks) expect(c.textTokens).toBe(textOf(c).length);
  };
  it('has the fixture', () => expect(cases.length).toBeGreaterThan(40));
  it.each(cases.map((c, i) => [i, c] as const))('case %i (backtrack 20)', (_i, c) =>
    check(c.prompt, c.backtrack20, 20),
  );
  it.each(cases.map((c, i) => [i, c] as const))('case %i (backtrack 0)', (_i, c) => check(c.prompt, c.backtrack0, 0));
});

describe('encodePromptPair', () => {
  it.each([
    ['longer prompt', words(160), 'w1', 3],
    ['longer negative', 'w1', words(80), 2],
    ['both empty', '', '', 1],
    ['equal', words(10), words(20), 1],
  ])('%s: both sides get the same number of chunks', (_name, prompt, negative, count) => {
    const pair = encodePromptPair(prompt, negative, sd2);
    expect(pair.cond).toHaveLength(count);
    expect(pair.uncond).toHaveLength(count);
  });

  it('pads with empty chunks (the encoding of "") and reports both token counts', () => {
    const pair = encodePromptPair(words(100), 'w7, w8', sd2);
    expect(pair.condTokens).toBe(100);
    expect(pair.uncondTokens).toBe(3);
    expect(pair.uncond[1]).toEqual(emptyChunk(sd2));
    expect(pair.uncond[1]).toEqual(tokenizePrompt('', sd2).chunks[0]);
    expect(pair.uncond[1]?.ids.slice(0, 3)).toEqual([BOS, EOS, 0]);
  });
});

describe('truncateToSingleChunk', () => {
  it('keeps the first window, which ends in EOS, and counts the dropped prompt tokens', () => {
    const { chunks } = tokenizePrompt(words(100), sd1);
    const { chunk, droppedTokens } = truncateToSingleChunk(chunks);
    expect(chunk.ids).toHaveLength(77);
    expect(chunk.ids[76]).toBe(EOS);
    expect(textOf(chunk)).toEqual(ids(75));
    expect(droppedTokens).toBe(25);
  });
  it('drops nothing from a one-chunk prompt, and returns a copy', () => {
    const { chunks } = tokenizePrompt('w1 w2', sd2);
    const { chunk, droppedTokens } = truncateToSingleChunk(chunks);
    expect(droppedTokens).toBe(0);
    expect(chunk).toEqual(chunks[0]);
    expect(chunk.ids).not.toBe(chunks[0]?.ids);
  });
  it('counts the tokens moved by a comma back-off or BREAK, and none for padding chunks', () => {
    expect(truncateToSingleChunk(tokenizePrompt(`${words(70)}, ${words(10, 70)}`, sd1).chunks).droppedTokens).toBe(10);
    expect(truncateToSingleChunk(tokenizePrompt('w1 BREAK w2 w3', sd1).chunks).droppedTokens).toBe(2);
    expect(truncateToSingleChunk(encodePromptPair(words(100), '', sd1).uncond).droppedTokens).toBe(0);
  });
  it('throws on an empty list', () => {
    expect(() => truncateToSingleChunk([])).toThrow();
  });
});

describe('countTokens (A1111 counter)', () => {
  it.each([
    ['', 0, 75, '0/75'],
    ['w1 w2 w3', 3, 75, '3/75'],
    [words(23), 23, 75, '23/75'],
    [words(75), 75, 75, '75/75'],
    [words(76), 76, 150, '76/150'],
    [words(98), 98, 150, '98/150'],
    [words(150), 150, 150, '150/150'],
    ['w1 BREAK w2', 76, 150, '76/150'],
    ['(w1:1.5), [w2]', 3, 75, '3/75'],
  ])('%j → %s', (text, used, limit, shown) => {
    const count = countTokens(text, sd1);
    expect(count).toEqual({ used, limit });
    expect(formatTokenCount(count)).toBe(shown);
    expect(limit).toBe(75 * tokenizePrompt(text, sd1).chunks.length);
  });
});

describe('countTokens above the form limit', () => {
  it('does not tokenize text over 20,000 characters and says so', () => {
    let calls = 0;
    const counting: PromptTokenizer = {
      ...fakeTokenizer(),
      tokenize: (t) => {
        calls += 1;
        return fakeTokenizer().tokenize(t);
      },
    };
    const count = countTokens(' '.repeat(200_000), counting);
    expect(calls).toBe(0);
    expect(count).toEqual({ used: 0, limit: 0, tooLong: true });
    expect(formatTokenCount(count)).toBe('too long (max 20,000 characters)');
    expect(countTokens('w1 w2', counting).used).toBe(2);
  });
});
