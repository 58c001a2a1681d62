// Expected values are what A1111's scripts/xyz_grid.py gives (Python csv, range, numpy arange and
// linspace, computed with Debian's numpy), quirks included.
import { describe, expect, it } from 'vitest';
import { SAMPLERS } from '../schedulers/index.ts';
import {
  AxisError,
  csvItems,
  expandFloatItems,
  expandIntItems,
  findAxisType,
  MAX_AXIS_VALUES,
  parseAxis,
  parseAxisSpec,
} from './axes.ts';

const context = { samplers: SAMPLERS, randomSeed: () => '123456' };
const axis = (spec: string) => parseAxisSpec(spec, context);

describe('csvItems (Python csv.reader, stripped)', () => {
  it('splits, strips and honours quotes that open an item', () => {
    expect(csvItems('7, 9 ,11')).toEqual(['7', '9', '11']);
    expect(csvItems('"a, b", c')).toEqual(['a, b', 'c']);
    expect(csvItems('x,"he said ""hi""",y')).toEqual(['x', 'he said "hi"', 'y']);
    expect(csvItems('"ab"cd, e')).toEqual(['abcd', 'e']);
    expect(csvItems('a\nb, c')).toEqual(['a', 'b', 'c']);
    expect(csvItems('')).toEqual([]);
  });
  it('a quote after a space is text, as in Python', () => {
    expect(csvItems('a, "b, c"')).toEqual(['a', '"b', 'c"']);
  });
  it('an unclosed quote is an error', () => {
    expect(() => csvItems('"a, b')).toThrow(/not closed/);
  });
});

describe('integer ranges', () => {
  it('expands a-b, a-b (+s) and a-b [n]', () => {
    expect(expandIntItems(['1-5'])).toEqual(['1', '2', '3', '4', '5']);
    expect(expandIntItems(['1-10 (+2)'])).toEqual(['1', '3', '5', '7', '9']);
    expect(expandIntItems(['1-10 [5]'])).toEqual(['1', '3', '5', '7', '10']);
    expect(expandIntItems(['7', '9', '11'])).toEqual(['7', '9', '11']);
  });
  it('keeps Python range semantics for descending and wrong-way steps', () => {
    // range(10, 1 + 1, -3)
    expect(expandIntItems(['10-1 (-3)'])).toEqual(['10', '7', '4']);
    expect(expandIntItems(['5-1'])).toEqual([]);
  });
  it('refuses a zero step and huge ranges', () => {
    expect(() => expandIntItems(['1-5 (+0)'])).toThrow(/cannot be 0/);
    expect(() => expandIntItems(['1-1000000000'])).toThrow(`at most ${MAX_AXIS_VALUES}`);
    expect(() => expandIntItems(['1-5 [1000]'])).toThrow(`at most ${MAX_AXIS_VALUES}`);
  });
});

describe('float ranges', () => {
  it('expands like numpy arange(start, end + step, step) and linspace', () => {
    expect(expandFloatItems(['1-2 (+0.25)'])).toEqual(['1', '1.25', '1.5', '1.75', '2']);
    expect(expandFloatItems(['3-7'])).toEqual(['3', '4', '5', '6', '7']);
    expect(expandFloatItems(['0.5-1 [3]'])).toEqual(['0.5', '0.75', '1']);
    // numpy's float arithmetic gives a fourth value here, as it does in A1111.
    expect(expandFloatItems(['0.1-0.3 (+0.1)'])).toEqual(['0.1', '0.2', '0.3', '0.4']);
    expect(expandFloatItems(['7-3 (-1.5)'])).toEqual(['7', '5.5', '4', '2.5']);
  });
});

describe('parseAxisSpec', () => {
  it('parses each axis type with A1111 labels', () => {
    expect(axis('CFG scale: 3, 7')).toMatchObject({
      type: { label: 'CFG Scale' },
      text: '3, 7',
      values: [
        { kind: 'cfg', cfg: 3 },
        { kind: 'cfg', cfg: 7 },
      ],
      labels: ['CFG Scale: 3', 'CFG Scale: 7'],
    });
    expect(axis('Steps: 4, 20').labels).toEqual(['Steps: 4', 'Steps: 20']);
    expect(axis('Sampler: Euler a, ddim').values).toEqual([
      { kind: 'sampler', sampler: 'euler-a' },
      { kind: 'sampler', sampler: 'ddim' },
    ]);
    expect(axis('Sampler: euler a, DDIM').labels).toEqual(['Euler a', 'DDIM']);
    expect(axis('Size: 64x64, 128x64').values).toEqual([
      { kind: 'size', width: 64, height: 64 },
      { kind: 'size', width: 128, height: 64 },
    ]);
    expect(axis('Denoising: 0.25-0.75 [3]').labels).toEqual(['Denoising: 0.25', 'Denoising: 0.5', 'Denoising: 0.75']);
    expect(axis('strength: 0.5').type.label).toBe('Denoising');
  });
  it('Prompt S/R: the first value is the search text, every value a replacement', () => {
    const sr = axis('Prompt S/R: red,"blue, dark", green');
    expect(sr.values).toEqual([
      { kind: 'prompt-sr', search: 'red', replace: 'red' },
      { kind: 'prompt-sr', search: 'red', replace: 'blue, dark' },
      { kind: 'prompt-sr', search: 'red', replace: 'green' },
    ]);
    expect(sr.labels).toEqual(['red', 'blue, dark', 'green']);
  });
  it('seeds: 64-bit values kept exactly, -1 and empty drawn at random (fix_axis_seeds)', () => {
    expect(axis('Seed: 18446744073709551615, -1, 5-6').values).toEqual([
      { kind: 'seed', seed: '18446744073709551615' },
      { kind: 'seed', seed: '123456' },
      { kind: 'seed', seed: '5' },
      { kind: 'seed', seed: '6' },
    ]);
  });
  it('says what is wrong with bad input', () => {
    const bad: [string, RegExp][] = [
      ['Steps: 4, abc', /"abc" is not a whole number/],
      ['Steps: 4.5', /not a whole number/],
      ['CFG Scale: 7, x', /"x" is not a number/],
      ['CFG Scale: 4,,7', /empty value/],
      ['CFG Scale:', /has no values/],
      ['Sampler: Euler b', /Unknown sampler: Euler b \(one of Euler, Euler a/],
      ['Size: 64', /is not a size/],
      ['Seed: -5', /not a seed/],
      ['Prompt S/R: , x', /first value .* is empty/],
      ['Colour: red', /Unknown axis type "Colour" \(one of Seed, Steps, CFG Scale/],
      ['Steps 4', /should be "Type: values"/],
      ['Steps: 1-500', /at most 64/],
    ];
    for (const [spec, message] of bad) expect(() => axis(spec), spec).toThrow(message);
    expect(() => axis('Steps: x')).toThrow(AxisError);
  });
  it('Nothing is one empty value', () => {
    const nothing = findAxisType('Nothing');
    expect(nothing && parseAxis(nothing, 'ignored', context).labels).toEqual(['']);
  });
});
