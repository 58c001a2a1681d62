import { useStore } from 'zustand';
import type { Studio } from '../state/store.ts';
import { studio } from '../state/studio.ts';

/** Reads the studio store through a selector (re-renders only when the selection changes). */
export const useStudio = <T>(selector: (s: Studio) => T): T => useStore(studio, selector);

type Actions = { [K in keyof Studio as Studio[K] extends (...args: never[]) => unknown ? K : never]: Studio[K] };

/** The store's actions: stable functions (zustand's slices keep them in the state). */
export const actions: Actions = studio.getState();
