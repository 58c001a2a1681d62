/**
 * A1111's 75-token prompt chunks, ported from stable-diffusion-webui `modules/sd_hijack_clip.py`:
 * `FrozenCLIPEmbedderWithCustomWordsBase.tokenize_line` (chunking, comma back-off, BREAK, token
 * count), `empty_chunk`, `get_target_prompt_token_count` (the "23/75" counter) and the pad-id
 * rewrite at the top of `process_tokens` (SD 2.x pads with a token other than EOS).
 * The same-chunk-count rule for prompt and negative prompt follows A1111's `pad_cond_uncond`
 * (sd_samplers_cfg_denoiser.py), which appends encodings of the empty prompt.
 *
 * Differences from A1111, both about features this app does not have: textual-inversion
 * embeddings are not looked up (`embedding_db`), and the emphasis mode is always "Original"
 * (A1111's "None" mode skips parsing).
 */
import { LIMITS } from '../protocol/limits.ts';
import { parsePromptAttention } from './parse-prompt-attention.ts';
import type { PromptTokenizer } from './prompt-tokenizer.ts';

/** Prompt tokens per chunk (A1111's `chunk_length`). */
export const CHUNK_LENGTH = 75;
/** Ids per chunk: BOS + 75 + EOS (CLIP's context length). */
export const CHUNK_IDS = CHUNK_LENGTH + 2;
/** A1111's default `comma_padding_backtrack` setting. */
export const COMMA_PADDING_BACKTRACK = 20;

/** One 77-token window: what the text encoder sees, and one emphasis weight per position. */
export interface PromptChunk {
  /** 77 ids: BOS, up to 75 prompt tokens, EOS, then padding. */
  ids: number[];
  /** 77 weights; 1.0 at BOS, EOS and padding. */
  weights: number[];
  /**
   * How many of the 75 slots hold prompt tokens (the rest is EOS/padding). Set on every chunk
   * this module builds; `truncateToSingleChunk` reads it. Absent on hand-built chunks.
   */
  textTokens?: number;
}

export interface TokenizeOptions {
  /**
   * A1111's `comma_padding_backtrack`: when a chunk fills and its last comma is at most this many
   * tokens from the end, the tokens after the comma move to the next chunk. 0 turns it off.
   */
  commaPaddingBacktrack?: number;
}

export interface TokenizedPrompt {
  chunks: PromptChunk[];
  /** A1111's token count: 75 for every chunk but the last, plus the last chunk's tokens. */
  tokenCount: number;
}

/** Wraps up to 75 tokens as BOS + tokens + EOS padding, then rewrites padding as `process_tokens` does. */
function finishChunk(
  tokens: readonly number[],
  multipliers: readonly number[],
  tokenizer: PromptTokenizer,
): PromptChunk {
  const textTokens = tokens.length;
  const ids = [tokenizer.bosId, ...tokens];
  const weights = [1.0, ...multipliers];
  // tokenize_line pads with EOS; process_tokens then replaces everything after the first EOS
  // with the pad id when the two differ (SD 2.x). Doing it here keeps chunks model-ready.
  while (ids.length < CHUNK_IDS) {
    ids.push(tokenizer.eosId);
    weights.push(1.0);
  }
  if (tokenizer.eosId !== tokenizer.padId) {
    const firstEos = ids.indexOf(tokenizer.eosId);
    for (let i = firstEos + 1; i < ids.length; i++) ids[i] = tokenizer.padId;
  }
  return { ids, weights, textTokens };
}

/** A1111's `empty_chunk()`: BOS, EOS, padding; all weights 1. Also the encoding of "". */
export function emptyChunk(tokenizer: PromptTokenizer): PromptChunk {
  return finishChunk([], [], tokenizer);
}

/**
 * Parses `text` (A1111 attention syntax) and packs its tokens into 77-id chunks, exactly as
 * A1111's `tokenize_line`. An empty prompt gives one chunk of BOS + EOS + padding.
 */
