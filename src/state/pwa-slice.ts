/**
 * The pwa slice: whether the app is cached for offline use and whether a new version waits.
 * The composition root feeds it from src/pwa/register.ts; the UI reads it.
 */
import type { StateCreator } from 'zustand/vanilla';
import type { Studio } from './store.ts';
import type { PwaState } from './types.ts';

export interface PwaSlice {
  pwa: PwaState;
  setOfflineReady(): void;
  /** A new version waits; `applyUpdate` activates it (the page reloads once it takes control). */
  setUpdateReady(applyUpdate: () => void): void;
  applyUpdate(): void;
  dismissUpdate(): void;
}

export const createPwaSlice: StateCreator<Studio, [], [], PwaSlice> = (set, get) => {
  let apply: (() => void) | null = null;
  const patch = (p: Partial<PwaState>) => set((s) => ({ pwa: { ...s.pwa, ...p } }));
  return {
    pwa: { offlineReady: false, updateAvailable: false, updating: false },
    setOfflineReady: () => patch({ offlineReady: true }),
    setUpdateReady(applyUpdate) {
      apply = applyUpdate;
      patch({ updateAvailable: true });
    },
    applyUpdate() {
      if (!apply || get().pwa.updating) return;
      patch({ updating: true });
      apply();
    },
    dismissUpdate: () => patch({ updateAvailable: false }),
  };
};
