/**
 * The app's own life cycle as a PWA: whether it is cached for offline use and whether a new
 * version is waiting. The composition root feeds it from src/pwa/register.ts; the UI reads it.
 */
import { createStore } from 'zustand/vanilla';

export interface PwaState {
  offlineReady: boolean;
  updateAvailable: boolean;
  updating: boolean;
}

export const pwa = createStore<PwaState>()(() => ({ offlineReady: false, updateAvailable: false, updating: false }));

let apply: (() => void) | null = null;

export function setOfflineReady(): void {
  pwa.setState({ offlineReady: true });
}

export function setUpdateReady(applyUpdate: () => void): void {
  apply = applyUpdate;
  pwa.setState({ updateAvailable: true });
}

/** Activates the waiting version; the page reloads once it takes control. */
export function applyUpdate(): void {
  if (!apply) return;
  pwa.setState({ updating: true });
  apply();
}

export function dismissUpdate(): void {
  pwa.setState({ updateAvailable: false });
}
