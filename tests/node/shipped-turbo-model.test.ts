/**
 * The shipped 4-step model (models/tiny-shapes-turbo) follows the prompt with 4 Euler steps and no
 * CFG, sampled with the scheduler its own config names, and fits the embedded-model size budget.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyseImage, type ImageAnalysis } from '../../src/eval/analyse-image.ts';
import { txt2img } from '../../src/pipeline/txt2img.ts';
import type { LoadedModel } from '../../src/runtime/ort-model.ts';
import { loadNodeModel } from '../../src/runtime/node/ort-node.ts';
import { defaultSamplerFor } from '../../src/schedulers/index.ts';

const DIR = 'models/tiny-shapes-turbo';
let loaded: LoadedModel;
beforeAll(async () => {
  loaded = await loadNodeModel(DIR);
});
afterAll(async () => {
  await loaded.release();
});

async function render(prompt: string, seed: string): Promise<ImageAnalysis> {
  let result: ImageAnalysis | null = null;
  let unetCalls = 0;
  await txt2img(
    loaded.model,
    {
      prompt,
      negativePrompt: '',
      seeds: [seed],
      steps: 4,
      cfg: 1,
      sampler: defaultSamplerFor(loaded.model.schedulerConfig),
      width: 64,
      height: 64,
    },
    {
      clock: () => performance.now(),
      onImage: (image) => {
        unetCalls = image.timings.unetMs.length;
        result = analyseImage(image.rgba, image.width, image.height);
      },
    },
  );
  if (!result) throw new Error('no image');
  expect(unetCalls).toBe(4);
  return result;
}

function folderBytes(dir: string): number {
  return readdirSync(dir).reduce((sum, name) => {
    const path = join(dir, name);
    return sum + (statSync(path).isDirectory() ? folderBytes(path) : statSync(path).size);
  }, 0);
}

describe('the shipped turbo model', () => {
  it('names an Euler scheduler with trailing spacing (its 4 distilled timesteps)', () => {
    const config = JSON.parse(readFileSync(join(DIR, 'scheduler/scheduler_config.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(config['_class_name']).toBe('EulerDiscreteScheduler');
    expect(config['timestep_spacing']).toBe('trailing');
  });

  it('draws the colour and background the prompt names in 4 steps without CFG', async () => {
    for (const seed of ['11', '12', '13']) {
      const red = await render('a big red circle in the center on a white background', seed);
      const blue = await render('a big blue circle in the center on a white background', seed);
      expect(red.object?.colour, `seed ${seed}`).toBe('red');
      expect(blue.object?.colour, `seed ${seed}`).toBe('blue');
      expect(red.background, `seed ${seed}`).toBe('white');
    }
  });

  it('keeps both embedded models within 24 MB together', () => {
    expect(folderBytes(DIR) + folderBytes('models/tiny-shapes')).toBeLessThanOrEqual(24_000_000);
  });
});