export function tokenizePrompt(
  text: string,
  tokenizer: PromptTokenizer,
  options: TokenizeOptions = {},
): TokenizedPrompt {
  const backtrack = options.commaPaddingBacktrack ?? COMMA_PADDING_BACKTRACK;
  const parsed = parsePromptAttention(text);

  const chunks: PromptChunk[] = [];
  let tokens: number[] = [];
  let multipliers: number[] = [];
  let tokenCount = 0;
  let lastComma = -1;

  const nextChunk = (isLast = false): void => {
    // A1111 counts a non-final chunk as a full 75 even when the comma back-off or a BREAK left
    // it short; only the final chunk counts its real length.
    tokenCount += isLast ? tokens.length : CHUNK_LENGTH;
    chunks.push(finishChunk(tokens, multipliers, tokenizer));
    tokens = [];
    multipliers = [];
    lastComma = -1;
  };

  for (const [fragment, weight] of parsed) {
    // Only an unweighted BREAK breaks: `(BREAK)` has weight -1.1 and is tokenized as text, as in A1111.
    if (fragment === 'BREAK' && weight === -1) {
      nextChunk();
      continue;
    }
    // Each run is tokenized on its own, as A1111 tokenizes the list of parsed texts.
    const fragmentTokens = tokenizer.tokenize(fragment);
    for (const token of fragmentTokens) {
      if (token === tokenizer.commaId) {
        lastComma = tokens.length;
      } else if (
        backtrack !== 0 &&
        tokens.length === CHUNK_LENGTH &&
        lastComma !== -1 &&
        tokens.length - lastComma <= backtrack
      ) {
        // The chunk is full and a comma is near its end: move what follows the comma on.
        const breakLocation = lastComma + 1;
        const relocTokens = tokens.slice(breakLocation);
        const relocMultipliers = multipliers.slice(breakLocation);
        tokens = tokens.slice(0, breakLocation);
        multipliers = multipliers.slice(0, breakLocation);
        nextChunk();
        tokens = relocTokens;
        multipliers = relocMultipliers;
      }

      if (tokens.length === CHUNK_LENGTH) nextChunk();

      tokens.push(token);
      multipliers.push(weight);
    }
  }

  if (tokens.length > 0 || chunks.length === 0) nextChunk(true);

  return { chunks, tokenCount };
}

export interface EncodedPromptPair {
  cond: PromptChunk[];
  uncond: PromptChunk[];
  /** A1111 token counts of the prompt and the negative prompt. */
  condTokens: number;
  uncondTokens: number;
}

/**
 * Tokenizes the prompt and the negative prompt and pads the shorter list with empty chunks so
 * both have the same number (A1111's `pad_cond_uncond`, which appends the empty prompt's
 * encoding: the same as encoding `emptyChunk`).
 */
export function encodePromptPair(
  prompt: string,
  negative: string,
  tokenizer: PromptTokenizer,
  options: TokenizeOptions = {},
): EncodedPromptPair {
  const cond = tokenizePrompt(prompt, tokenizer, options);
  const uncond = tokenizePrompt(negative, tokenizer, options);
  const count = Math.max(cond.chunks.length, uncond.chunks.length);
  const pad = (chunks: PromptChunk[]): PromptChunk[] => {
    const out = [...chunks];
    while (out.length < count) out.push(emptyChunk(tokenizer));
    return out;
  };
  return {
    cond: pad(cond.chunks),
    uncond: pad(uncond.chunks),
    condTokens: cond.tokenCount,
    uncondTokens: uncond.tokenCount,
  };
}

/**
 * For models whose U-Net takes exactly 77 context tokens: keeps the first chunk, the window A1111
 * encodes first (so the comma back-off and BREAK decisions stand), and reports how many prompt
 * tokens the other chunks held. The kept chunk already ends in EOS (+ padding).
 */
export function truncateToSingleChunk(chunks: readonly PromptChunk[]): { chunk: PromptChunk; droppedTokens: number } {
  const [first, ...rest] = chunks;
  if (first === undefined) throw new Error('truncateToSingleChunk needs at least one chunk');
  // A hand-built chunk without textTokens counts as full: overstating the loss is the safe side.
  const droppedTokens = rest.reduce((n, c) => n + (c.textTokens ?? CHUNK_LENGTH), 0);
  return { chunk: { ids: [...first.ids], weights: [...first.weights], ...textTokensOf(first) }, droppedTokens };
}

const textTokensOf = (chunk: PromptChunk): { textTokens?: number } =>
  chunk.textTokens === undefined ? {} : { textTokens: chunk.textTokens };

/** A1111's `get_target_prompt_token_count`: the counter's limit, 75 per chunk, at least 75. */
export function targetPromptTokenCount(tokenCount: number): number {
  return Math.ceil(Math.max(tokenCount, 1) / CHUNK_LENGTH) * CHUNK_LENGTH;
}

/**
 * The numbers behind A1111's prompt token counter ("23/75", "98/150"). Text longer than the
 * form's limit is not tokenized at all (the worker would spend seconds on it, and the job would
 * be refused anyway): the count comes back with `tooLong` set and zero tokens.
 */
export function countTokens(
  text: string,
  tokenizer: PromptTokenizer,
  options: TokenizeOptions = {},
): { used: number; limit: number; tooLong?: true } {
  if (text.length > LIMITS.promptChars) return { used: 0, limit: 0, tooLong: true };
  const { tokenCount } = tokenizePrompt(text, tokenizer, options);
  return { used: tokenCount, limit: targetPromptTokenCount(tokenCount) };
}

/** The counter's text, as A1111 shows it: `${used}/${limit}`; "too long" above the form's limit. */
export function formatTokenCount(count: { used: number; limit: number; tooLong?: boolean }): string {
  if (count.tooLong) return `too long (max ${LIMITS.promptChars.toLocaleString('en-US')} characters)`;
  return `${count.used}/${count.limit}`;
}
