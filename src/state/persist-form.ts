/**
 * Keeps the form's params and the studio settings across reloads (localStorage). Restored values
 * are checked field by field: anything missing or of the wrong type keeps its default, so an old
 * or hand-edited entry can never break the form. A write the browser refuses (storage full or
 * disabled) is reported once in the notice bar, and again only after a write has succeeded.
 */
import type { GenerationParams } from '../protocol/params.ts';
import { DEFAULT_HIRES_PARAMS, isUpscalerId, type HiresParams } from '../protocol/upscale-params.ts';
import { DEFAULT_PARAMS } from './params-slice.ts';
import type { StudioStore } from './store.ts';
import type { StudioSettings } from './types.ts';

export const FORM_STORAGE_KEY = 'latent-studio.form.v1';

type Stored = { params?: Record<string, unknown>; settings?: Record<string, unknown> };

function pick<T extends object>(
  defaults: T,
  stored: Record<string, unknown> | undefined,
  valid: (key: keyof T, value: unknown) => boolean,
): Partial<T> {
  const out: Partial<T> = {};
  if (!stored || typeof stored !== 'object') return out;
  for (const key of Object.keys(defaults) as (keyof T)[]) {
    const value = stored[key as string];
    if (value !== undefined && typeof value === typeof defaults[key] && valid(key, value))
      out[key] = value as T[keyof T];
  }
  return out;
}

const finite = (v: unknown) => typeof v !== 'number' || Number.isFinite(v);
const BACKENDS = ['auto', 'webgpu', 'wasm'];

function read(storage: Pick<Storage, 'getItem'>): Stored | null {
  try {
    const text = storage.getItem(FORM_STORAGE_KEY);
    const parsed: unknown = text ? JSON.parse(text) : null;
    return parsed && typeof parsed === 'object' ? (parsed as Stored) : null;
  } catch {
    return null;
  }
}

/** The stored Hires. fix settings when every field is there and sane (validation says the rest). */
function restoredHires(value: unknown): HiresParams | null {
  if (!value || typeof value !== 'object') return null;
  const h = pick<HiresParams>(DEFAULT_HIRES_PARAMS, value as Record<string, unknown>, (k, v) =>
    k === 'upscaler' ? isUpscalerId(v) : finite(v),
  );
  return Object.keys(h).length === Object.keys(DEFAULT_HIRES_PARAMS).length ? (h as HiresParams) : null;
}

/** Applies what the last visit stored; call before the model loads. */
export function restoreForm(store: StudioStore, storage: Pick<Storage, 'getItem'> = localStorage): void {
  const stored = read(storage);
  if (!stored) return;
  const params = pick<GenerationParams>(DEFAULT_PARAMS, stored.params, (_k, v) => finite(v));
  const state = store.getState();
  const settings = pick<StudioSettings>(
    state.settings,
    stored.settings,
    (k, v) => k !== 'backend' || BACKENDS.includes(v as string),
  );
  const hires = restoredHires(stored.params?.['hires']);
  store.setState({
    params: { ...state.params, ...params, ...(hires ? { hires } : {}) },
    settings: { ...state.settings, ...settings },
  });
}

/** Saves params and settings whenever they change (coalesced), and on page hide. */
export function persistForm(store: StudioStore, storage: Pick<Storage, 'setItem'> = localStorage): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let reported = false;
  const write = () => {
    timer = null;
    const { params, settings } = store.getState();
    try {
      storage.setItem(FORM_STORAGE_KEY, JSON.stringify({ params, settings }));
      reported = false;
    } catch (error) {
      // Storage full or disabled: the form still works, but the person must know it is not remembered.
      if (reported) return;
      reported = true;
      store.getState().notify({
        kind: 'error',
        source: 'storage',
        text: 'Your settings could not be saved for the next visit (the browser refused to store them; its storage may be full or disabled). They still apply in this tab.',
        detail: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
    }
  };
  const unsubscribe = store.subscribe((s, prev) => {
    if (s.params === prev.params && s.settings === prev.settings) return;
    if (timer === null) timer = setTimeout(write, 200);
  });
  const flush = () => {
    if (timer !== null) {
      clearTimeout(timer);
      write();
    }
  };
  globalThis.addEventListener?.('pagehide', flush);
  return () => {
    unsubscribe();
    globalThis.removeEventListener?.('pagehide', flush);
    flush();
  };
}
