/**
 * The prompt's encoding is reused while its text is unchanged: the text encoder runs only for
 * chunks it has not seen with this model, and a reused encoding gives the same conditioning.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePrompts } from '../../src/pipeline/conditioning.ts';
import type { DiffusionModel, TextEncoderModel } from '../../src/pipeline/types.ts';
import type { LoadedModel } from '../../src/runtime/ort-model.ts';
import { loadNodeModel } from '../../src/runtime/node/ort-node.ts';

let loaded: LoadedModel;
beforeAll(async () => {
  loaded = await loadNodeModel('models/tiny-shapes-turbo');
});
afterAll(async () => {
  await loaded.release();
});

/** The model with its text encoder's rows counted. */
function counted(model: DiffusionModel) {
  const rows: number[] = [];
  const textEncoder: TextEncoderModel = {
    encode: (ids) => {
      rows.push(ids.length);
      return model.textEncoder.encode(ids);
    },
  };
  return { model: { ...model, textEncoder }, rows };
}

describe('prompt encoding reuse', () => {
  it('encodes a chunk once per model; emphasis still applies to the reused hidden states', async () => {
    const { model, rows } = counted(loaded.model);
    const clock = () => performance.now();
    const first = await encodePrompts(model, 'a red star', 'blurry', true, clock);
    expect(rows).toEqual([2]); // uncond + cond
    const again = await encodePrompts(model, 'a red star', 'blurry', true, clock);
    expect(rows).toEqual([2]); // nothing new
    expect(again.cond.data).toEqual(first.cond.data);
    expect(again.uncond?.data).toEqual(first.uncond?.data);
    // Same token ids, other weights: a hit, and the weight changes the result.
    const weighted = await encodePrompts(model, '(a red star:1.3)', 'blurry', true, clock);
    expect(rows).toEqual([2]);
    expect(weighted.cond.data).not.toEqual(first.cond.data);
    // A new text costs one row; the negative prompt is reused.
    await encodePrompts(model, 'a red star on a blue background', 'blurry', true, clock);
    expect(rows).toEqual([2, 1]);
    // Another encoder object has its own cache: it encodes, and gets the numbers the reused ones are.
    const fresh = counted(loaded.model);
    const uncached = await encodePrompts(fresh.model, 'a red star', 'blurry', true, clock);
    expect(fresh.rows).toEqual([2]);
    expect(again.cond.data).toEqual(uncached.cond.data);
  });
});
