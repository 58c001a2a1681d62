/**
 * The real tokenizer path: the shipped model's CLIP-format tokenizer files, loaded through
 * `loadClipTokenizer` (transformers.js), checked against the ids the trainer's Python tokenizer
 * wrote to training/tokenizer_golden.json, then through A1111 chunking.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodePromptPair, tokenizePrompt, type PromptTokenizer } from '../../src/prompt/index.ts';
import { loadClipTokenizer } from '../../src/runtime/clip-tokenizer.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tokenizerDir = `${root}models/tiny-shapes/tokenizer`;
const goldenPath = `${root}training/tokenizer_golden.json`;

const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

interface GoldenItem {
  text: string;
  /** BOS … EOS, unpadded (training/clip_tokenizer.py `encode`). */
  ids: number[];
  /** The first 76 ids + EOS, when the file has it. */
  ids_truncated_77?: number[];
}
interface Golden {
  bos_id?: number;
  eos_id?: number;
  pad_id?: number;
  items: GoldenItem[];
}

// Both the shipped tokenizer and the trainer's golden ids are committed: their absence is a failure.
describe('loadClipTokenizer on models/tiny-shapes/tokenizer', () => {
  let tok: PromptTokenizer;
  beforeAll(async () => {
    tok = await loadClipTokenizer({
      tokenizerJson: readJson(`${tokenizerDir}/tokenizer.json`),
      tokenizerConfig: readJson(`${tokenizerDir}/tokenizer_config.json`),
    });
  });

  it('reads BOS, EOS, pad and the comma (",</w>") from the files', () => {
    const json = readJson(`${tokenizerDir}/tokenizer.json`) as { model: { vocab: Record<string, number> } };
    const vocab = json.model.vocab;
    expect(tok.bosId).toBe(vocab['<|startoftext|>']);
    expect(tok.eosId).toBe(vocab['<|endoftext|>']);
    expect(tok.padId).toBe(tok.eosId); // SD 1.x-style config: pad_token is <|endoftext|>
    expect(tok.commaId).toBe(vocab[',</w>']);
  });

  it('adds no special tokens and never truncates', () => {
    expect(tok.tokenize('')).toEqual([]);
    expect(tok.tokenize('   ')).toEqual([]);
    const one = tok.tokenize('red');
    expect(one.length).toBeGreaterThan(0);
    expect(one).not.toContain(tok.bosId);
    expect(one).not.toContain(tok.eosId);
    const long = tok.tokenize(Array<string>(100).fill('red').join(' '));
    expect(long).toHaveLength(100 * one.length);
  });

  it('a comma after a word is the comma token', () => {
    expect(tok.tokenize('red, blue')).toContain(tok.commaId);
  });

  describe('matches training/tokenizer_golden.json', () => {
    const golden = readJson(goldenPath) as Golden;
    it('has items', () => expect(golden.items.length).toBeGreaterThan(0));
    it('special ids agree', () => {
      if (golden.bos_id !== undefined) expect(tok.bosId).toBe(golden.bos_id);
      if (golden.eos_id !== undefined) expect(tok.eosId).toBe(golden.eos_id);
      if (golden.pad_id !== undefined) expect(tok.padId).toBe(golden.pad_id);
    });
    it.each(golden.items.map((item) => [item.text, item] as const))('%j', (_text, item) => {
      // The trainer's encode() is BOS + tokens, cut to 76, + EOS.
      // The golden file stores untruncated ids (BOS … EOS) and the 77-token truncation
      // (first 76 + EOS); older files stored only the truncated form as `ids`.
      const full = [tok.bosId, ...tok.tokenize(item.text), tok.eosId];
      const truncated = [...full.slice(0, 76), tok.eosId];
      if (item.ids_truncated_77) {
        expect(full).toEqual(item.ids);
        expect(full.length > 77 ? truncated : full).toEqual(item.ids_truncated_77);
      } else {
        expect(full.length > 77 ? truncated : full).toEqual(item.ids);
      }
    });
    // Plain prompts (no attention syntax, under 76 tokens) must come out of A1111 chunking as the
    // trainer's ids padded to 77: the model was trained on exactly these.
    const plain = golden.items.filter((item) => item.ids.length < 77 && !/[()[\]\\]|\bBREAK\b/.test(item.text));
    it.each(plain.map((item) => [item.text, item] as const))('one chunk = trainer ids + padding: %j', (_text, item) => {
      const { chunks } = tokenizePrompt(item.text, tok);
      expect(chunks).toHaveLength(1);
      expect(chunks[0]?.ids).toEqual([...item.ids, ...Array<number>(77 - item.ids.length).fill(tok.padId)]);
    });
  });

  it('chunks a weighted prompt with the real tokenizer', () => {
    const { chunks } = tokenizePrompt('a (red:1.3) circle, [blue] background', tok);
    expect(chunks).toHaveLength(1);
    const c = chunks[0];
    if (!c) throw new Error('no chunk');
    const red = tok.tokenize('red');
    const at = c.ids.indexOf(red[0] as number);
    expect(at).toBeGreaterThan(0);
    expect(c.weights[at]).toBe(1.3);
    const blue = tok.tokenize('blue');
    expect(c.weights[c.ids.indexOf(blue[0] as number)]).toBe(1 / 1.1);
    expect(c.ids[0]).toBe(tok.bosId);
  });

  it('pads prompt and negative prompt to the same chunk count', () => {
    const pair = encodePromptPair(Array<string>(80).fill('red circle').join(', '), 'blue', tok);
    expect(pair.cond.length).toBeGreaterThan(1);
    expect(pair.uncond).toHaveLength(pair.cond.length);
  });
});

