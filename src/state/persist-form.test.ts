import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_PARAMS, DEFAULT_SETTINGS } from './params-slice.ts';
import { FORM_STORAGE_KEY, persistForm, restoreForm } from './persist-form.ts';
import { createStudioStore, type StudioStore } from './store.ts';

/** The one Storage method restoreForm uses, holding one stored value. */
const storageWith = (value: string | null) => ({
  getItem: (key: string) => (key === FORM_STORAGE_KEY ? value : null),
});

let store: StudioStore;
beforeEach(() => {
  store = createStudioStore();
});

describe('restoreForm', () => {
  it('restores params and settings saved by the last visit', () => {
    const params = { ...DEFAULT_PARAMS, prompt: 'a red star', seed: '18446744073709551615', cfg: 6.5, width: 128 };
    const settings = { backend: 'wasm', livePreview: false, live: true };
    restoreForm(store, storageWith(JSON.stringify({ params, settings })));
    expect(store.getState().params).toEqual(params);
    expect(store.getState().settings).toEqual(settings);
  });

  it('keeps defaults for missing, mistyped or unknown values', () => {
    const stored = {
      params: { prompt: 42, steps: null, cfg: 'lots', width: 256, extra: 'ignored' },
      settings: { backend: 'quantum', livePreview: 'yes' },
    };
    restoreForm(store, storageWith(JSON.stringify(stored)));
    expect(store.getState().params).toEqual({ ...DEFAULT_PARAMS, width: 256 });
    expect(store.getState().settings).toEqual(DEFAULT_SETTINGS);
  });

  it('restores Hires. fix settings only when they are whole and name an upscaler id', () => {
    const hires = { scale: 2, upscaler: 'tiny-shapes-sr', steps: 3, denoisingStrength: 0.4 };
    restoreForm(store, storageWith(JSON.stringify({ params: { ...DEFAULT_PARAMS, hires } })));
    expect(store.getState().params.hires).toEqual(hires);
    // A downloaded catalog upscaler is known only once the catalog loads, after this: its id is
    // kept (generating says so if it is no longer stored, src/state/engine-slice.ts).
    const mirror = { ...hires, upscaler: 'mirror.example/realesr-general-x4v3' };
    const kept = createStudioStore();
    restoreForm(kept, storageWith(JSON.stringify({ params: { ...DEFAULT_PARAMS, hires: mirror } })));
    expect(kept.getState().params.hires).toEqual(mirror);
    for (const upscaler of ['<script>', 'two words', '', 42]) {
      const other = createStudioStore();
      restoreForm(other, storageWith(JSON.stringify({ params: { hires: { ...hires, upscaler } } })));
      expect(other.getState().params.hires).toBeUndefined();
    }
    const partial = createStudioStore();
    restoreForm(partial, storageWith(JSON.stringify({ params: { hires: { scale: 2, upscaler: 'lanczos' } } })));
    expect(partial.getState().params.hires).toBeUndefined();
  });

  it.each([['not json {'], ['"a string"'], ['null'], [null]])('ignores %j', (text) => {
    restoreForm(store, storageWith(text));
    expect(store.getState().params).toBe(DEFAULT_PARAMS);
    expect(store.getState().settings).toEqual(DEFAULT_SETTINGS);
  });
});

describe('persistForm', () => {
  it('reports a write the browser refuses, once, and writes again when it can', async () => {
    let full = true;
    const written: string[] = [];
    const storage = {
      setItem: (_key: string, value: string) => {
        if (full) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        written.push(value);
      },
    };
    const stop = persistForm(store, storage);
    store.getState().setParam('prompt', 'a green triangle');
    await new Promise((r) => setTimeout(r, 250));
    expect(store.getState().notice).toMatchObject({ kind: 'error', source: 'storage' });
    expect(store.getState().notice?.text).toMatch(/settings could not be saved/);
    store.getState().dismissNotice();
    store.getState().setParam('prompt', 'a green triangle, again');
    await new Promise((r) => setTimeout(r, 250));
    expect(store.getState().notice).toBeNull(); // not repeated on every keystroke
    full = false;
    store.getState().setParam('prompt', 'saved');
    stop();
    expect(JSON.parse(written.at(-1) ?? '{}').params.prompt).toBe('saved');
  });
});
