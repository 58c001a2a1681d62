"""CLIP-format byte-level BPE tokenizer (our own tiny vocabulary).

Behaviour follows openai/CLIP `simple_tokenizer.py` and the HF `tokenizers`
CLIP pipeline (tokenizer.json of openai/clip-vit-base-patch32):
  normalise: NFC -> collapse whitespace runs to one space -> lowercase
  pre-tokenise with CLIP's regex
      <|startoftext|>|<|endoftext|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+
  map UTF-8 bytes to printable unicode (GPT-2 `bytes_to_unicode`)
  BPE where the last symbol of each word carries the suffix "</w>", merging
  the lowest-ranked pair first (all non-overlapping occurrences, left to right)
  wrap with <|startoftext|> ... <|endoftext|>, pad with <|endoftext|>.
Written from the description of the format; no code copied.
The Debian image has no `regex` module, so the \\p{L}/\\p{N} regex is
emulated with a small scanner using unicodedata categories.
"""
import json
import unicodedata

BOS = "<|startoftext|>"
EOS = "<|endoftext|>"
MAX_LEN = 77
CONTRACTIONS = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"]
CLIP_PATTERN = (r"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|"
                r"[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+")


def bytes_to_unicode():
    """GPT-2/CLIP reversible byte -> printable unicode char table."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\xa1"), ord("\xac") + 1)) \
        + list(range(ord("\xae"), ord("\xff") + 1))
    chars = keep[:]
    n = 0
    for b in range(256):
        if b not in keep:
            keep.append(b)
            chars.append(256 + n)
            n += 1
    return dict(zip(keep, [chr(c) for c in chars]))


def _is_letter(c):
    return unicodedata.category(c).startswith("L")


def _is_number(c):
    return unicodedata.category(c).startswith("N")


def normalize(text):
    text = unicodedata.normalize("NFC", text)
    # HF: Replace(Regex("\s+"), " ") ; CLIP python: whitespace_clean
    text = " ".join(text.split()) if text.strip() else ""
    return text.lower()


def pre_tokenize(text):
    """Emulates CLIP's regex (leftmost alternative wins, as in a regex engine)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        m = None
        for lit in (BOS, EOS):
            if text.startswith(lit, i):
                m = lit
                break
        if m is None:
            for con in CONTRACTIONS:
                if text.startswith(con, i):
                    m = con
                    break
        if m is None:
            j = i
            if _is_letter(c):
                while j < n and _is_letter(text[j]):
                    j += 1
            elif _is_number(c):
                j = i + 1
            else:
                while j < n and not (text[j].isspace() or _is_letter(text[j]) or _is_number(text[j])):
                    j += 1
            m = text[i:j]
        out.append(m)
        i += len(m)
    return out


def word_symbols(byte_word):
    return list(byte_word[:-1]) + [byte_word[-1] + "</w>"]


def learn_merges(words):
    """Greedy BPE training on a word list until every word is a single symbol.
    Deterministic (ties broken by count, then lexicographically)."""
    b2u = bytes_to_unicode()
    seqs = []
    for w in sorted(set(words)):
        bw = "".join(b2u[b] for b in w.encode("utf-8"))
        seqs.append(word_symbols(bw))
    merges = []
    while True:
        counts = {}
        for s in seqs:
            for a, b in zip(s, s[1:]):
                counts[(a, b)] = counts.get((a, b), 0) + 1
        if not counts:
            break
        best = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        merges.append(best)
        new = []
        for s in seqs:
            out, i = [], 0
            while i < len(s):
                if i < len(s) - 1 and (s[i], s[i + 1]) == best:
                    out.append(s[i] + s[i + 1])
                    i += 2
                else:
                    out.append(s[i])
                    i += 1
            new.append(out)
        seqs = [s for s in new if len(s) > 1]
    return merges


