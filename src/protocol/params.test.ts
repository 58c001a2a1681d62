import { describe, expect, it } from 'vitest';
import {
  imagesPerJob,
  parseDecimal,
  parseSeed,
  seedForImage,
  validateParams,
  type GenerationParams,
} from './params.ts';

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

describe('parseDecimal (number fields and pasted infotext)', () => {
  it.each([
    ['12', 12],
    ['-3', -3],
    ['+4', 4],
    ['7.5', 7.5],
    ['.5', 0.5],
    ['5.', 5],
    ['007', 7],
  ])('reads %j as %d', (text, value) => {
    expect(parseDecimal(text)).toBe(value);
  });
  it.each(['0x10', '1e1', ' 12 ', '12abc', '', '.', '-', 'Infinity', 'NaN', '1_000', '١٢', '0b1', '1,5'])(
    'refuses %j',
    (text) => {
      expect(parseDecimal(text)).toBeNaN();
    },
  );
});

describe('validateParams: weights and backend sizes', () => {
  it('refuses an Infinity or out-of-range prompt weight with a sentence naming it', () => {
    const issues = validateParams({ ...good, prompt: `a (star:1${'0'.repeat(320)})` }, options);
    expect(issues.map((i) => i.field)).toEqual(['prompt']);
    expect(issues[0]?.message).toMatch(/weight of "star" is Infinity; weights must be between -1000 and 1000/);
    expect(fieldsOf({ negativePrompt: '(x:-5000)' })).toEqual(['negativePrompt']);
    expect(fieldsOf({ prompt: '(((((a:3)))))' })).toEqual([]);
  });
  it('refuses sizes the WASM backend cannot run, naming the limit, and not on WebGPU', () => {
    const big = { ...good, width: 2048, height: 2048 };
    const wasm = validateParams(big, { ...options, backend: 'wasm' });
    expect(wasm.map((i) => i.field)).toEqual(['width']);
    expect(wasm[0]?.message).toMatch(/too large for the WASM backend: it runs at most [\d,]+ pixels/);
    expect(validateParams(big, { ...options, backend: 'webgpu' })).toEqual([]);
    expect(validateParams(big, options)).toEqual([]);
  });
});

describe('batch size (A1111: images per call) against batch count (sequential calls)', () => {
  it('accepts 1 … 8 and absent (params saved before it existed); refuses the rest with its own field', () => {
    expect(fieldsOf({ batchSize: 1 })).toEqual([]);
    expect(fieldsOf({ batchSize: 8 })).toEqual([]);
    expect(fieldsOf({})).toEqual([]);
    expect(fieldsOf({ batchSize: 0 })).toEqual(['batchSize']);
    expect(fieldsOf({ batchSize: 9 })).toEqual(['batchSize']);
    expect(fieldsOf({ batchSize: 2.5 })).toEqual(['batchSize']);
    expect(validateParams({ ...good, batchSize: 9 }, options)[0]?.message).toBe(
      'Batch size must be between 1 and 8 (got 9).',
    );
  });

  it('a job makes batch count × batch size images', () => {
    expect(imagesPerJob({ batchCount: 3, batchSize: 2 })).toBe(6);
    expect(imagesPerJob({ batchCount: 3 })).toBe(3);
  });
});