describe('loadClipTokenizer on a CLIP tokenizer built in the test', () => {
  // A tiny byte-level BPE vocabulary in the tokenizer.json layout of openai/clip-vit-base-patch32
  // (the same layout training/clip_tokenizer.py writes), with an SD 2.x-style config: pad "!".
  const bytes = ['!', ',', 'a', 'b', 'c'];
  const vocab: Record<string, number> = {};
  for (const t of [
    ...bytes,
    ...bytes.map((b) => `${b}</w>`),
    'ab',
    'ab</w>',
    'abc</w>',
    '<|startoftext|>',
    '<|endoftext|>',
  ]) {
    vocab[t] = Object.keys(vocab).length;
  }
  const special = (id: number, content: string) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: true,
    special: true,
  });
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      special(vocab['<|startoftext|>'] as number, '<|startoftext|>'),
      special(vocab['<|endoftext|>'] as number, '<|endoftext|>'),
    ],
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'NFC' },
        { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' },
        { type: 'Lowercase' },
      ],
    },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        {
          type: 'Split',
          pattern: {
            Regex:
              "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+",
          },
          behavior: 'Removed',
          invert: true,
        },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: {
      type: 'RobertaProcessing',
      sep: ['<|endoftext|>', vocab['<|endoftext|>']],
      cls: ['<|startoftext|>', vocab['<|startoftext|>']],
      trim_offsets: false,
      add_prefix_space: false,
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<|endoftext|>',
      continuing_subword_prefix: '',
      end_of_word_suffix: '</w>',
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges: ['a b', 'a b</w>', 'ab c</w>'],
    },
  };
  const tokenizerConfig = {
    tokenizer_class: 'CLIPTokenizer',
    model_max_length: 77,
    bos_token: '<|startoftext|>',
    eos_token: '<|endoftext|>',
    unk_token: '<|endoftext|>',
    pad_token: '!',
    do_lower_case: true,
  };

  it('takes pad from pad_token and the comma from ",</w>"', async () => {
    const tok = await loadClipTokenizer({ tokenizerJson, tokenizerConfig });
    expect(tok.bosId).toBe(vocab['<|startoftext|>']);
    expect(tok.eosId).toBe(vocab['<|endoftext|>']);
    expect(tok.padId).toBe(0);
    expect(tok.commaId).toBe(vocab[',</w>']);
  });

  it('tokenizes with CLIP BPE (lowercase, </w> word ends, merges) and no specials', async () => {
    const tok = await loadClipTokenizer({ tokenizerJson, tokenizerConfig });
    expect(tok.tokenize('ABC, ab  c')).toEqual([vocab['abc</w>'], vocab[',</w>'], vocab['ab</w>'], vocab['c</w>']]);
    const chunk = tokenizePrompt('abc', tok).chunks[0];
    expect(chunk?.ids.slice(0, 4)).toEqual([vocab['<|startoftext|>'], vocab['abc</w>'], vocab['<|endoftext|>'], 0]);
  });

  it('falls back to EOS when no pad_token is configured', async () => {
    const { pad_token: _ignored, ...noPad } = tokenizerConfig;
    const tok = await loadClipTokenizer({ tokenizerJson, tokenizerConfig: noPad });
    expect(tok.padId).toBe(tok.eosId);
  });

  it('finds BOS/EOS in the vocabulary when the config names none (missing tokenizer_config.json)', async () => {
    const tok = await loadClipTokenizer({ tokenizerJson, tokenizerConfig: {} });
    expect(tok.bosId).toBe(vocab['<|startoftext|>']);
    expect(tok.eosId).toBe(vocab['<|endoftext|>']);
    expect(tok.padId).toBe(tok.eosId);
  });

  it('rejects files that are not JSON objects', async () => {
    await expect(loadClipTokenizer({ tokenizerJson: null, tokenizerConfig })).rejects.toThrow(/tokenizer\.json/);
    await expect(loadClipTokenizer({ tokenizerJson, tokenizerConfig: [] })).rejects.toThrow(/tokenizer_config\.json/);
  });
});
