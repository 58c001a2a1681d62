/**
 * A1111's "infotext": the generation parameters it writes into a PNG's `parameters` text chunk
 * and shows under each image. Ported from stable-diffusion-webui's modules/infotext_utils.py
 * (`quote`, `unquote`, `parse_generation_parameters`, the `re_param` pattern) and the layout that
 * processing.py's `create_infotext` writes:
 *
 *   <prompt>
 *   Negative prompt: <negative prompt>          (only when not empty)
 *   Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 123, Size: 64x64, …
 *
 * Values containing `,`, `:` or a newline are written as JSON strings. When reading, the last line
 * counts as the parameter line only if it holds at least three `key: value` pairs; otherwise it
 * belongs to the prompt (A1111's rule), so a plain caption is never mistaken for parameters.
 */

/** A1111's `quote`: a value with `,`, `:` or a newline becomes a JSON string. */
export function quoteValue(value: string): string {
  if (!value.includes(',') && !value.includes('\n') && !value.includes(':')) return value;
  return JSON.stringify(value);
}

/** A1111's `unquote`: a JSON string back to its text; anything else (or bad JSON) unchanged. */
export function unquoteValue(value: string): string {
  if (value.length === 0 || value[0] !== '"' || value[value.length - 1] !== '"') return value;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'string' ? parsed : value;
  } catch {
    return value;
  }
}

export interface Infotext {
  prompt: string;
  negativePrompt: string;
  /** `key: value` pairs of the parameter line, in order, values unquoted. */
  entries: [key: string, value: string][];
}

/**
 * Writes an infotext as `create_infotext` does: entries whose value equals the key are written
 * bare (A1111 does this for flags), the rest as `key: quote(value)`; the whole text is trimmed.
 */
export function formatInfotext(info: Infotext): string {
  const line = info.entries.map(([k, v]) => (k === v ? k : `${k}: ${quoteValue(v)}`)).join(', ');
  const negative = info.negativePrompt ? `\nNegative prompt: ${info.negativePrompt}` : '';
  return `${info.prompt}${negative}\n${line}`.trim();
}

/**
 * Whitespace for `\s` and `str.strip()`: JavaScript's `\s` plus the separators Python also
 * counts (U+001C–U+001F, U+0085). Every member is one UTF-16 code unit.
 */
// eslint-disable-next-line no-control-regex -- Python counts these separators as whitespace
const SPACE = /^[\s\x1c-\x1f\x85]$/u;
const isSpace = (text: string, i: number) => SPACE.test(text.charAt(i));
/** `\w` of Python str patterns (Unicode letters, numbers, `_`). */
const KEY_START = /^[\p{L}\p{N}_]$/u;
/** The rest of a key: `[\w \-/]`. */
const KEY_CHAR = /^[\p{L}\p{N}_ \-/]$/u;

const codePointAt = (text: string, i: number) => String.fromCodePoint(text.codePointAt(i) ?? 0);
const width = (text: string, i: number) => ((text.codePointAt(i) ?? 0) > 0xffff ? 2 : 1);

/**
 * `re_param.findall(line)` from infotext_utils.py, where
 * `re_param = \s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)`, in linear time.
 *
 * As a backtracking regex this is quadratic: from every position of a long whitespace run, or of
 * a long run of key characters with no colon after it, the match rescans the run before failing,
 * and an unterminated quoted value rescans the rest of the line. The pattern is deterministic
 * enough to scan by hand with the same result:
 * - the key must run to the end of its maximal run of key characters (a shorter key is followed
 *   by a key character, not `:`), so each run is measured once;
 * - after `:` and the spaces, a quoted value is taken when its closing quote (escapes skipped) is
 *   followed by `,` or the end; otherwise the value is everything up to the next `,`. Closing
 *   quotes and next commas are precomputed right to left.
 * Positions advance by code point, as a Unicode regex does after a failed attempt.
 */
