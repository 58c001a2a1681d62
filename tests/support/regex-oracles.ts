/**
 * Reference implementations for the fuzz tests: the regex-based parsers as they were before the
 * hardening pass (a direct transcription of A1111's regular expressions). They are quadratic on
 * long whitespace or key runs, so the tests only run them on short inputs, as oracles: the
 * linear parsers in src/ must give exactly the same results.
 */

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

/** `re_break` = `\s*\bBREAK\b\s*` with Python's Unicode `\s` and `\b`. */
const RE_BREAK = new RegExp(`[${PY_SPACE}]*(?<![\\p{L}\\p{N}_])BREAK(?![\\p{L}\\p{N}_])[${PY_SPACE}]*`, 'u');

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
export function parsePromptAttentionRegex(text: string): Array<[string, number]> {
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
    const parts = plain.split(RE_BREAK);
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

  // Merge runs of identical weights (exact float equality, as in Python).
  let i = 0;
  while (i + 1 < res.length) {
    const a = res[i] as [string, number];
    const b = res[i + 1] as [string, number];
    if (a[1] === b[1]) {
      a[0] += b[0];
      res.splice(i + 1, 1);
    } else {
      i += 1;
    }
  }
  return res;
}

// ---- infotext (src/metadata/infotext.ts before): re_param and str.strip() as regexes ----
const PARAM_SOURCE = String.raw`\s*([\p{L}\p{N}_][\p{L}\p{N}_ \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)`;

export function findParamsRegex(line: string): [string, string][] {
  return [...line.matchAll(new RegExp(PARAM_SOURCE, 'gu'))].map((m) => [m[1] ?? '', m[2] ?? '']);
}

// eslint-disable-next-line no-control-regex -- Python counts these separators as whitespace
export const pyStripRegex = (s: string) => s.replace(/^[\s\x1c-\x1f\x85]+|[\s\x1c-\x1f\x85]+$/gu, '');
