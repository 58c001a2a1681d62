import { describe, expect, it } from 'vitest';
import type { GenerationParams } from '../protocol/params.ts';
import { infotextFromParams, paramsFromInfotext } from './generation-infotext.ts';
import { formatInfotext, parseInfotext, quoteValue, unquoteValue } from './infotext.ts';

const SAMPLERS = [
  { id: 'euler', label: 'Euler' },
  { id: 'euler-a', label: 'Euler a' },
  { id: 'heun', label: 'Heun' },
  { id: 'dpmpp-2m', label: 'DPM++ 2M' },
  { id: 'dpmpp-2m-karras', label: 'DPM++ 2M Karras' },
  { id: 'ddim', label: 'DDIM' },
  { id: 'lcm', label: 'LCM' },
];
const context = { samplers: SAMPLERS, modelId: 'tiny-shapes', version: 'latent-studio 0.1.0' };
const readOptions = { samplers: SAMPLERS, sizeMultiple: 64 };

const params: GenerationParams = {
  prompt: 'a big red circle on a blue background',
  negativePrompt: 'green',
  seed: '123',
  steps: 20,
  cfg: 7,
  sampler: 'euler-a',
  width: 64,
  height: 128,
  batchCount: 4,
};

// The docstring example of A1111's parse_generation_parameters, verbatim.
const A1111_DOC_EXAMPLE = `girl with an artist's beret, determined, blue eyes, desert scene, computer monitors, heavy makeup, by Alphonse Mucha and Charlie Bowater, ((eyeshadow)), (coquettish), detailed, intricate
Negative prompt: ugly, fat, obese, chubby, (((deformed))), [blurry], bad anatomy, disfigured, poorly drawn face, mutation, mutated, (extra_limb), (ugly), (poorly drawn hands), messy drawing
Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 965400086, Size: 512x512, Model hash: 45dee52b`;

// As A1111 ≥ 1.9 writes it: separate schedule type, quoted values, extras the studio ignores.
const A1111_MODERN = `masterpiece, 1girl, (red dress:1.2)
BREAK detailed background
Negative prompt: lowres, bad hands
Steps: 28, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6.5, Seed: 3735928559, Size: 512x768, Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Denoising strength: 0.7, Hires upscale: 2, Hires upscaler: Latent, Lora hashes: "detail: 0123abcd, style: 4567ef01", Version: v1.10.1`;

describe('quoteValue / unquoteValue (A1111 quote/unquote)', () => {
  it.each([
    ['Euler a', 'Euler a'],
    ['a, b', '"a, b"'],
    ['key: v', '"key: v"'],
    ['two\nlines', '"two\\nlines"'],
    ['say "hi", ok', '"say \\"hi\\", ok"'],
    ['日本, 語', '"日本, 語"'],
  ])('%j ↔ %j', (raw, quoted) => {
    expect(quoteValue(raw)).toBe(quoted);
    expect(unquoteValue(quoted)).toBe(raw);
  });
  it('leaves text that is not a JSON string alone', () => {
    expect(unquoteValue('"unterminated')).toBe('"unterminated');
    expect(unquoteValue('"bad \\q escape"')).toBe('"bad \\q escape"');
    expect(unquoteValue('')).toBe('');
  });
});

describe('formatInfotext', () => {
  it('writes the A1111 layout for a studio image', () => {
    expect(infotextFromParams(params, context)).toBe(
      'a big red circle on a blue background\nNegative prompt: green\n' +
        'Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 123, Size: 64x128, Model: tiny-shapes, Version: latent-studio 0.1.0',
    );
  });
  it('omits the negative prompt line when it is empty and writes fractional CFG as is', () => {
    const text = infotextFromParams({ ...params, negativePrompt: '', cfg: 7.5, sampler: 'dpmpp-2m-karras' }, context);
    expect(text).toBe(
      'a big red circle on a blue background\n' +
        'Steps: 20, Sampler: DPM++ 2M Karras, CFG scale: 7.5, Seed: 123, Size: 64x128, Model: tiny-shapes, Version: latent-studio 0.1.0',
    );
  });
  it('quotes parameter values with commas, colons or newlines, never the prompt', () => {
    const text = formatInfotext({
      prompt: 'a, b: c',
      negativePrompt: '',
      entries: [
        ['Steps', '1'],
        ['Model', 'my: model, v2'],
        ['Flag', 'Flag'],
      ],
    });
    expect(text).toBe('a, b: c\nSteps: 1, Model: "my: model, v2", Flag');
  });
});

