/** What the pure engine-reducer tests share: the clock and samplers, and the embedded model's summary. */
import type { ModelSummary } from '../../src/protocol/messages.ts';
import { SAMPLER_IDS } from '../../src/state/engine-slice.ts';

export const reducerContext = { now: 1_700_000_000_000, samplers: SAMPLER_IDS };

/** The summary the worker reports for models/tiny-shapes. */
export const tinySummary: ModelSummary = {
  id: 'tiny-shapes',
  width: 64,
  height: 64,
  sizeMultiple: 16,
  defaultSampler: 'euler',
  maxTokens: 77,
  fixedSequence: false,
};
