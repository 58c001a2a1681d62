"""Procedural 'tiny shapes' dataset: 64x64 RGB, one shape on a plain background.

Everything is generated on the fly from a seeded numpy Generator.
"""
import math
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


def caption(a, rng, keep=None):
    """Random wording. Returns (text, dict of attributes actually mentioned)."""
    if keep is None:
        keep = {
            "size": rng.random() < 0.8,
            "position": rng.random() < 0.85,
            "background": rng.random() < 0.85,
            "color": rng.random() < 0.95,
        }
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


def canonical_prompt(a):
    sz = "big" if a["size"] == "big" else "small"
    pos = a["position"]
    pos_p = "in the center" if pos == "center" else (
        f"in the {pos} corner" if " " in pos else (f"at the {pos}" if pos in ("top", "bottom") else f"on the {pos}"))
    return f"a {sz} {a['color']} {a['shape']} {pos_p} on a {a['background']} background"


def all_words():
    """Every word in the caption grammar (used to build the BPE vocabulary)."""
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
