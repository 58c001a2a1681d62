"""Procedural 'tiny shapes' dataset: 64x64 RGB, one shape on a plain background.

Everything is generated on the fly from a seeded numpy Generator.
"""
import math
import re
import numpy as np
from PIL import Image, ImageDraw

RES = 64
# CSS named colours
COLORS = {
    "red": (255, 0, 0), "orange": (255, 165, 0), "yellow": (255, 255, 0),
    "green": (0, 128, 0), "cyan": (0, 255, 255), "blue": (0, 0, 255),
    "purple": (128, 0, 128), "pink": (255, 192, 203), "white": (255, 255, 255),
    "black": (0, 0, 0), "gray": (128, 128, 128), "brown": (165, 42, 42),
}
COLOR_NAMES = list(COLORS)
SHAPES = ["circle", "square", "triangle", "star", "ring"]
SIZES = ["small", "big"]
POSITIONS = ["left", "right", "top", "bottom", "center",
             "top left", "top right", "bottom left", "bottom right"]
# fraction of image width covered by the object's bounding box
SIZE_RANGE = {"small": (0.17, 0.25), "big": (0.45, 0.55)}

# Held-out attribute combinations (never rendered during training).
HOLDOUT_COLOR_SHAPE = [
    ("red", "star"), ("blue", "triangle"), ("green", "ring"), ("yellow", "square"),
    ("purple", "circle"), ("orange", "ring"), ("pink", "triangle"), ("cyan", "star"),
]
HOLDOUT_COLOR_POSITION = [
    ("red", "top left"), ("blue", "bottom right"), ("white", "center"),
    ("green", "left"), ("brown", "top"), ("gray", "bottom left"),
]

COLOR_SYN = {"gray": ["gray", "grey"]}
SIZE_SYN = {"small": ["small", "little", "tiny"], "big": ["big", "large"]}
POS_PHRASES = {
    "left": ["on the left", "at the left", "left", "on the left side", "to the left"],
    "right": ["on the right", "at the right", "right", "on the right side", "to the right"],
    "top": ["at the top", "on top", "top", "at the top of the image", "in the top"],
    "bottom": ["at the bottom", "bottom", "at the bottom of the image", "in the bottom"],
    "center": ["in the center", "in the centre", "in the middle", "center", "centre",
               "middle", "at the center", "centered"],
}
for _v in ("top", "bottom"):
    for _h in ("left", "right"):
        p = f"{_v} {_h}"
        POS_PHRASES[p] = [f"in the {p} corner", f"at the {p}", f"{p}", f"in the {p}",
                          f"{p} corner", f"{_v}-{_h}"]


def is_held_out(a):
    return (a["color"], a["shape"]) in HOLDOUT_COLOR_SHAPE or \
        (a["color"], a["position"]) in HOLDOUT_COLOR_POSITION


def sample_attrs(rng, allow_holdout=False):
    while True:
        c = COLOR_NAMES[rng.integers(len(COLOR_NAMES))]
        bg = COLOR_NAMES[rng.integers(len(COLOR_NAMES))]
        if bg == c:
            continue
        a = {"shape": SHAPES[rng.integers(len(SHAPES))], "color": c, "background": bg,
             "size": SIZES[rng.integers(len(SIZES))],
             "position": POSITIONS[rng.integers(len(POSITIONS))]}
        if allow_holdout or not is_held_out(a):
            return a


def _star(cx, cy, r, n=5, inner=0.45):
    pts = []
    for k in range(2 * n):
        rr = r if k % 2 == 0 else r * inner
        ang = -math.pi / 2 + k * math.pi / n
        pts.append((cx + rr * math.cos(ang), cy + rr * math.sin(ang)))
    return pts


