/**
 * X/Y/Z plot axes: which setting an axis varies and the values it takes, parsed from text the way
 * A1111's X/Y/Z plot does (scripts/xyz_grid.py: `csv_string_to_list_strip`, `re_range`,
 * `re_range_count` and their float forms in `Script.run.process_axis`, `apply_prompt`,
 * `fix_axis_seeds`, `format_value_add_label`). PURE.
 *
 * Value text, per comma-separated item (Python csv rules: `"a, b"` is one item when the quote
 * opens the item):
 *   `7, 9, 11`     listed values
 *   `1-5`          integers 1…5; floats: 1, 2, …, 5 (step 1)
 *   `1-10 (+2)`    1, 3, 5, 7, 9 (a signed step; floats `1-2 (+0.25)`)
 *   `1-10 [5]`     five values evenly spaced from 1 to 10 (numpy linspace; integers truncated)
 * Axes: Seed, Steps, CFG Scale, Sampler, Size (`64x64`, studio addition), Denoising (img2img
 * strength) and Prompt S/R (the first value is searched for; each value replaces it).
 */

export type AxisKind = 'nothing' | 'seed' | 'steps' | 'cfg' | 'sampler' | 'size' | 'denoising' | 'prompt-sr';

export interface AxisType {
  kind: AxisKind;
  /** A1111's label, written into infotext ("X Type: CFG Scale") and onto the grid. */
  label: string;
  /** Other names accepted when parsing ("CFG scale: 3, 7" from the CLI). */
  aliases: readonly string[];
  /** Whether grid labels are "Label: value" (A1111's format_value_add_label) or the value alone. */
  labelled: boolean;
}

export const AXIS_TYPES: readonly AxisType[] = Object.freeze([
  { kind: 'nothing', label: 'Nothing', aliases: ['none'], labelled: false },
  { kind: 'seed', label: 'Seed', aliases: [], labelled: true },
  { kind: 'steps', label: 'Steps', aliases: [], labelled: true },
  { kind: 'cfg', label: 'CFG Scale', aliases: ['cfg'], labelled: true },
  { kind: 'sampler', label: 'Sampler', aliases: [], labelled: false },
  { kind: 'size', label: 'Size', aliases: [], labelled: true },
  { kind: 'denoising', label: 'Denoising', aliases: ['denoising strength', 'strength'], labelled: true },
  { kind: 'prompt-sr', label: 'Prompt S/R', aliases: ['prompt sr', 's/r'], labelled: false },
]);

/** One value an axis takes, with the text the grid shows for it. */
export type AxisValue =
  | { kind: 'nothing' }
  | { kind: 'seed'; seed: string }
  | { kind: 'steps'; steps: number }
  | { kind: 'cfg'; cfg: number }
  | { kind: 'sampler'; sampler: string }
  | { kind: 'size'; width: number; height: number }
  | { kind: 'denoising'; strength: number }
  | { kind: 'prompt-sr'; search: string; replace: string };

export interface Axis {
  type: AxisType;
  /** The value text as typed (infotext "X Values"). */
  text: string;
  values: AxisValue[];
  labels: string[];
}

export class AxisError extends Error {}

/** Most values one axis may take, and most cells of a whole plot (each cell is one image). */
export const MAX_AXIS_VALUES = 64;
export const MAX_XYZ_CELLS = 100;

export interface AxisContext {
  /** Sampler ids and their A1111 labels (src/schedulers SAMPLERS). */
  samplers: readonly { id: string; label: string }[];
  /** Seed for `-1` or an empty item (A1111 fix_axis_seeds draws a random one). */
  randomSeed: () => string;
}

/**
 * Python's csv.reader over the text, rows chained, each field stripped (A1111's
 * csv_string_to_list_strip). A quote opens a quoted field only as a field's first character;
 * `""` inside one is a quote; text after the closing quote joins the field, as Python does.
 */
export function csvItems(text: string): string[] {
  const out: string[] = [];
  let field = '';
  let row: string[] = [];
  let state: 'start' | 'field' | 'quoted' | 'quote-in-quoted' = 'start';
  const endField = () => {
    row.push(field);
    field = '';
    state = 'start';
  };
  const endRow = () => {
    // Python's reader yields [] for a blank line and nothing for the empty string.
    if (state !== 'start' || row.length > 0) endField();
    out.push(...row);
    row = [];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (state === 'quoted') {
      if (c === '"') state = 'quote-in-quoted';
      else field += c;
      continue;
    }
    if (state === 'quote-in-quoted') {
      if (c === '"') {
        field += '"';
        state = 'quoted';
        continue;
      }
      state = 'field'; // fall through: the character after a closing quote
    }
    if (c === ',') endField();
    else if (c === '\n' || c === '\r') {
      endRow();
      if (c === '\r' && text[i + 1] === '\n') i++;
    } else if (c === '"' && state === 'start') state = 'quoted';
    else {
      field += c;
      state = 'field';
    }
  }
  if (state === 'quoted') throw new AxisError('a quoted value is not closed (missing ")');
  endRow();
  return out.map((s) => s.trim());
}

