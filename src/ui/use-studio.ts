import { useStore } from 'zustand';
import { studio, type StudioState } from '../state/store.ts';

/** Reads the studio store through a selector (re-renders only when the selection changes). */
export const useStudio = <T>(selector: (s: StudioState) => T): T => useStore(studio, selector);