def render(a, rng, res=RES):
    """Render attributes to a uint8 HxWx3 array. Drawn at 4x then box-downsampled
    (light anti-aliasing only on edges; object interiors are exact colours)."""
    ss = 4
    S = res * ss
    img = Image.new("RGB", (S, S), COLORS[a["background"]])
    d = ImageDraw.Draw(img)
    lo, hi = SIZE_RANGE[a["size"]]
    w = rng.uniform(lo, hi) * res          # bbox width in output pixels
    half = w / 2
    margin = rng.uniform(1.0, 3.0)
    pos = a["position"]
    jit = lambda: rng.uniform(-2.5, 2.5)
    cx = res / 2 + jit()
    cy = res / 2 + jit()
    if "left" in pos:
        cx = margin + half
    if "right" in pos:
        cx = res - margin - half
    if "top" in pos:
        cy = margin + half
    if "bottom" in pos:
        cy = res - margin - half
    col = COLORS[a["color"]]
    cx, cy, half = cx * ss, cy * ss, half * ss
    sh = a["shape"]
    if sh == "circle":
        d.ellipse([cx - half, cy - half, cx + half, cy + half], fill=col)
    elif sh == "ring":
        d.ellipse([cx - half, cy - half, cx + half, cy + half], fill=col)
        h2 = half * 0.55
        d.ellipse([cx - h2, cy - h2, cx + h2, cy + h2], fill=COLORS[a["background"]])
    elif sh == "square":
        h = half * 0.92
        d.rectangle([cx - h, cy - h, cx + h, cy + h], fill=col)
    elif sh == "triangle":
        d.polygon([(cx, cy - half), (cx + half, cy + half), (cx - half, cy + half)], fill=col)
    elif sh == "star":
        # a 5-point star's bbox height is ~0.9 of its width; centre it in the box
        d.polygon(_star(cx, cy + half * 0.1, half / math.cos(math.radians(18))), fill=col)
    img = img.resize((res, res), Image.BOX)
    return np.asarray(img, dtype=np.uint8)


# ------------------------------------------------------------------ caption grammar
# Two disjoint grammars. TRAIN is what the model sees; HELD-OUT (the `_HO_*` lists and
# `HELD_OUT_TEMPLATES`) is only used for the held-out-phrasing eval: its carrier words, fillers,
# clause structures and colour/background/position constructions never occur in a training
# caption (`check_grammars_disjoint` asserts it at the start of every run). What must transfer is
# the *binding*: a colour word attached to "background"/"backdrop" is the background, any other
# colour word is the object's, wherever it sits in the sentence.

# Words the training grammar uses besides attributes (all become single BPE tokens).
TRAIN_FILLERS = ["picture", "image", "drawing", "illustration", "showing", "here", "just", "some",
                 "very", "simple", "plain", "flat", "clean", "icon", "art", "single", "only",
                 "nice", "good", "new", "shape", "object", "thing", "scene", "one", "view"]
# Held-out fillers: words a new user types that the vocabulary lacks (they become byte pieces).
HELD_OUT_FILLERS = ["please", "draw", "sits", "kindly", "make", "me", "lovely", "cute", "pretty",
                    "beautiful", "i", "want", "can", "you", "create", "render", "would", "like",
                    "show", "quick", "sketch", "thanks"]

_TRAIN_POS_CARRIERS = ["placed", "located", "positioned", "drawn", "set"]
_HO_POS_CARRIERS = ["sits", "sitting", "resting", "found"]


def _train_bg(c, pick):
    return pick([f"on a {c} background", f"{c} background", f"with a {c} background", f"on {c}",
                 f"against a {c} background", f"on a {c} backdrop", f"{c} backdrop",
                 f"background {c}", f"background: {c}", f"with {c} behind it",
                 f"over a {c} background", f"the background colour is {c}",
                 f"the background color is {c}", f"{c} all around", f"set on {c}",
                 f"with a {c} backdrop", f"background colour {c}", f"on a plain {c} background",
                 # a colour placed by a location word after the object is the background
                 f"{c} behind", f"{c} behind everything", f"{c} everywhere else", f"with {c} around it",
                 f"{c} around it", f"and {c} elsewhere"])


def _ho_bg(c, pick):
    return pick([f"the background is {c}", f"in front of a {c} background",
                 f"a background of {c}", f"the backdrop is {c}", f"{c} in the back"])


def _train_pos(p, pick, rng):
    ph = pick(POS_PHRASES[p])
    if rng.random() < 0.15:
        ph = pick(_TRAIN_POS_CARRIERS) + " " + ph
    return ph


def _ho_pos(p, pick, carrier=True):
    if p == "center":
        ph = pick(["near the center", "in the very middle", "at the centre of the picture",
                   "in the middle of the picture"])
    else:
        ph = pick([f"near the {p}", f"over at the {p}", f"toward the {p}",
                   f"in the {p} of the picture"])
    return pick(_HO_POS_CARRIERS) + " " + ph if carrier and pick([0, 1]) else ph


