/**
 * The app's store, created once. The composition root (src/app/main.tsx) connects its ports;
 * the UI reads it through `useStudio` and calls its actions. Tests create their own stores.
 */
import { createStudioStore } from './store.ts';
import { createXyzRunner } from './xyz.ts';

export const studio = createStudioStore();

/** The app's X/Y/Z plot runner (src/state/xyz.ts), over the same store. */
export const studioXyz = createXyzRunner(studio);
