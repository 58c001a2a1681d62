/** Browser benchmarks (`npm run bench:preview`): the e2e setup, a different folder, never in `npm test`. */
import { defineConfig } from '@playwright/test';
import base from './playwright.config.ts';

export default defineConfig({ ...base, testDir: 'tests/bench', timeout: 900_000 });