export function findParams(line: string): [string, string][] {
  const n = line.length;
  // closeQuote[i]: index of the first unescaped `"` scanning from i (`\\.` skips two), or -1.
  const closeQuote = new Int32Array(n + 2).fill(-1);
  // nextComma[i]: index of the first `,` at or after i, or n.
  const nextComma = new Int32Array(n + 1).fill(n);
  for (let i = n - 1; i >= 0; i--) {
    const c = line.charCodeAt(i);
    nextComma[i] = c === 0x2c ? i : (nextComma[i + 1] as number);
    if (c === 0x22) closeQuote[i] = i;
    else if (c === 0x5c) closeQuote[i] = i + 1 < n ? (closeQuote[i + 2] as number) : -1;
    else closeQuote[i] = closeQuote[i + 1] as number;
  }
  // keyRunEnd: the end of the run of key characters that position q starts, measured once per run.
  let runFrom = -1;
  let runEnd = -1;
  const keyRunEnd = (q: number): number => {
    if (q >= runFrom && q < runEnd) return runEnd;
    let j = q;
    while (j < n && KEY_CHAR.test(codePointAt(line, j))) j += width(line, j);
    runFrom = q;
    runEnd = j;
    return j;
  };

  const found: [string, string][] = [];
  let p = 0;
  // The whitespace run containing p is skipped once: remember where it ends.
  let spaceEnd = -1;
  while (p < n) {
    let q = p;
    if (q < spaceEnd) q = spaceEnd;
    else {
      while (q < n && isSpace(line, q)) q += 1;
      if (q > p) spaceEnd = q;
    }
    const keyStart = q;
    const ok = keyStart < n && KEY_START.test(codePointAt(line, keyStart));
    const afterFirst = ok ? keyStart + width(line, keyStart) : keyStart;
    const keyEnd = ok && afterFirst < n ? keyRunEnd(afterFirst) : afterFirst;
    if (!ok || keyEnd === afterFirst || line.charCodeAt(keyEnd) !== 0x3a) {
      p += width(line, p);
      continue;
    }
    let v = keyEnd + 1;
    while (v < n && isSpace(line, v)) v += 1;
    let value: string;
    let end: number;
    const close = line.charCodeAt(v) === 0x22 && v + 1 < n && line.charCodeAt(v + 1) !== 0x22 ? closeQuote[v + 1] : -1;
    if (close !== undefined && close >= 0 && (close + 1 === n || line.charCodeAt(close + 1) === 0x2c)) {
      value = line.slice(v, close + 1);
      end = close + 1;
    } else {
      end = nextComma[v] as number;
      value = line.slice(v, end);
    }
    found.push([line.slice(keyStart, keyEnd), value]);
    p = end < n ? end + 1 : n;
    spaceEnd = -1;
    runFrom = -1;
    runEnd = -1;
  }
  return found;
}

/** Python's str.strip(), by index (a regex `\s+$` is quadratic on whitespace inside the text). */
export function pyStrip(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isSpace(s, a)) a += 1;
  while (b > a && isSpace(s, b - 1)) b -= 1;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/**
 * `parse_generation_parameters`, minus A1111's defaults for its own features (hires fix, styles,
 * clip skip…): splits prompt, negative prompt and the parameter line. Never throws.
 */
export function parseInfotext(text: string): Infotext {
  const lines = pyStrip(text).split('\n');
  let last = lines.pop() ?? '';
  if (findParams(last).length < 3) {
    lines.push(last);
    last = '';
  }
  let prompt = '';
  let negativePrompt = '';
  let doneWithPrompt = false;
  for (const raw of lines) {
    let line = pyStrip(raw);
    if (line.startsWith('Negative prompt:')) {
      doneWithPrompt = true;
      line = pyStrip(line.slice('Negative prompt:'.length));
    }
    if (doneWithPrompt) negativePrompt += (negativePrompt === '' ? '' : '\n') + line;
    else prompt += (prompt === '' ? '' : '\n') + line;
  }
  const entries = findParams(last).map(([k, v]): [string, string] => {
    const value = v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? unquoteValue(v) : v;
    return [k, value];
  });
  return { prompt, negativePrompt, entries };
}
