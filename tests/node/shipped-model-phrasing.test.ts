/**
 * The embedded models read sentences, not one template (issue #14): their text encoder parses a
 * prompt into its attributes and encodes the canonical caption of them (training/parser.py), so
 * a paraphrase gives the SAME embedding as the canonical wording, unknown words change nothing,
 * and the empty prompt stays the unconditional embedding. Run through onnxruntime-node on the
 * shipped files, with the studio's own tokenizer and pipeline.
 */
import { describe, expect, it } from 'vitest';
import { analyseImage } from '../../src/eval/analyse-image.ts';
import { txt2img } from '../../src/pipeline/txt2img.ts';
import type { LoadedModel } from '../../src/runtime/ort-model.ts';
import { shippedModels } from '../support/shipped-models.ts';

const shipped = shippedModels();

/** last_hidden_state of one prompt, tokenized as the pipeline does (BOS, ids, EOS padded to 77). */
async function embed(loaded: LoadedModel, prompt: string): Promise<Float32Array> {
  const { tokenizer, textEncoder } = loaded.model;
  const ids = [tokenizer.bosId, ...tokenizer.tokenize(prompt).slice(0, 75), tokenizer.eosId];
  while (ids.length < 77) ids.push(tokenizer.eosId);
  return (await textEncoder.encode([ids])).data;
}

const maxAbsDiff = (a: Float32Array, b: Float32Array) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
};

const CANONICAL = 'a small red star in the top left corner on a blue background';
const PARAPHRASES = [
  'blue background with a small red star in the top left corner',
  'a small star that is red, top left, on blue',
  'on a blue backdrop there is a little star in red at the top left',
  'please draw a tiny red star in the top left corner, the background is blue',
];

describe('the embedded text encoder parses phrasing', () => {
  it('gives a paraphrase exactly the embedding of the canonical caption', async () => {
    const canonical = await embed(shipped.base, CANONICAL);
    for (const prompt of PARAPHRASES) {
      expect(maxAbsDiff(await embed(shipped.base, prompt), canonical), prompt).toBeLessThan(1e-5);
    }
  });

  it('tells the object colour from the background colour by the words around them', async () => {
    const redOnBlue = await embed(shipped.base, 'blue background, a big red circle');
    const blueOnRed = await embed(shipped.base, 'red background, a big blue circle');
    expect(maxAbsDiff(redOnBlue, await embed(shipped.base, 'a big red circle on a blue background'))).toBeLessThan(
      1e-5,
    );
    expect(maxAbsDiff(redOnBlue, blueOnRed)).toBeGreaterThan(0.1);
  });

  it('ignores unknown words, and keeps the empty prompt unconditional', async () => {
    const plain = await embed(shipped.base, 'a big green ring on a white background');
    const withJunk = await embed(shipped.base, 'zorbly a big green ring, qwxv on a white background thanks');
    expect(maxAbsDiff(plain, withJunk)).toBeLessThan(1e-5);
    const empty = await embed(shipped.base, '');
    expect(maxAbsDiff(empty, await embed(shipped.base, 'zorbly qwxv'))).toBeLessThan(1e-5);
    expect(maxAbsDiff(empty, plain)).toBeGreaterThan(0.1);
  });

  it('the turbo model shares the encoder: a clause-shaped prompt draws the right picture in 4 steps', async () => {
    const prompt = 'the background is black and there is a big yellow square in the center';
    let analysis: ReturnType<typeof analyseImage> | null = null;
    await txt2img(
      shipped.turbo.model,
      { prompt, negativePrompt: '', seeds: ['7'], steps: 4, cfg: 1, sampler: 'euler', width: 64, height: 64 },
      {
        clock: () => performance.now(),
        onImage: (image) => {
          analysis = analyseImage(image.rgba, image.width, image.height);
        },
      },
    );
    const seen = analysis as ReturnType<typeof analyseImage> | null;
    expect(seen?.background).toBe('black');
    expect(seen?.object?.colour).toBe('yellow');
    expect(seen?.object?.position).toBe('center');
  });
});