// A1111's patterns, ported as they are (the unescaped `.` in the float forms included).
const RE_RANGE = /^\s*([+-]?\s*\d+)\s*-\s*([+-]?\s*\d+)(?:\s*\(([+-]\d+)\s*\))?\s*$/;
const RE_RANGE_FLOAT = /^\s*([+-]?\s*\d+(?:.\d*)?)\s*-\s*([+-]?\s*\d+(?:.\d*)?)(?:\s*\(([+-]\d+(?:.\d*)?)\s*\))?\s*$/;
const RE_RANGE_COUNT = /^\s*([+-]?\s*\d+)\s*-\s*([+-]?\s*\d+)(?:\s*\[(\d+)\s*])?\s*$/;
const RE_RANGE_COUNT_FLOAT = /^\s*([+-]?\s*\d+(?:.\d*)?)\s*-\s*([+-]?\s*\d+(?:.\d*)?)(?:\s*\[(\d+(?:.\d*)?)\s*])?\s*$/;

/** Python int(): optional sign, digits, surrounding spaces; nothing else. */
function pyInt(text: string, what: string): number {
  const t = text.trim();
  if (!/^[+-]?\d+$/.test(t)) throw new AxisError(`"${text}" is not a whole number (${what})`);
  return Number(t);
}

/** Python float() for what a person types: decimals, optional exponent. */
function pyFloat(text: string, what: string): number {
  const t = text.trim();
  if (!/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(t))
    throw new AxisError(`"${text}" is not a number (${what})`);
  return Number(t);
}

/** Guards a range before it is expanded, so `1-1000000000` fails fast rather than filling memory. */
function checkCount(count: number, item: string) {
  if (!Number.isFinite(count) || count > MAX_AXIS_VALUES)
    throw new AxisError(
      `"${item}" makes ${Number.isFinite(count) ? count : 'too many'} values; an axis takes at most ${MAX_AXIS_VALUES}`,
    );
}

/** numpy.linspace(start, stop, num) as a list (endpoint included; num 1 gives [start]). */
function linspace(start: number, stop: number, num: number): number[] {
  if (num <= 0) return [];
  if (num === 1) return [start];
  const step = (stop - start) / (num - 1);
  return Array.from({ length: num }, (_, i) => (i === num - 1 ? stop : start + i * step));
}

/** Integer items: ranges expanded (Python range: end inclusive via +1, signed step), rest kept. */
export function expandIntItems(items: string[]): string[] {
  const out: string[] = [];
  for (const item of items) {
    const m = RE_RANGE.exec(item);
    const mc = m ? null : RE_RANGE_COUNT.exec(item);
    if (m) {
      const start = pyInt(m[1]!, item);
      const end = pyInt(m[2]!, item) + 1;
      const step = m[3] !== undefined ? pyInt(m[3], item) : 1;
      if (step === 0) throw new AxisError(`"${item}": the step of a range cannot be 0`);
      const count = Math.max(0, Math.ceil((end - start) / step));
      checkCount(count, item);
      for (let i = 0; i < count; i++) out.push(String(start + i * step));
    } else if (mc) {
      const start = pyInt(mc[1]!, item);
      const end = pyInt(mc[2]!, item);
      const num = mc[3] !== undefined ? pyInt(mc[3], item) : 1;
      checkCount(num, item);
      out.push(...linspace(start, end, num).map((x) => String(Math.trunc(x))));
    } else out.push(item);
  }
  return out;
}

/** A1111 rounds floats to 8 decimals when it formats them; values are kept rounded the same way. */
const round8 = (x: number) => Math.round(x * 1e8) / 1e8;

/** Float items: ranges expanded (numpy arange with end + step, or linspace), rest kept. */
export function expandFloatItems(items: string[]): string[] {
  const out: string[] = [];
  for (const item of items) {
    const m = RE_RANGE_FLOAT.exec(item);
    const mc = m ? null : RE_RANGE_COUNT_FLOAT.exec(item);
    if (m) {
      const start = pyFloat(m[1]!.replace(/\s+/g, ''), item);
      const end = pyFloat(m[2]!.replace(/\s+/g, ''), item);
      const step = m[3] !== undefined ? pyFloat(m[3], item) : 1;
      if (step === 0) throw new AxisError(`"${item}": the step of a range cannot be 0`);
      // numpy.arange(start, end + step, step): ceil((stop - start) / step) values.
      const count = Math.max(0, Math.ceil((end + step - start) / step));
      checkCount(count, item);
      for (let i = 0; i < count; i++) out.push(String(round8(start + i * step)));
    } else if (mc) {
      const start = pyFloat(mc[1]!.replace(/\s+/g, ''), item);
      const end = pyFloat(mc[2]!.replace(/\s+/g, ''), item);
      // A1111 reads the count with int(), so "[2.5]" is refused there as here.
      const num = mc[3] !== undefined ? pyInt(mc[3], item) : 1;
      checkCount(num, item);
      out.push(...linspace(start, end, num).map((x) => String(round8(x))));
    } else out.push(item);
  }
  return out;
}

