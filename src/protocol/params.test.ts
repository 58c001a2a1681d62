import { describe, expect, it } from 'vitest';
import { parseSeed, seedForImage, validateParams, type GenerationParams } from './params.ts';

const good: GenerationParams = {
  prompt: 'a red star',
  negativePrompt: '',
  seed: '42',
  steps: 20,
  cfg: 7,
  sampler: 'euler',
  width: 64,
  height: 64,
  batchCount: 1,
};
const options = { samplers: ['euler', 'euler-a'], sizeMultiple: 64 };
const fieldsOf = (p: Partial<GenerationParams>) => validateParams({ ...good, ...p }, options).map((i) => i.field);

describe('validateParams', () => {
  it('accepts good params', () => {
    expect(validateParams(good, options)).toEqual([]);
  });
  it.each([
    [{ steps: 0 }, 'steps'],
    [{ steps: 151 }, 'steps'],
    [{ steps: 2.5 }, 'steps'],
    [{ steps: NaN }, 'steps'],
    [{ cfg: NaN }, 'cfg'],
    [{ cfg: Infinity }, 'cfg'],
    [{ cfg: 0.5 }, 'cfg'],
    [{ cfg: 31 }, 'cfg'],
    [{ seed: '-1' }, 'seed'],
    [{ seed: 'abc' }, 'seed'],
    [{ seed: '18446744073709551616' }, 'seed'],
    [{ batchCount: 17 }, 'batchCount'],
    [{ width: 100 }, 'width'],
    [{ height: 32 }, 'height'],
    [{ sampler: 'nope' }, 'sampler'],
    [{ prompt: 'x'.repeat(20_001) }, 'prompt'],
  ] as const)('rejects %o', (patch, field) => {
    expect(fieldsOf(patch)).toEqual([field]);
  });
  it('gives messages a person can act on', () => {
    const [issue] = validateParams({ ...good, steps: 0 }, options);
    expect(issue?.message).toBe('Steps must be between 1 and 150 (got 0).');
  });
  it('accepts an empty prompt (unconditional generation) and the full seed range', () => {
    expect(fieldsOf({ prompt: '', seed: '18446744073709551615' })).toEqual([]);
  });
});

describe('seeds', () => {
  it('parses the full 64-bit range and nothing else', () => {
    expect(parseSeed(' 18446744073709551615 ')).toBe(2n ** 64n - 1n);
    expect(parseSeed('1e5')).toBeNull();
    expect(parseSeed('')).toBeNull();
  });
  it('numbers batch images seed, seed+1, … wrapping at 2^64', () => {
    expect([0, 1, 2].map((i) => seedForImage('41', i))).toEqual(['41', '42', '43']);
    expect(seedForImage('18446744073709551615', 1)).toBe('0');
  });
});
