/**
 * Glue from transformers.js' tokenizer to the pure `PromptTokenizer` seam in `src/prompt/`.
 *
 * It lives in runtime/ because `@huggingface/transformers` imports onnxruntime (web or node) at
 * module load. The import is dynamic so that a browser bundle keeps transformers.js (and the
 * ORT glue it pulls in) in a chunk of its own, loaded when a model's tokenizer is first needed;
 * in Node (tsx, Vitest) the package's node build is used. Nothing is fetched: the caller passes
 * the two JSON files it already has (no `from_pretrained`, no Hub access).
 *
 * What A1111 does, and how it maps here (stable-diffusion-webui `modules/sd_hijack_clip.py`,
 * `FrozenCLIPEmbedderWithCustomWords`):
 * - tokens: `tokenizer(texts, truncation=False, add_special_tokens=False)` → `encode(text,
 *   { add_special_tokens: false })`, which never truncates (long prompts are chunked by us);
 * - `comma_token = vocab.get(',</w>')` → the same vocabulary lookup;
 * - `id_start`/`id_end` = the tokenizer's BOS/EOS ids; the pad id is the tokenizer config's
 *   `pad_token` (SD 1.x: `<|endoftext|>` = EOS; SD 2.x: `!` = 0), as diffusers pads.
 */
import type { PromptTokenizer } from '../prompt/index.ts';

export interface ClipTokenizerFiles {
  /** Parsed `tokenizer/tokenizer.json`. */
  tokenizerJson: unknown;
  /** Parsed `tokenizer/tokenizer_config.json`. */
  tokenizerConfig: unknown;
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** `tokenizer.json`'s `padding.pad_id`, when the file pins one. */
function padIdFromTokenizerJson(json: Record<string, unknown>): number | undefined {
  const padding = json['padding'];
  if (isRecord(padding) && typeof padding['pad_id'] === 'number') return padding['pad_id'];
  return undefined;
}

const isId = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;

export async function loadClipTokenizer(files: ClipTokenizerFiles): Promise<PromptTokenizer> {
  const { tokenizerJson, tokenizerConfig } = files;
  if (!isRecord(tokenizerJson)) throw new Error('tokenizer.json: expected a JSON object');
  if (!isRecord(tokenizerConfig)) throw new Error('tokenizer_config.json: expected a JSON object');

  const { PreTrainedTokenizer } = await import('@huggingface/transformers');
  const tokenizer = new PreTrainedTokenizer(tokenizerJson, tokenizerConfig);

  const vocab = tokenizer.get_vocab() as Map<string, number> | Record<string, number>;
  const lookup = (token: string): number | undefined =>
    vocab instanceof Map ? vocab.get(token) : Object.hasOwn(vocab, token) ? vocab[token] : undefined;

  // A config without bos_token/eos_token (the loader passes {} when tokenizer_config.json is
  // missing) still has CLIP's special tokens in the vocabulary: fall back to them.
  const configBos: unknown = tokenizer.bos_token_id;
  const configEos: unknown = tokenizer.eos_token_id;
  const bosId = isId(configBos) ? configBos : lookup('<|startoftext|>');
  const eosId = isId(configEos) ? configEos : lookup('<|endoftext|>');
  if (!isId(bosId) || !isId(eosId)) {
    throw new Error(
      `tokenizer: cannot find the BOS/EOS tokens (bos_token=${String(tokenizer.bos_token)}, eos_token=${String(tokenizer.eos_token)})`,
    );
  }
  // transformers.js resolves `pad_token` from the config (falling back to `eos_token`).
  const configPad: unknown = tokenizer.pad_token_id;
  const padId = isId(configPad) ? configPad : (padIdFromTokenizerJson(tokenizerJson) ?? eosId);

  let commaId: number | null = lookup(',</w>') ?? null;
  if (commaId === null) {
    // Not a CLIP-style vocabulary: take the comma's id if it is a single token.
    const ids = tokenizer.encode(',', { add_special_tokens: false });
    commaId = ids.length === 1 && isId(ids[0]) ? ids[0] : null;
  }

  return {
    bosId,
    eosId,
    padId,
    commaId,
    tokenize: (text: string): number[] => (text === '' ? [] : tokenizer.encode(text, { add_special_tokens: false })),
  };
}