class CLIPTokenizer:
    def __init__(self, vocab, merges):
        self.encoder = dict(vocab)
        self.decoder = {v: k for k, v in self.encoder.items()}
        self.ranks = {tuple(m): i for i, m in enumerate(merges)}
        self.merges = [tuple(m) for m in merges]
        self.b2u = bytes_to_unicode()
        self.bos_id = self.encoder[BOS]
        self.eos_id = self.encoder[EOS]
        self.pad_id = self.eos_id
        self.cache = {}

    @classmethod
    def build(cls, words):
        merges = learn_merges(words)
        b2u = bytes_to_unicode()
        base = [b2u[b] for b in sorted(b2u)]  # CLIP orders by byte value
        # openai CLIP: vocab = bytes, bytes+</w>, merged tokens, specials
        tokens = base + [t + "</w>" for t in base] + ["".join(m) for m in merges] + [BOS, EOS]
        vocab = {}
        for t in tokens:
            assert t not in vocab, t
            vocab[t] = len(vocab)
        return cls(vocab, merges)

    @classmethod
    def load(cls, folder):
        with open(f"{folder}/vocab.json", encoding="utf-8") as f:
            vocab = json.load(f)
        with open(f"{folder}/merges.txt", encoding="utf-8") as f:
            lines = f.read().split("\n")
        merges = [tuple(l.split()) for l in lines[1:] if l.strip()]
        return cls(vocab, merges)

    def bpe(self, word):
        if word in self.cache:
            return self.cache[word]
        syms = word_symbols(word)
        while len(syms) > 1:
            pairs = set(zip(syms, syms[1:]))
            best = min(pairs, key=lambda p: self.ranks.get(p, float("inf")))
            if best not in self.ranks:
                break
            out, i = [], 0
            while i < len(syms):
                if i < len(syms) - 1 and (syms[i], syms[i + 1]) == best:
                    out.append(syms[i] + syms[i + 1])
                    i += 2
                else:
                    out.append(syms[i])
                    i += 1
            syms = out
        self.cache[word] = syms
        return syms

    def encode(self, text, truncate=True):
        """Ids with BOS/EOS, unpadded; truncated to 77 (EOS kept last) unless truncate=False."""
        ids = [self.bos_id]
        for piece in pre_tokenize(normalize(text)):
            if piece in (BOS, EOS):
                ids.append(self.encoder[piece])
                continue
            bw = "".join(self.b2u[b] for b in piece.encode("utf-8"))
            ids.extend(self.encoder[s] for s in self.bpe(bw))
        if truncate:
            ids = ids[:MAX_LEN - 1]
        return ids + [self.eos_id]

    def __call__(self, texts, length=MAX_LEN):
        out = []
        for t in texts:
            ids = self.encode(t)[:length]
            out.append(ids + [self.pad_id] * (length - len(ids)))
        return out

    # ---- file writers ----------------------------------------------------
    def save(self, folder):
        import os
        os.makedirs(folder, exist_ok=True)
        with open(f"{folder}/vocab.json", "w", encoding="utf-8") as f:
            json.dump(self.encoder, f, ensure_ascii=False)
        with open(f"{folder}/merges.txt", "w", encoding="utf-8") as f:
            f.write("#version: 0.2\n")
            f.write("\n".join(f"{a} {b}" for a, b in self.merges) + "\n")
        special = {
            "bos_token": BOS, "eos_token": EOS, "unk_token": EOS, "pad_token": EOS,
        }
        with open(f"{folder}/special_tokens_map.json", "w") as f:
            json.dump(special, f, indent=2)
        cfg = {
            "tokenizer_class": "CLIPTokenizer",
            "model_max_length": MAX_LEN,
            "bos_token": BOS, "eos_token": EOS, "unk_token": EOS, "pad_token": EOS,
            "do_lower_case": True,
            "add_prefix_space": False,
            "errors": "replace",
            "clean_up_tokenization_spaces": True,
            "added_tokens_decoder": {
                str(self.bos_id): {"content": BOS, "lstrip": False, "normalized": True,
                                   "rstrip": False, "single_word": False, "special": True},
                str(self.eos_id): {"content": EOS, "lstrip": False, "normalized": True,
                                   "rstrip": False, "single_word": False, "special": True},
            },
        }
        with open(f"{folder}/tokenizer_config.json", "w") as f:
            json.dump(cfg, f, indent=2)
        # HF tokenizers format, structure as in openai/clip-vit-base-patch32's tokenizer.json
        tj = {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": [
                {"id": self.bos_id, "content": BOS, "single_word": False, "lstrip": False,
                 "rstrip": False, "normalized": True, "special": True},
                {"id": self.eos_id, "content": EOS, "single_word": False, "lstrip": False,
                 "rstrip": False, "normalized": True, "special": True},
            ],
            "normalizer": {"type": "Sequence", "normalizers": [
                {"type": "NFC"},
                {"type": "Replace", "pattern": {"Regex": "\\s+"}, "content": " "},
                {"type": "Lowercase"},
            ]},
            "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
                {"type": "Split", "pattern": {"Regex": CLIP_PATTERN},
                 "behavior": "Removed", "invert": True},
                {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                 "use_regex": False},
            ]},
            "post_processor": {"type": "RobertaProcessing",
                               "sep": [EOS, self.eos_id], "cls": [BOS, self.bos_id],
                               "trim_offsets": False, "add_prefix_space": False},
            "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                        "use_regex": True},
            "model": {"type": "BPE", "dropout": None, "unk_token": EOS,
                      "continuing_subword_prefix": "", "end_of_word_suffix": "</w>",
                      "fuse_unk": False, "byte_fallback": False,
                      "vocab": self.encoder,
                      "merges": [f"{a} {b}" for a, b in self.merges]},
        }
        with open(f"{folder}/tokenizer.json", "w", encoding="utf-8") as f:
            json.dump(tj, f, ensure_ascii=False, indent=1)
