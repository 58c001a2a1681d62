/**
 * The two embedded models (models/tiny-shapes and its few-step turbo), loaded once per test file
 * through onnxruntime-node and released after it. Read `shipped.base` / `shipped.turbo` inside
 * tests, after the hooks have run.
 */
import { afterAll, beforeAll } from 'vitest';
import { loadNodeModel } from '../../src/runtime/node/ort-node.ts';
import type { LoadedModel } from '../../src/runtime/ort-model.ts';

export function shippedModels(): { readonly base: LoadedModel; readonly turbo: LoadedModel } {
  let base: LoadedModel | null = null;
  let turbo: LoadedModel | null = null;
  beforeAll(async () => {
    [base, turbo] = await Promise.all([loadNodeModel('models/tiny-shapes'), loadNodeModel('models/tiny-shapes-turbo')]);
  });
  afterAll(async () => {
    await Promise.all([base?.release(), turbo?.release()]);
  });
  const loaded = (model: LoadedModel | null) => {
    if (!model) throw new Error('the shipped models load in beforeAll');
    return model;
  };
  return {
    get base() {
      return loaded(base);
    },
    get turbo() {
      return loaded(turbo);
    },
  };
}
