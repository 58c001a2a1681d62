import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from '@playwright/test';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const script = fileURLToPath(new URL('../support/make_sd_test_models.py', import.meta.url));

/** Builds the small models with real SD exports' interfaces into a fresh temporary folder. */
export function buildSdTestModels(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  execFileSync('/usr/bin/python3', [script, dir], { stdio: 'pipe' });
  return dir;
}

/**
 * A loopback model host for a spec file: the test models are built once for the file, and each
 * test gets a fresh server over them (its own request log and faults). Read `host.dir` and
 * `host.server` inside tests, after the hooks have run.
 */
export function loopbackModelHost(prefix: string): { readonly dir: string; readonly server: TestServer } {
  let dir = '';
  let server: TestServer | null = null;
  test.beforeAll(() => {
    dir = buildSdTestModels(prefix);
  });
  test.beforeEach(async () => {
    server = await startTestServer({ root: dir });
  });
  test.afterEach(async () => {
    await server?.close();
  });
  test.afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return {
    get dir() {
      return dir;
    },
    get server() {
      if (!server) throw new Error('the loopback model host starts in beforeEach');
      return server;
    },
  };
}
