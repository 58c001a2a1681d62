/**
 * Keeps the form's params and the studio settings across reloads (localStorage). Restored values
 * are checked field by field: anything missing or of the wrong type keeps its default, so an old
 * or hand-edited entry can never break the form.
 */
import type { GenerationParams } from '../protocol/params.ts';
import { DEFAULT_PARAMS, studio, type StudioSettings } from './store.ts';

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

function read(storage: Storage): Stored | null {
  try {
    const text = storage.getItem(FORM_STORAGE_KEY);
    const parsed: unknown = text ? JSON.parse(text) : null;
    return parsed && typeof parsed === 'object' ? (parsed as Stored) : null;
  } catch {
    return null;
  }
}

/** Applies what the last visit stored; call before the model loads. */
export function restoreForm(storage: Storage = localStorage): void {
  const stored = read(storage);
  if (!stored) return;
  const params = pick<GenerationParams>(DEFAULT_PARAMS, stored.params, (_k, v) => finite(v));
  const state = studio.getState();
  const settings = pick<StudioSettings>(
    state.settings,
    stored.settings,
    (k, v) => k !== 'backend' || BACKENDS.includes(v as string),
  );
  studio.setState({ params: { ...state.params, ...params }, settings: { ...state.settings, ...settings } });
}

/** Saves params and settings whenever they change (coalesced), and on page hide. */
export function persistForm(storage: Storage = localStorage): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const write = () => {
    timer = null;
    const { params, settings } = studio.getState();
    try {
      storage.setItem(FORM_STORAGE_KEY, JSON.stringify({ params, settings }));
    } catch {
      // Storage full or disabled: the form still works, it just is not remembered.
    }
  };
  const unsubscribe = studio.subscribe((s, prev) => {
    if (s.params === prev.params && s.settings === prev.settings) return;
    if (timer === null) timer = setTimeout(write, 200);
  });
  const flush = () => {
    if (timer !== null) {
      clearTimeout(timer);
      write();
    }
  };
  addEventListener('pagehide', flush);
  return () => {
    unsubscribe();
    removeEventListener('pagehide', flush);
    flush();
  };
}
