/** Removes this run's private build (playwright.config.ts builds into .e2e-dist/<pid>). */
import { rmSync } from 'node:fs';

export default function globalTeardown() {
  const dir = process.env.E2E_DIST;
  if (dir?.startsWith('.e2e-dist/')) rmSync(dir, { recursive: true, force: true });
}
