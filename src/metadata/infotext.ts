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

// re_param from infotext_utils.py; Python's `\w` on str is Unicode-aware, hence \p{L}\p{N}.
const PARAM_SOURCE = String.raw`\s*([\p{L}\p{N}_][\p{L}\p{N}_ \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)`;
const paramPattern = () => new RegExp(PARAM_SOURCE, 'gu');

function findParams(line: string): [string, string][] {
  return [...line.matchAll(paramPattern())].map((m) => [m[1] ?? '', m[2] ?? '']);
}

/** Python's str.strip(): whitespace at both ends, where whitespace includes \x1c–\x1f. */
// eslint-disable-next-line no-control-regex -- Python counts these separators as whitespace
const pyStrip = (s: string) => s.replace(/^[\s\x1c-\x1f\x85]+|[\s\x1c-\x1f\x85]+$/gu, '');

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
