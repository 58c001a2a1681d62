/**
 * The seam between the pure prompt code and a real tokenizer. The app implements it with
 * transformers.js' CLIP tokenizer (`src/runtime/clip-tokenizer.ts`); tests use small fakes.
 */
export interface PromptTokenizer {
  /**
   * Token ids for `text` with no BOS/EOS and no truncation, as A1111 calls the HF tokenizer
   * (`truncation=False, add_special_tokens=False`). Must return [] for text with no tokens.
   */
  tokenize(text: string): number[];
  /** `<|startoftext|>`. */
  readonly bosId: number;
  /** `<|endoftext|>`. */
  readonly eosId: number;
  /**
   * What fills a chunk after its EOS: the model family's `pad_token` (SD 1.x: EOS, 49407;
   * SD 2.x / Turbo: "!", 0).
   */
  readonly padId: number;
  /** The id of a comma ending a word (`,</w>` in CLIP vocabularies), or null if there is none. */
  readonly commaId: number | null;
}