def _object_np(a, keep, pick, rng, held_out=False):
    """Noun phrase for the object: size/colour before or after the noun."""
    c = pick(COLOR_SYN.get(a["color"], [a["color"]])) if keep["color"] else None
    z = pick(SIZE_SYN[a["size"]]) if keep["size"] else None
    s = a["shape"]
    if held_out:
        forms = [lambda: [z, c, s]]
        if c:
            forms += [lambda: [z, s, "that is", c], lambda: [z, s, "in", c]]
            if z:
                forms += [lambda: [s, "that is", z, "and", c], lambda: [c, s, "that is", z]]
    else:
        forms = [lambda: [z, c, s], lambda: [c, z, s]]
        if z and c:
            forms += [lambda: [z + ",", c, s], lambda: [c, s + ",", z], lambda: [s + ",", z, "and", c],
                      lambda: [z, s, "which is", c]]
        if c:
            forms += [lambda: [z, s, pick(["coloured", "colored", "painted"]), c],
                      lambda: [z, s, "which is", c], lambda: [z, s, "of colour", c],
                      lambda: [z, c + "-coloured", s], lambda: [z, s, f"({c})"],
                      lambda: [z, s, "with the colour", c], lambda: [z, s + ",", "colour", c + ","],
                      # a colour after "is" can be the object's too (not only "the background colour is")
                      lambda: [z, s, pick(["is", ", it is", "- it is", "is all", "being"]), c]]
    words = " ".join(w for w in pick(forms)() if w)
    art = pick(["a", "a", "the", "one", ""] if not held_out else ["a", "a", "the"])
    if art == "a" and words[0] in "aeiou":
        art = "an"
    return (art + " " + words).strip()


_NO_JUNK = {"on": False}   # set while collecting the vocabulary (junk must stay out of it)


def _junk_word(rng):
    """A random letter string: stands for any word the vocabulary lacks (byte pieces)."""
    while True:
        n = int(rng.integers(2, 9))
        w = "".join(chr(ord("a") + int(rng.integers(26))) for _ in range(n))
        if w not in _RESERVED:
            return "" if _NO_JUNK["on"] else w


def random_keep(rng):
    """Which attributes a random caption mentions (the shape always is); both grammars draw it
    the same way, in this order, so a seed gives the same choice in either."""
    return {
        "size": rng.random() < 0.8,
        "position": rng.random() < 0.85,
        "background": rng.random() < 0.85,
        "color": rng.random() < 0.95,
    }


def caption(a, rng, keep=None):
    """Random training wording. Returns (text, dict of attributes actually mentioned)."""
    if keep is None:
        keep = random_keep(rng)
    pick = lambda xs: xs[rng.integers(len(xs))]
    obj = _object_np(a, keep, pick, rng)
    chunks = [obj]
    if keep["position"]:
        chunks.append(_train_pos(a["position"], pick, rng))
    if keep["background"]:
        bgc = pick(COLOR_SYN.get(a["background"], [a["background"]]))
        chunks.append(_train_bg(bgc, pick))
    # any order of the chunks (background first, position first, ...): the encoder must bind
    # colour words to their noun rather than rely on "first colour = object"
    if rng.random() < 0.5:
        order = rng.permutation(len(chunks))
        chunks = [chunks[i] for i in order]
    seps = [" ", " ", ", ", ", ", ". ", "; ", " and ", " - ", ": "]
    words_between = lambda: (pick(TRAIN_FILLERS) if rng.random() < 0.6 else _junk_word(rng))
    text = chunks[0]
    for ch in chunks[1:]:
        sep = pick(seps)
        if rng.random() < 0.12:
            sep = sep.rstrip() + " " + words_between() + " "
        text = text + sep + ch
    r = rng.random()
    if r < 0.25:
        text = pick(["a picture of ", "an image of ", "a drawing of ", "image: ", "here is ",
                     "showing ", "there is ", "an illustration of ", "picture: ", "a simple image of ",
                     "just ", "a view of "]) + text
    elif r < 0.35:
        text = _junk_word(rng) + " " + text
    if rng.random() < 0.1:
        # unknown or filler words anywhere must be ignored
        ws = text.split(" ")
        k = int(rng.integers(len(ws) + 1))
        ws.insert(k, words_between())
        text = " ".join(ws)
    if rng.random() < 0.2:
        text = text + pick([".", "!", " here", ".", "?", " " + _junk_word(rng)])
    if rng.random() < 0.08:
        text = text.upper() if rng.random() < 0.5 else text.capitalize()
    mentioned = {k: a[k] for k in ("shape", "color", "size", "position", "background")
                 if k == "shape" or keep.get(k)}
    return text, mentioned


