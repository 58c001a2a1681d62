/**
 * AUTOMATIC1111's prompt attention syntax, ported from `parse_prompt_attention` in
 * stable-diffusion-webui `modules/prompt_parser.py` (the version whose weight syntax allows
 * spaces, `(word: 1.2 )`). Golden values are A1111's own doctests, reproduced in
 * `parse-prompt-attention.test.ts`.
 *
 *   (text)      weight × 1.1          [text]      weight ÷ 1.1 (× 1/1.1, as A1111 computes it)
 *   (text:1.5)  weight × 1.5          \( \) \[ \] \\   the literal character
 *   BREAK       (uppercase, a whole word) → the entry ['BREAK', -1]
 *
 * Brackets left open at the end of the text are closed there with their default multiplier; a
 * closing bracket with nothing open is plain text. Adjacent entries of equal weight are merged.
 *
 * The arithmetic is the same IEEE double arithmetic Python uses (multiplications in the same
 * order), so the weights are bit-identical to A1111's, e.g. `((house:1.3))` inside one more open
 * `(` gives 1.5730000000000004.
 *
 * Where JavaScript and Python regular expressions differ, the Python meaning is spelled out:
 * - Python's `\s` (str patterns) is `str.isspace()`; JS `\s` lacks U+001C–U+001F and U+0085 and
 *   adds U+FEFF. {@link PY_SPACE} lists Python's set.
 * - Python's `\b` is Unicode-aware (`\w` = letters, numbers, `_`); JS `\b` is ASCII-only, so the
 *   BREAK boundary is written with Unicode look-arounds.
 * Known divergences, both on inputs A1111 itself mishandles:
 * - A1111's `[.\d]` also matches non-ASCII decimal digits (`(a:١.٥)`); here weights use ASCII
 *   digits only, and such text stays plain text.
 * - A weight that matches `[+-]?[.\d]+` but is not a number (`(a:1.2.3)`, `(a:.)`) makes A1111
 *   raise ValueError and fail the whole generation. We instead read the `:` as plain text and go
 *   on, as the regex's next alternative would; the closing `)` then applies ×1.1. A prompt box
 *   that re-parses on every keystroke must not throw.
 * - More than {@link MAX_BRACKET_NESTING} brackets open at once: the deeper ones are text (and
 *   such prompts are refused before generating), which keeps the parse linear.
 *
 * Linear time: A1111's `re_break` split and its merge loop are quadratic (a whitespace run is
 * rescanned from each of its positions; `del res[i + 1]` shifts the list); both are rewritten
 * here with the same results (fuzzed against the regex transcription in
 * tests/node/fuzz-parsers.test.ts).
 */

/** Python's whitespace (`str.isspace()`), as a character-class body. */
const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

/**
 * `re_attention`, alternative for alternative and in the same order (leftmost alternative wins in
 * both engines). Group 1 is the explicit weight.
 */
const RE_ATTENTION = new RegExp(
  [
    '\\\\\\(', // \(
    '\\\\\\)', // \)
    '\\\\\\[', // \[
    '\\\\\\]', // \]
    '\\\\\\\\', // \\
    '\\\\', // a lone backslash (A1111 drops it)
    '\\(',
    '\\[',
    `:[${PY_SPACE}]*([+-]?[.0-9]+)[${PY_SPACE}]*\\)`,
    '\\)',
    '\\]',
    '[^\\\\()\\[\\]:]+',
    ':',
  ].join('|'),
  'g',
);

/** Python's whitespace as a set of UTF-16 code units (every member is in the BMP). */
const PY_SPACE_CHARS = new RegExp(`^[${PY_SPACE}]$`);
const isPySpace = (unit: number): boolean => PY_SPACE_CHARS.test(String.fromCharCode(unit));
/** Python's Unicode `\w` (letters, numbers, `_`), on one code point. */
const WORD_CHAR = /^[\p{L}\p{N}_]$/u;

/** The code point that ends just before `index`, or '' at the start. */
function codePointBefore(text: string, index: number): string {
  if (index <= 0) return '';
  const low = text.charCodeAt(index - 1);
  if (index >= 2 && low >= 0xdc00 && low <= 0xdfff) {
    const high = text.charCodeAt(index - 2);
    if (high >= 0xd800 && high <= 0xdbff) return text.slice(index - 2, index);
  }
  return text.slice(index - 1, index);
}

/**
 * `re.split(re_break, text)` with `re_break` = `\s*\bBREAK\b\s*` (Python's Unicode `\s` and
 * `\b`), in linear time. The regex itself is quadratic in a backtracking engine: its leading `\s*`
 * rescans a whitespace run from every position of it. Scanning for the word BREAK and growing the
 * match over the whitespace on both sides gives the same leftmost-longest matches: a match starts
 * at the first space of the run before BREAK (but not inside the previous match) and ends after
 * the run that follows it.
 */
export function splitOnBreak(text: string): string[] {
  const parts: string[] = [];
  let partStart = 0;
  let from = 0;
  for (;;) {
    const at = text.indexOf('BREAK', from);
    if (at < 0) break;
    const end = at + 5;
    const before = codePointBefore(text, at);
    const after = String.fromCodePoint(text.codePointAt(end) ?? 0x20);
    if ((before !== '' && WORD_CHAR.test(before)) || (end < text.length && WORD_CHAR.test(after))) {
      from = at + 1;
      continue;
    }
    let start = at;
    while (start > partStart && isPySpace(text.charCodeAt(start - 1))) start -= 1;
    let stop = end;
    while (stop < text.length && isPySpace(text.charCodeAt(stop))) stop += 1;
    parts.push(text.slice(partStart, start));
    partStart = stop;
    from = stop;
  }
  parts.push(text.slice(partStart));
  return parts;
}

