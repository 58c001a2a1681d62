import { describe, expect, it } from 'vitest';
import golden from '../../tests/fixtures/prompt/a1111-edit-attention.json';
import { editAttention, type EditAttentionResult } from './edit-attention.ts';

interface GoldenCase {
  why: string;
  text: string;
  selectionStart: number;
  selectionEnd: number;
  direction: 1 | -1;
  expected: EditAttentionResult;
}

describe('editAttention: outputs of A1111 edit-attention.js', () => {
  const cases = golden.cases as GoldenCase[];
  it('has the fixture', () => expect(cases.length).toBeGreaterThan(30));
  it.each(cases.map((c) => [c.why, c] as const))('%s', (_why, c) => {
    expect(editAttention(c.text, c.selectionStart, c.selectionEnd, c.direction)).toEqual(c.expected);
  });
});

describe('editAttention: behaviour', () => {
  /** Presses the key `times` times, feeding the result back as the textarea would. */
  const press = (text: string, caret: number, direction: 1 | -1, times: number): EditAttentionResult => {
    let r: EditAttentionResult = { text, selectionStart: caret, selectionEnd: caret };
    for (let i = 0; i < times; i++) r = editAttention(r.text, r.selectionStart, r.selectionEnd, direction);
    return r;
  };

  it.each([
    ['red cat', 5, 1, 1, 'red (cat:1.1)'],
    ['red cat', 5, 1, 3, 'red (cat:1.3)'],
    ['red cat', 5, 1, 9, 'red (cat:1.9)'],
    ['red cat', 5, 1, 10, 'red (cat:2.0)'],
    ['red cat', 5, -1, 2, 'red (cat:0.8)'],
    ['red cat', 5, -1, 10, 'red (cat:0.0)'],
    ['red cat', 5, -1, 11, 'red (cat:-0.1)'],
    // 1.1 + 0.1 = 1.2000000000000002 in floating point: A1111 rounds to 12 significant digits.
    ['red (cat:1.1)', 6, 1, 1, 'red (cat:1.2)'],
    ['red ((cat))', 7, 1, 1, 'red (cat:1.3)'],
  ] as const)('%j caret %i, direction %i × %i → %j', (text, caret, direction, times, expected) => {
    expect(press(text, caret, direction, times).text).toBe(expected);
  });

  it('up then down returns to the original text, selection on the word', () => {
    const up = press('a red cat', 7, 1, 1);
    expect(up).toEqual({ text: 'a red (cat:1.1)', selectionStart: 7, selectionEnd: 10 });
    const back = editAttention(up.text, up.selectionStart, up.selectionEnd, -1);
    expect(back).toEqual({ text: 'a red cat', selectionStart: 6, selectionEnd: 9 });
    expect(back.text.slice(back.selectionStart, back.selectionEnd)).toBe('cat');
  });

  it('the selection stays on the edited text', () => {
    for (const r of [
      press('one two three', 5, 1, 2),
      press('(two:0.5) three', 2, -1, 1),
      press('<lora:x:1> y', 3, 1, 1),
    ]) {
      expect(r.text.slice(r.selectionStart, r.selectionEnd)).toMatch(/^(two|lora:x)$/);
    }
  });

  it('honours a custom step and extra-network step', () => {
    expect(editAttention('(cat:1.0)', 2, 2, 1, 0.05).text).toBe('(cat:1.05)');
    expect(editAttention('<lora:x:1.0>', 3, 3, 1, 0.1, { extraStep: 0.25 }).text).toBe('<lora:x:1.25>');
  });

  it('returns the text unchanged where there is nothing to weigh', () => {
    expect(editAttention('   ', 1, 1, 1)).toEqual({ text: '   ', selectionStart: 1, selectionEnd: 1 });
    expect(editAttention('', 0, 0, -1)).toEqual({ text: '', selectionStart: 0, selectionEnd: 0 });
  });
});
