/**
 * The parsers section of `npm run bench` (alone: `npm run bench -- --only parsers`): each parser
 * that reads user text, on pathological input at N and 8·N characters, with t(8·N) / t(N). A
 * linear parser shows ≈ 8 (more once allocation leaves the CPU caches), a quadratic one ≈ 64.
 * The regex parsers they replaced (tests/support/regex-oracles.ts) run beside them at the same
 * sizes, for the before/after figures. Prints; asserts nothing.
 */
import { PNG } from 'pngjs';
import { findParams, parseInfotext } from '../src/metadata/infotext.ts';
import { readPngText, withPngText } from '../src/metadata/png-text.ts';
import { parsePromptAttention } from '../src/prompt/parse-prompt-attention.ts';
import { tokenizePrompt } from '../src/prompt/prompt-chunks.ts';
import { parseCatalog } from '../src/storage/model-catalog.ts';
import { findParamsRegex, parsePromptAttentionRegex } from '../tests/support/regex-oracles.ts';

function fastest(work: () => void, runs: number): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    work();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

interface Case<T> {
  name: string;
  make: (n: number) => T;
  run: (input: T) => unknown;
  /** The replaced implementation, when there is one. */
  before?: (input: T) => unknown;
  n: number;
}

const tokenizer = {
  bosId: 1,
  eosId: 2,
  padId: 2,
  commaId: 3,
  tokenize: (t: string) =>
    t
      .split(/\s+/)
      .filter(Boolean)
      .map(() => 5),
};

function pngOf(n: number): Uint8Array {
  const png = new PNG({ width: 2, height: 2 });
  return withPngText(new Uint8Array(PNG.sync.write(png)), 'parameters', 'a'.repeat(n));
}

const catalogOf = (n: number) => ({
  models: Array.from({ length: n }, (_, i) => ({
    id: `m${i}`,
    kind: 'remote',
    repo: 'o/r',
    files: [{ path: 'unet/model.onnx', size: 1 }],
  })),
});

const CASES: Case<unknown>[] = [
  {
    name: 'prompt: spaces',
    make: (n) => ' '.repeat(n),
    run: (t) => parsePromptAttention(t as string),
    before: (t) => parsePromptAttentionRegex(t as string),
    n: 2_500,
  },
  {
    name: 'prompt: spaces then BREAK',
    make: (n) => `${' '.repeat(n)}BREAK`,
    run: (t) => parsePromptAttention(t as string),
    before: (t) => parsePromptAttentionRegex(t as string),
    n: 2_500,
  },
  {
    name: 'prompt: escaped brackets',
    make: (n) => '\\('.repeat(n / 2),
    run: (t) => parsePromptAttention(t as string),
    before: (t) => parsePromptAttentionRegex(t as string),
    n: 2_500,
  },
  {
    name: 'prompt: (a)[b] balanced',
    make: (n) => '(a)[b]'.repeat(n / 6),
    run: (t) => parsePromptAttention(t as string),
    before: (t) => parsePromptAttentionRegex(t as string),
    n: 2_500,
  },
  {
    // n/2 runs at n/2 depths: quadratic in A1111's order, bounded by MAX_BRACKET_NESTING here.
    name: 'prompt: (a(a(a… unclosed nesting',
    make: (n) => '(a'.repeat(n / 2),
    run: (t) => parsePromptAttention(t as string),
    before: (t) => parsePromptAttentionRegex(t as string),
    n: 2_500,
  },
  {
    name: 'chunker: words + BREAK',
    make: (n) => 'w1 w2, BREAK '.repeat(n / 13),
    run: (t) => tokenizePrompt(t as string, tokenizer),
    n: 2_500,
  },
  {
    name: 'infotext: spaces',
    make: (n) => ' '.repeat(n),
    run: (t) => findParams(t as string),
    before: (t) => findParamsRegex(t as string),
    n: 2_500,
  },
  {
    name: 'infotext: key run, no colon',
    make: (n) => 'ab '.repeat(n / 3),
    run: (t) => findParams(t as string),
    before: (t) => findParamsRegex(t as string),
    n: 2_500,
  },
  {
    name: 'infotext: unterminated quotes',
    make: (n) => 'k: "v, '.repeat(n / 7),
    run: (t) => findParams(t as string),
    before: (t) => findParamsRegex(t as string),
    n: 2_500,
  },
  {
    name: 'infotext: whole text, 8 KB',
    make: (n) => `${'a, '.repeat(n / 3)}\nSteps: 1, Seed: 2, Size: 64x64`,
    run: (t) => parseInfotext(t as string),
    n: 8_192,
  },
  { name: 'PNG reader: tEXt bytes', make: pngOf, run: (b) => readPngText(b as Uint8Array), n: 100_000 },
  {
    name: 'catalog: entries',
    make: catalogOf,
    run: (c) => parseCatalog(c, 'http://x/', { kind: 'built-in' }),
    n: 25,
  },
];

export function benchParsers(): void {
  console.log('\n## Parsers on pathological input: t(N) → t(8·N), ratio (≈8 linear, ≈64 quadratic)');
  const fmt = (x: number) => `${x < 10 ? x.toFixed(3) : x.toFixed(1)} ms`;
  for (const c of CASES) {
    const small = c.make(c.n);
    const large = c.make(8 * c.n);
    const measure = (run: (input: unknown) => unknown) => {
      run(small);
      run(large);
      const a = fastest(() => run(small), 7);
      const b = fastest(() => run(large), 5);
      return `${fmt(a)} → ${fmt(b)} ×${(b / Math.max(a, 1e-3)).toFixed(1)}`;
    };
    const now = measure(c.run);
    const before = c.before ? `   before: ${measure(c.before)}` : '';
    console.log(`${c.name.padEnd(38)} N=${String(c.n).padStart(6)}  now: ${now}${before}`);
  }
}