# ------------------------------------------------------------------ first grammar (shipped U-Net)
def caption_v1(a, rng, keep=None):
    """The FIRST caption grammar (commit a529123), which trained the shipped U-Nets of
    models/tiny-shapes and (by distillation) tiny-shapes-turbo. Returns (text, attributes mentioned)."""
    if keep is None:
        keep = random_keep(rng)
    pick = lambda xs: xs[rng.integers(len(xs))]
    cname = lambda c: pick(COLOR_SYN.get(c, [c]))
    adjs = []
    if keep["size"]:
        adjs.append(pick(SIZE_SYN[a["size"]]))
    if keep["color"]:
        adjs.append(cname(a["color"]))
    if len(adjs) == 2 and rng.random() < 0.2:
        adjs = adjs[::-1]
    if len(adjs) == 2 and rng.random() < 0.15:
        adjs = [adjs[0] + ",", adjs[1]]
    noun = " ".join(adjs + [a["shape"]])
    art = pick(["a", "a", "an", "the", "one", ""])
    if art == "an" and not noun[0] in "aeiou":
        art = "a"
    if art == "a" and noun[0] in "aeiou":
        art = "an"
    obj = (art + " " + noun).strip()
    pos = pick(POS_PHRASES[a["position"]]) if keep["position"] else None
    bgc = cname(a["background"])
    bg = None
    if keep["background"]:
        bg = pick([f"on a {bgc} background", f"{bgc} background", f"with a {bgc} background",
                   f"on {bgc}", f"against a {bgc} background", f"on a {bgc} backdrop"])
    parts = [obj]
    extra = [p for p in (pos, bg) if p]
    if len(extra) == 2 and rng.random() < 0.4:
        extra = extra[::-1]
    sep = pick([" ", ", "])
    text = sep.join(parts + extra)
    if bg and rng.random() < 0.12 and not bg.startswith(("on ", "with", "against")):
        # "blue background, a red circle on the left"
        text = ", ".join([bg, sep.join([obj] + ([pos] if pos else []))])
    if rng.random() < 0.1:
        text = pick(["a picture of ", "an image of ", "a drawing of ", "image: "]) + text
    if rng.random() < 0.05:
        text = text + "."
    mentioned = {k: a[k] for k in ("shape", "color", "size", "position", "background")
                 if k == "shape" or keep.get(k)}
    return text, mentioned


def all_words_v1():
    """Every word of the first caption grammar: the shipped tokenizer's vocabulary (707 tokens)."""
    ws = set(COLOR_NAMES) | set(SHAPES) | {"grey", "little", "tiny", "big", "large",
                                             "small", "medium"}
    for ps in POS_PHRASES.values():
        for p in ps:
            ws |= set(p.replace("-", " ").split())
    ws |= {"a", "an", "the", "one", "on", "with", "against", "background", "backdrop",
           "picture", "image", "drawing", "of", "and", "in", "at", "corner", "side",
           "to", "two", "shape", "shapes", "photo", "centre", "center", "middle", "centered",
           "object", "colored", "coloured", "color", "colour", "plain", "simple", "is", "it",
           "this", "that", "there", "big", "upper", "lower", "bright", "dark", "light"}
    return sorted(ws)



# Held-out sentence templates ({o} object noun phrase, {p} position, {b} background phrase,
# {bc} bare background colour, {f} a held-out filler). None of their structures is in TRAIN.
HELD_OUT_TEMPLATES = [
    "the background is {bc} and there is {o} {p}",
    "{bc} background with {o} {p}",
    "please draw {o} {p}, {b}",
    "{o} sits {p}; the background is {bc}.",
    "{b}, and {o} {p}!",
    "can you make me {o} {p}? {b} please",
    "{bc} backdrop... {o}, {p}",
    "i want {o} {p} in front of a {bc} background",
    "{p} there is {o}; {b}",
    "draw {o} {p} -- {b}, thanks",
    "{f} {o}, {f} {p}, {b}",
    "on {bc}: {o} {p}, {f} {f}",
]


def held_out_caption(a, rng, template):
    pick = lambda xs: xs[rng.integers(len(xs))]
    keep = {"size": True, "position": True, "background": True, "color": True}
    o = _object_np(a, keep, pick, rng, held_out=True)
    bc = pick(COLOR_SYN.get(a["background"], [a["background"]]))
    text = template
    while "{f}" in text:
        text = text.replace("{f}", pick(HELD_OUT_FILLERS), 1)
    p = _ho_pos(a["position"], pick, carrier="sits" not in template)
    return text.format(o=o, p=p, b=_ho_bg(bc, pick), bc=bc)


def held_out_phrasing_set(seed=4321, n=64):
    """Deterministic held-out-PHRASING eval prompts: attribute combinations from the training
    distribution, wordings from the held-out grammar only."""
    rng = np.random.default_rng(seed)
    items = []
    for i in range(n):
        a = sample_attrs(rng)
        t = HELD_OUT_TEMPLATES[i % len(HELD_OUT_TEMPLATES)]
        items.append({"prompt": held_out_caption(a, rng, t), "expected": a, "template": t})
    return items


