import { beforeEach, describe, expect, it } from 'vitest';
import { FORM_STORAGE_KEY, restoreForm } from './persist-form.ts';
import { DEFAULT_PARAMS, initialState, studio } from './store.ts';

/** The one Storage method restoreForm uses, holding one stored value. */
const storageWith = (value: string | null) =>
  ({ getItem: (key: string) => (key === FORM_STORAGE_KEY ? value : null) }) as Storage;

describe('restoreForm', () => {
  beforeEach(() => studio.setState(initialState, true));

  it('restores params and settings saved by the last visit', () => {
    const params = { ...DEFAULT_PARAMS, prompt: 'a red star', seed: '18446744073709551615', cfg: 6.5, width: 128 };
    const settings = { backend: 'wasm', livePreview: false, live: true };
    restoreForm(storageWith(JSON.stringify({ params, settings })));
    expect(studio.getState().params).toEqual(params);
    expect(studio.getState().settings).toEqual(settings);
  });

  it('keeps defaults for missing, mistyped or unknown values', () => {
    const stored = {
      params: { prompt: 42, steps: null, cfg: 'lots', width: 256, extra: 'ignored' },
      settings: { backend: 'quantum', livePreview: 'yes' },
    };
    restoreForm(storageWith(JSON.stringify(stored)));
    expect(studio.getState().params).toEqual({ ...DEFAULT_PARAMS, width: 256 });
    expect(studio.getState().settings).toEqual(initialState.settings);
  });

  it.each([['not json {'], ['"a string"'], ['null'], [null]])('ignores %j', (text) => {
    restoreForm(storageWith(text));
    expect(studio.getState().params).toBe(DEFAULT_PARAMS);
    expect(studio.getState().settings).toEqual(initialState.settings);
  });
});
