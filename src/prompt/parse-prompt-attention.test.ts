import { describe, expect, it } from 'vitest';
import golden from '../../tests/fixtures/prompt/a1111-parse-prompt-attention.json';
import { parsePromptAttention } from './parse-prompt-attention.ts';

type Parsed = Array<[string, number]>;

// A1111's doctests for parse_prompt_attention, verbatim inputs and outputs.
const DOCTESTS: Array<[string, Parsed]> = [
  ['normal text', [['normal text', 1.0]]],
  [
    'an (important) word',
    [
      ['an ', 1.0],
      ['important', 1.1],
      [' word', 1.0],
    ],
  ],
  ['(unbalanced', [['unbalanced', 1.1]]],
  ['\\(literal\\]', [['(literal]', 1.0]]],
  ['(unnecessary)(parens)', [['unnecessaryparens', 1.1]]],
  [
    'a (((house:1.3)) [on] a (hill:0.5), sun, (((sky))).',
    [
      ['a ', 1.0],
      ['house', 1.5730000000000004],
      [' ', 1.1],
      ['on', 1.0],
      [' a ', 1.1],
      ['hill', 0.55],
      [', sun, ', 1.1],
      ['sky', 1.4641000000000006],
      ['.', 1.1],
    ],
  ],
];

describe('parsePromptAttention: A1111 doctests', () => {
  it.each(DOCTESTS)('%j', (input, expected) => {
    // toEqual on numbers is exact (Object.is), so this checks A1111's float arithmetic bit for bit.
    expect(parsePromptAttention(input)).toEqual(expected);
  });
});

describe('parsePromptAttention: semantics', () => {
  const cases: Array<[string, string, Parsed]> = [
    ['empty input', '', [['', 1.0]]],
    ['whitespace is text', '   ', [['   ', 1.0]]],
    ['(x) multiplies by 1.1', '(x)', [['x', 1.1]]],
    ['[x] divides by 1.1 (× 1/1.1)', '[x]', [['x', 1 / 1.1]]],
    ['(x:w) multiplies by w', '(x:1.5)', [['x', 1.5]]],
    ['spaces around the weight', '(x:  2  )', [['x', 2]]],
    [
      'signed and bare-dot weights',
      '(a:-1)(b:+.5)(c:1.)',
      [
        ['a', -1],
        ['b', 0.5],
        ['c', 1],
      ],
    ],
    ['nesting multiplies in A1111 order', '((house:1.3))', [['house', 1.3 * 1.1]]],
    ['[[x]] is (1/1.1)²', '[[x]]', [['x', 1 / 1.1 / 1.1]]],
    [
      'mixed nesting',
      '(a[b]c)',
      [
        ['a', 1.1],
        ['b', (1 / 1.1) * 1.1],
        ['c', 1.1],
      ],
    ],
    ['escaped brackets are literal', '\\(a\\) \\[b\\]', [['(a) [b]', 1.0]]],
    ['escaped backslash', 'a\\\\b', [['a\\b', 1.0]]],
    ['escapes keep the enclosing weight', '(\\(a\\))', [['(a)', 1.1]]],
    ['a lone backslash is dropped', 'a\\b', [['ab', 1.0]]],
    [
      'unbalanced ( closes at the end',
      'a (b',
      [
        ['a ', 1.0],
        ['b', 1.1],
      ],
    ],
    [
      'unbalanced [ closes at the end',
      'a [b',
      [
        ['a ', 1.0],
        ['b', 1 / 1.1],
      ],
    ],
    ['((a) closes the outer one at the end', '((a)', [['a', 1.2100000000000002]]],
    ['stray ) is text', 'a)', [['a)', 1.0]]],
    [
      'stray ] is text',
      'a]b[c',
      [
        ['a]b', 1.0],
        ['c', 1 / 1.1],
      ],
    ],
    ['weight without an open ( is text', 'a:1.5)', [['a:1.5)', 1.0]]],
    ['non-numeric weight text stays', '(a:b)', [['a:b', 1.1]]],
    [
      'BREAK splits',
      'a BREAK b',
      [
        ['a', 1.0],
        ['BREAK', -1],
        ['b', 1.0],
      ],
    ],
    [
      'BREAK at the end',
      'a BREAK',
      [
        ['a', 1.0],
        ['BREAK', -1],
        ['', 1.0],
      ],
    ],
    [
      'BREAK at the start',
      'BREAK a',
      [
        ['', 1.0],
        ['BREAK', -1],
        ['a', 1.0],
      ],
    ],
    ['lowercase break is text', 'a break b', [['a break b', 1.0]]],
    ['BREAK inside a word is text', 'a BREAKING b', [['a BREAKING b', 1.0]]],
    ['_ is a word character', 'a_BREAK b', [['a_BREAK b', 1.0]]],
    ['Unicode letters are word characters (Python \\b)', 'éBREAK b', [['éBREAK b', 1.0]]],
    [
      'BREAK eats the whitespace around it',
      'a\n BREAK\t b',
      [
        ['a', 1.0],
        ['BREAK', -1],
        ['b', 1.0],
      ],
    ],
    [
      'BREAK before a comma',
      'a BREAK, b',
      [
        ['a', 1.0],
        ['BREAK', -1],
        [', b', 1.0],
      ],
    ],
    [
      'BREAK inside brackets is weighted like text',
      '(a BREAK b)',
      [
        ['a', 1.1],
        ['BREAK', -1.1],
        ['b', 1.1],
      ],
    ],
    ['equal neighbours merge', '(a)(b)', [['ab', 1.1]]],
    ['merge across an explicit equal weight', '(a:1.1)(b)', [['ab', 1.1]]],
    ['merging is exact float equality', '[a](b:0.9090909090909091)', [['ab', 1 / 1.1]]],
    [
      'different weights do not merge',
      '(a:2)[b]',
      [
        ['a', 2],
        ['b', 1 / 1.1],
      ],
    ],
    ['weight 0', '(a:0)', [['a', 0]]],
  ];
  it.each(cases)('%s', (_name, input, expected) => {
    expect(parsePromptAttention(input)).toEqual(expected);
  });

  it('returns fresh arrays (callers may mutate the result)', () => {
    const a = parsePromptAttention('(x)');
    (a[0] as [string, number])[1] = 5;
    expect(parsePromptAttention('(x)')).toEqual([['x', 1.1]]);
  });
});

describe('parsePromptAttention: golden outputs of A1111 run in Python', () => {
  const cases = golden.cases as Array<{ input: string; expected?: Parsed; error?: string }>;
  const ok = cases.filter((c) => c.expected !== undefined);
  it('has the fixture', () => {
    expect(ok.length).toBeGreaterThan(50);
  });
  it.each(ok.map((c) => [c.input, c.expected] as const))('%j', (input, expected) => {
    expect(parsePromptAttention(input)).toEqual(expected);
  });

  // Where A1111 raises ValueError (float('1.2.3')) we read ':' as text instead; see the module comment.
  it.each([
    ['(a:1.2.3)', [['a:1.2.3', 1.1]]],
    ['(a:.)', [['a:.', 1.1]]],
  ] as Array<[string, Parsed]>)('%j: A1111 raises, we degrade to text', (input, expected) => {
    expect(cases.find((c) => c.input === input)?.error).toBe('ValueError');
    expect(parsePromptAttention(input)).toEqual(expected);
  });
});