export function findAxisType(name: string): AxisType | null {
  const key = name.trim().toLowerCase();
  return AXIS_TYPES.find((t) => t.label.toLowerCase() === key || t.aliases.includes(key)) ?? null;
}

const formatNumber = (x: number) => String(round8(x));

function valueOf(type: AxisType, item: string, context: AxisContext): AxisValue {
  const what = type.label;
  switch (type.kind) {
    case 'nothing':
      return { kind: 'nothing' };
    case 'seed': {
      // A1111 fix_axis_seeds: an empty item or -1 is a random seed, drawn once for the plot.
      if (item === '' || item === '-1') return { kind: 'seed', seed: context.randomSeed() };
      pyInt(item, what);
      if (item.trim().startsWith('-'))
        throw new AxisError(`"${item}" is not a seed (seeds are 0 or more; -1 is random)`);
      return { kind: 'seed', seed: BigInt(item.trim()).toString() };
    }
    case 'steps':
      return { kind: 'steps', steps: pyInt(item, what) };
    case 'cfg':
      return { kind: 'cfg', cfg: pyFloat(item, what) };
    case 'denoising':
      return { kind: 'denoising', strength: pyFloat(item, what) };
    case 'sampler': {
      // A1111 confirm_samplers: names case-insensitively; the studio also takes its ids.
      const key = item.toLowerCase();
      const found = context.samplers.find((s) => s.label.toLowerCase() === key || s.id === key);
      if (!found)
        throw new AxisError(`Unknown sampler: ${item} (one of ${context.samplers.map((s) => s.label).join(', ')})`);
      return { kind: 'sampler', sampler: found.id };
    }
    case 'size': {
      const m = /^(\d+)\s*[x×]\s*(\d+)$/i.exec(item);
      if (!m) throw new AxisError(`"${item}" is not a size (write WIDTHxHEIGHT, e.g. 64x64)`);
      return { kind: 'size', width: Number(m[1]), height: Number(m[2]) };
    }
    case 'prompt-sr':
      return { kind: 'prompt-sr', search: '', replace: item };
  }
}

function labelOf(type: AxisType, value: AxisValue, context: AxisContext): string {
  const text = (() => {
    switch (value.kind) {
      case 'nothing':
        return '';
      case 'seed':
        return value.seed;
      case 'steps':
        return String(value.steps);
      case 'cfg':
        return formatNumber(value.cfg);
      case 'denoising':
        return formatNumber(value.strength);
      case 'sampler':
        return context.samplers.find((s) => s.id === value.sampler)?.label ?? value.sampler;
      case 'size':
        return `${value.width}x${value.height}`;
      case 'prompt-sr':
        return value.replace;
    }
  })();
  return type.labelled ? `${type.label}: ${text}` : text;
}

/** Parses one axis from its type and value text; throws AxisError with a message for people. */
export function parseAxis(type: AxisType, text: string, context: AxisContext): Axis {
  if (type.kind === 'nothing') return { type, text: '', values: [{ kind: 'nothing' }], labels: [''] };
  let items = csvItems(text);
  if (type.kind === 'seed' || type.kind === 'steps') items = expandIntItems(items);
  else if (type.kind === 'cfg' || type.kind === 'denoising') items = expandFloatItems(items);
  if (items.length === 0) throw new AxisError(`the ${type.label} axis has no values`);
  // An empty item is a random seed on a seed axis (A1111); elsewhere a typo ("4,,20"), as there.
  if (type.kind !== 'seed' && type.kind !== 'prompt-sr' && items.includes(''))
    throw new AxisError(`the ${type.label} axis has an empty value (two commas in a row, or one at the end?)`);
  if (items.length > MAX_AXIS_VALUES)
    throw new AxisError(`the ${type.label} axis has ${items.length} values; an axis takes at most ${MAX_AXIS_VALUES}`);
  const values = items.map((item) => valueOf(type, item, context));
  if (type.kind === 'prompt-sr') {
    const search = items[0]!;
    if (search === '') throw new AxisError('Prompt S/R: the first value (the text to search for) is empty');
    for (const v of values) if (v.kind === 'prompt-sr') v.search = search;
  }
  return { type, text, values, labels: values.map((v) => labelOf(type, v, context)) };
}

/** "CFG Scale: 3, 7" → the axis (the CLI's --xyz-x; the type name before the first colon). */
export function parseAxisSpec(spec: string, context: AxisContext): Axis {
  const colon = spec.indexOf(':');
  if (colon < 0) throw new AxisError(`"${spec}" should be "Type: values", e.g. "CFG Scale: 3, 7"`);
  const name = spec.slice(0, colon);
  const type = findAxisType(name);
  if (!type)
    throw new AxisError(
      `Unknown axis type "${name.trim()}" (one of ${AXIS_TYPES.filter((t) => t.kind !== 'nothing')
        .map((t) => t.label)
        .join(', ')})`,
    );
  return parseAxis(type, spec.slice(colon + 1).trim(), context);
}
