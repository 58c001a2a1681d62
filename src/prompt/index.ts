/**
 * Prompt handling, pure: A1111's attention syntax, 75-token chunking with BREAK and comma
 * back-off, emphasis weighting of the text-encoder output, and Ctrl+↑/↓ attention editing.
 */
export { parsePromptAttention } from './parse-prompt-attention.ts';
export type { PromptTokenizer } from './prompt-tokenizer.ts';
export {
  CHUNK_IDS,
  CHUNK_LENGTH,
  COMMA_PADDING_BACKTRACK,
  countTokens,
  emptyChunk,
  encodePromptPair,
  formatTokenCount,
  targetPromptTokenCount,
  tokenizePrompt,
  truncateToSingleChunk,
  type EncodedPromptPair,
  type PromptChunk,
  type TokenizedPrompt,
  type TokenizeOptions,
} from './prompt-chunks.ts';
export { applyEmphasis, concatChunks, float32Mean } from './emphasis.ts';
export {
  DEFAULT_ATTENTION_STEP,
  DEFAULT_DELIMITERS,
  DEFAULT_EXTRA_STEP,
  editAttention,
  type EditAttentionOptions,
  type EditAttentionResult,
} from './edit-attention.ts';