# n-grams that only the held-out grammar may produce
HELD_OUT_MARKERS = ["that is", "the background is", "the backdrop is", "in front of", "background of",
                    "sits", "sitting", "resting", "found", "near the", "over at", "toward",
                    "very middle", "of the picture", "thanks", "backdrop...", " -- ", "in the back"] + \
                   [f" in {c}" for c in COLOR_NAMES + ["grey"]]


# words only the held-out grammar may use (never in the vocabulary, never a junk word)
_RESERVED = set(HELD_OUT_FILLERS) | set(_HO_POS_CARRIERS) | {"that", "front", "toward", "near",
                                                              "very", "picture"} - set(TRAIN_FILLERS)


def check_grammars_disjoint(n=20000, seed=77):
    """Raise if any training caption contains a held-out marker or held-out filler word.
    (Junk words are random letters and may by chance spell a short held-out word; those are
    re-drawn, see `_junk_word` users.)"""
    rng = np.random.default_rng(seed)
    ho_words = set(HELD_OUT_FILLERS) | set(_HO_POS_CARRIERS)
    bad = 0
    for _ in range(n):
        a = sample_attrs(rng)
        t, _m = caption(a, rng)
        tl = " " + t.lower() + " "
        for m in HELD_OUT_MARKERS:
            ms = m.strip()
            hit = re.search(r"\b" + re.escape(ms) + r"\b", tl) if ms[0].isalpha() and ms[-1].isalpha() else m in tl
            if hit:
                raise AssertionError(f"held-out marker {m!r} in training caption {t!r}")
        ws = set(tl.replace(",", " ").replace(".", " ").split())
        bad += len(ws & ho_words)
    return bad / n


def canonical_prompt(a):
    sz = "big" if a["size"] == "big" else "small"
    pos = a["position"]
    pos_p = "in the center" if pos == "center" else (
        f"in the {pos} corner" if " " in pos else (f"at the {pos}" if pos in ("top", "bottom") else f"on the {pos}"))
    return f"a {sz} {a['color']} {a['shape']} {pos_p} on a {a['background']} background"


def all_words():
    """Every word the TRAINING caption grammar produces (the BPE vocabulary makes each one token;
    held-out words stay byte pieces, like the junk words training teaches the model to ignore)."""
    rng = np.random.default_rng(0)
    ws = set(COLOR_NAMES) | set(SHAPES) | {"grey", "little", "tiny", "big", "large", "small"}
    for ps in POS_PHRASES.values():
        for p in ps:
            ws |= set(p.replace("-", " ").split())
    _NO_JUNK["on"] = True
    try:
        for _ in range(30000):
            t, _m = caption(sample_attrs(rng), rng)
            for w in "".join(ch if ch.isalpha() else " " for ch in t.lower()).split():
                ws.add(w)
    finally:
        _NO_JUNK["on"] = False
    leaked = ws & _RESERVED
    assert not leaked, f"held-out words in the training vocabulary: {leaked}"
    return sorted(ws)


def holdout_eval_set(seed=1234, n=48):
    """Deterministic list of held-out eval prompts + expected attributes."""
    rng = np.random.default_rng(seed)
    items = []
    # every held-out (colour, shape) pair, several times with different attrs
    combos = []
    for c, s in HOLDOUT_COLOR_SHAPE:
        combos.append({"color": c, "shape": s})
    for c, p in HOLDOUT_COLOR_POSITION:
        combos.append({"color": c, "position": p})
    i = 0
    while len(items) < n:
        base = combos[i % len(combos)]
        i += 1
        a = sample_attrs(rng, allow_holdout=True)
        a.update(base)
        while a["background"] == a["color"]:
            a["background"] = COLOR_NAMES[rng.integers(len(COLOR_NAMES))]
        items.append({"prompt": canonical_prompt(a), "expected": a,
                      "held_out": [k for k in ("color_shape", "color_position")
                                   if (k == "color_shape" and (a["color"], a["shape"]) in HOLDOUT_COLOR_SHAPE)
                                   or (k == "color_position" and (a["color"], a["position"]) in HOLDOUT_COLOR_POSITION)]})
    return items


if __name__ == "__main__":
    print("training captions with a held-out word (per caption):", check_grammars_disjoint())
    r = np.random.default_rng(1)
    for _ in range(25):
        print("TRAIN   ", caption(sample_attrs(r), r)[0])
    for it in held_out_phrasing_set()[:24]:
        print("HELD-OUT", it["prompt"])
    print(len(all_words()), "vocabulary words")
