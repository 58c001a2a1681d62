/**
 * `npm run tokenize -- --model <dir> --prompt "…" [--negative "…"]`
 *
 * Shows what the text encoder will see for a prompt, A1111-style: the parsed (text, weight) runs,
 * the token counter ("23/75"), and each 77-token chunk's ids and emphasis weights. Reads the
 * model's `tokenizer/tokenizer.json` and `tokenizer/tokenizer_config.json` from disk; no network.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  encodePromptPair,
  formatTokenCount,
  parsePromptAttention,
  targetPromptTokenCount,
  type PromptChunk,
} from '../prompt/index.ts';
import { loadClipTokenizer } from '../runtime/clip-tokenizer.ts';

const USAGE = `usage: npm run tokenize -- [--model <dir>] --prompt "<text>" [--negative "<text>"]

  --model     model folder in diffusers layout (default: models/tiny-shapes)
  --prompt    prompt in A1111 syntax: (word), (word:1.3), [word], \\(literal\\), BREAK
  --negative  negative prompt; both are then padded to the same number of chunks

Prints JSON: parsed (text, weight) runs, token count ("used/limit"), and every chunk's
77 ids and 77 weights.`;

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch (err) {
    throw new Error(`cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** JSON with 2-space indentation, but arrays of plain values on one line (77 ids, [text, weight]). */
function formatJson(value: unknown, indent = ''): string {
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== 'object'))
      return `[${value.map((v) => JSON.stringify(v)).join(', ')}]`;
    return `[\n${value.map((v) => inner + formatJson(v, inner)).join(',\n')}\n${indent}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${formatJson(v, inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}

function describePrompt(text: string, chunks: readonly PromptChunk[], tokenCount: number) {
  const limit = targetPromptTokenCount(tokenCount);
  return {
    text,
    parsed: parsePromptAttention(text),
    tokenCount,
    limit,
    counter: formatTokenCount({ used: tokenCount, limit }),
    chunks: chunks.map((c, i) => ({ index: i, textTokens: c.textTokens ?? null, ids: c.ids, weights: c.weights })),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: 'models/tiny-shapes' },
      prompt: { type: 'string' },
      negative: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (values.prompt === undefined) {
    console.error(USAGE);
    process.exitCode = 2;
    return;
  }

  const modelDir = resolve(values.model);
  const tokenizer = await loadClipTokenizer({
    tokenizerJson: await readJson(join(modelDir, 'tokenizer', 'tokenizer.json')),
    tokenizerConfig: await readJson(join(modelDir, 'tokenizer', 'tokenizer_config.json')),
  });

  // With no --negative, the prompt is chunked on its own (pairing with "" never adds chunks to it).
  const pair = encodePromptPair(values.prompt, values.negative ?? '', tokenizer);
  const out = {
    model: modelDir,
    tokenizer: { bosId: tokenizer.bosId, eosId: tokenizer.eosId, padId: tokenizer.padId, commaId: tokenizer.commaId },
    prompt: describePrompt(values.prompt, pair.cond, pair.condTokens),
    ...(values.negative === undefined
      ? {}
      : { negative: describePrompt(values.negative, pair.uncond, pair.uncondTokens) }),
  };
  console.log(formatJson(out));
}

main().catch((err: unknown) => {
  console.error(`tokenize: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
