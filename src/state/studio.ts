/**
 * The app's store, created once. The composition root (src/app/main.tsx) connects its ports;
 * the UI reads it through `useStudio` and calls its actions. Tests create their own stores.
 */
import { createStudioStore } from './store.ts';

export const studio = createStudioStore();