const ROUND_BRACKET_MULTIPLIER = 1.1;
const SQUARE_BRACKET_MULTIPLIER = 1 / 1.1;

/** Python's `float()` on a string of `[+-]?[.0-9]+`: a number, or null where Python raises. */
function parsePythonFloat(text: string): number | null {
  // Number() accepts exactly the same spellings here ("1.", ".5", "+.5", "007") and rounds the
  // same way (correctly rounded to the nearest double); "." and "1.2.3" give NaN.
  const value = Number(text);
  return Number.isNaN(value) ? null : value;
}

/**
 * Splits a prompt into (text, weight) runs exactly as A1111's `parse_prompt_attention`.
 * `['BREAK', -1]` entries mark chunk breaks (see `tokenizePrompt`).
 */
export function parsePromptAttention(text: string): Array<[string, number]> {
  return parseWithDepth(text).runs;
}

/**
 * Most brackets open at once that are honoured. Closing a bracket multiplies every run inside it,
 * so the work is runs × depth: quadratic for `(a(a(a…`, and inherent in A1111's float order (each
 * run's weight is a product taken in closing order, with a rounding at every step, so runs cannot
 * share partial products). Bounding the depth bounds the work at 100 × the number of runs. A
 * deeper open bracket is read as text; prompts that nest deeper are refused by
 * `promptWeightProblem` (A1111 prompts nest a handful deep; 100 × ×1.1 is already 13,780, over the weight limit).
 */
export const MAX_BRACKET_NESTING = 100;

function parseWithDepth(text: string): { runs: Array<[string, number]>; tooDeep: boolean } {
  let tooDeep = false;
  const res: Array<[string, number]> = [];
  const roundBrackets: number[] = [];
  const squareBrackets: number[] = [];

  const multiplyRange = (start: number, multiplier: number): void => {
    for (let p = start; p < res.length; p++) {
      const entry = res[p] as [string, number];
      entry[1] *= multiplier;
    }
  };

  const appendText = (plain: string): void => {
    // re.split(re_break, text): a BREAK entry between the parts, empty parts kept.
    const parts = splitOnBreak(plain);
    parts.forEach((part, i) => {
      if (i > 0) res.push(['BREAK', -1]);
      res.push([part, 1.0]);
    });
  };

  const re = new RegExp(RE_ATTENTION.source, RE_ATTENTION.flags);
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const token = m[0];
    const weightText = m[1];

    if (token.startsWith('\\')) {
      res.push([token.slice(1), 1.0]);
    } else if (
      (token === '(' || token === '[') &&
      roundBrackets.length + squareBrackets.length >= MAX_BRACKET_NESTING
    ) {
      tooDeep = true;
      appendText(token);
    } else if (token === '(') {
      roundBrackets.push(res.length);
    } else if (token === '[') {
      squareBrackets.push(res.length);
    } else if (weightText !== undefined && roundBrackets.length > 0) {
      const weight = parsePythonFloat(weightText);
      if (weight === null) {
        // See the module comment: A1111 raises here; we take the ':' as text and rescan after it.
        appendText(':');
        re.lastIndex = m.index + 1;
        continue;
      }
      multiplyRange(roundBrackets.pop() as number, weight);
    } else if (token === ')' && roundBrackets.length > 0) {
      multiplyRange(roundBrackets.pop() as number, ROUND_BRACKET_MULTIPLIER);
    } else if (token === ']' && squareBrackets.length > 0) {
      multiplyRange(squareBrackets.pop() as number, SQUARE_BRACKET_MULTIPLIER);
    } else {
      appendText(token);
    }
  }

  // Unbalanced brackets: close them at the end, innermost last, in the order A1111 does.
  for (const pos of roundBrackets) multiplyRange(pos, ROUND_BRACKET_MULTIPLIER);
  for (const pos of squareBrackets) multiplyRange(pos, SQUARE_BRACKET_MULTIPLIER);

  if (res.length === 0) res.push(['', 1.0]);

  // Merge runs of identical weights (exact float equality, as in Python). One pass with a write
  // index: A1111's `del res[i + 1]` in a loop is quadratic on many equal-weight runs.
  let kept = 0;
  for (let i = 1; i < res.length; i++) {
    const a = res[kept] as [string, number];
    const b = res[i] as [string, number];
    if (a[1] === b[1]) a[0] += b[0];
    else res[++kept] = b;
  }
  res.length = kept + 1;
  return { runs: res, tooDeep };
}

/**
 * A sentence when some run of `text` gets a weight that cannot be computed with: not finite
 * (`(a:1` followed by 320 zeros `)` is Infinity) or beyond ±`max` (float32 products overflow in
 * the emphasis step, and the image comes out black). Null when every weight is usable.
 */
export function promptWeightProblem(text: string, max: number): string | null {
  const { runs, tooDeep } = parseWithDepth(text);
  if (tooDeep) {
    return `brackets are nested more than ${MAX_BRACKET_NESTING} deep; close some of them.`;
  }
  for (const [run, weight] of runs) {
    if (weight === -1 && run === 'BREAK') continue;
    if (!Number.isFinite(weight) || Math.abs(weight) > max) {
      const shown = run.length > 24 ? `${run.slice(0, 24)}…` : run;
      return `the weight of "${shown}" is ${String(weight)}; weights must be between -${max} and ${max}. Lower the number after the colon, or use fewer brackets.`;
    }
  }
  return null;
}