describe('parseInfotext (parse_generation_parameters)', () => {
  it('parses A1111’s own docstring example', () => {
    const parsed = parseInfotext(A1111_DOC_EXAMPLE);
    expect(parsed.prompt).toMatch(/^girl with an artist's beret, .* intricate$/);
    expect(parsed.negativePrompt).toMatch(/^ugly, fat, .* messy drawing$/);
    expect(parsed.entries).toEqual([
      ['Steps', '20'],
      ['Sampler', 'Euler a'],
      ['CFG scale', '7'],
      ['Seed', '965400086'],
      ['Size', '512x512'],
      ['Model hash', '45dee52b'],
    ]);
  });
  it('keeps multi-line prompts and unquotes JSON values', () => {
    const parsed = parseInfotext(A1111_MODERN);
    expect(parsed.prompt).toBe('masterpiece, 1girl, (red dress:1.2)\nBREAK detailed background');
    expect(parsed.negativePrompt).toBe('lowres, bad hands');
    expect(Object.fromEntries(parsed.entries)).toMatchObject({
      'Schedule type': 'Karras',
      'Lora hashes': 'detail: 0123abcd, style: 4567ef01',
      Version: 'v1.10.1',
    });
  });
  it('treats a last line with fewer than three parameters as prompt (A1111’s rule)', () => {
    const parsed = parseInfotext('a cat\nStyle: cute, Mood: calm');
    expect(parsed.prompt).toBe('a cat\nStyle: cute, Mood: calm');
    expect(parsed.entries).toEqual([]);
  });
  it('reads a parameters-only text (empty prompt)', () => {
    const parsed = parseInfotext('Steps: 5, Sampler: Euler, CFG scale: 3, Seed: 9, Size: 64x64');
    expect(parsed.prompt).toBe('');
    expect(parsed.entries).toHaveLength(5);
  });
  it('reads CRLF text and surrounding whitespace', () => {
    const parsed = parseInfotext('  a dog\r\nNegative prompt: cat\r\nSteps: 2, Sampler: Heun, Seed: 4\r\n');
    expect(parsed.prompt).toBe('a dog');
    expect(parsed.negativePrompt).toBe('cat');
    expect(parsed.entries).toEqual([
      ['Steps', '2'],
      ['Sampler', 'Heun'],
      ['Seed', '4'],
    ]);
  });
});

describe('round trip', () => {
  it.each([
    ['plain', params],
    ['empty negative', { ...params, negativePrompt: '' }],
    ['empty prompt', { ...params, prompt: '' }],
    ['commas, colons and quotes in prompts', { ...params, prompt: 'a "star": big, red', negativePrompt: 'x: y, "z"' }],
    ['multi-line prompts', { ...params, prompt: 'line one\nline two', negativePrompt: 'n1\nn2' }],
    ['non-Latin text', { ...params, prompt: '赤い円 🔴, 青い背景', negativePrompt: 'зелёный' }],
    [
      '64-bit seed and fractional CFG',
      { ...params, seed: '18446744073709551615', cfg: 12.5, sampler: 'dpmpp-2m-karras' },
    ],
    ['HTML in the prompt', { ...params, prompt: '<img src=x onerror="alert(1)"><script>alert(2)</script>' }],
  ])('%s', (_name, p) => {
    const result = paramsFromInfotext(infotextFromParams(p, context), readOptions);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { batchCount: _ignored, ...fields } = p;
    expect(result.value.params).toEqual(fields);
    expect(result.value.ignored).toEqual([]);
    expect(result.value.problems).toEqual([]);
    expect(result.value.model).toBe('tiny-shapes');
  });
});

describe('paramsFromInfotext', () => {
  it('imports A1111’s example: every known field, extras ignored', () => {
    const result = paramsFromInfotext(A1111_DOC_EXAMPLE, { samplers: SAMPLERS, sizeMultiple: 64 });
    expect(result.ok && result.value.params).toMatchObject({
      steps: 20,
      sampler: 'euler-a',
      cfg: 7,
      seed: '965400086',
      width: 512,
      height: 512,
    });
    expect(result.ok && result.value.ignored).toEqual(['Model hash']);
  });
  it('joins Sampler and Schedule type as A1111 ≥ 1.9 writes them', () => {
    const result = paramsFromInfotext(A1111_MODERN, readOptions);
    expect(result.ok && result.value.params).toMatchObject({
      sampler: 'dpmpp-2m-karras',
      cfg: 6.5,
      seed: '3735928559',
    });
    expect(result.ok && result.value.params).toMatchObject({ width: 512, height: 768 });
    // "Denoising strength" is read (img2img strength), as A1111's paste fields read it.
    // Hires. fix keys are read too (issue #16).
    expect(result.ok && result.value.ignored).toEqual(['Model hash', 'Lora hashes']);
    expect(result.ok && result.value.hires).toEqual({ scale: 2, upscaler: 'latent', steps: 0, denoisingStrength: 0.7 });
  });
  it('matches sampler labels case-insensitively', () => {
    const result = paramsFromInfotext('x\nSteps: 3, Sampler: euler A, Seed: 1', readOptions);
    expect(result.ok && result.value.params.sampler).toBe('euler-a');
  });
  it('keeps fields it cannot use and says why', () => {
    const result = paramsFromInfotext(
      'p\nSteps: 0, Sampler: DPM++ SDE, CFG scale: lots, Seed: -1, Size: 100x100, Clip skip: 2',
      readOptions,
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.params).toEqual({ prompt: 'p', negativePrompt: '' });
    expect(result.value.problems).toHaveLength(5);
    expect(result.value.problems.join(' ')).toContain('DPM++ SDE');
    expect(result.value.ignored).toEqual(['Clip skip']);
  });
  it.each([
    ['empty', ''],
    ['a plain caption', 'just a caption, nothing else'],
    ['HTML', '<img src=x onerror=alert(1)>'],
    ['two parameters only', 'x\nSteps: 20, Seed: 1'],
  ])('rejects %s', (_name, text) => {
    const result = paramsFromInfotext(text, readOptions);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toBeTruthy();
  });
});

describe('batch size in the infotext (A1111 create_infotext)', () => {
  it('writes "Batch size" and "Batch pos" only for batches of 2 or more, after Size', () => {
    const one = infotextFromParams({ ...params, batchSize: 1 }, context);
    expect(one).not.toMatch(/Batch/);
    const text = infotextFromParams({ ...params, batchSize: 4, batchPos: 2 }, context);
    expect(text).toMatch(/Size: 64x128, Batch size: 4, Batch pos: 2, /);
  });

  it('reads "Batch size" back into the form (as A1111 pastes it); "Batch pos" sets nothing', () => {
    const text = infotextFromParams({ ...params, batchSize: 4, batchPos: 2 }, context);
    const result = paramsFromInfotext(text, readOptions);
    expect(result.ok && result.value.params.batchSize).toBe(4);
    expect(result.ok && result.value.ignored).toEqual([]);
    const bad = paramsFromInfotext(text.replace('Batch size: 4', 'Batch size: 99'), readOptions);
    expect(bad.ok && bad.value.params.batchSize).toBeUndefined();
    expect(bad.ok && bad.value.problems).toEqual(['Batch size "99" is not between 1 and 8; kept yours.']);
  });
});
