/**
 * The app's own model files (httpModelSource) survive a connection dropped mid-body: the file is
 * fetched again (twice at most) instead of failing the load, and a server that keeps dropping
 * gives a clear error naming the file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { httpModelSource } from '../../src/runtime/model-source.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

let dir: string;
let server: TestServer;
const bytes = randomBytes(600_000);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ls-source-'));
  writeFileSync(join(dir, 'model.onnx'), bytes);
  server = await startTestServer({ root: dir });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

it('fetches a file again when the connection drops mid-body', async () => {
  server.fault('/model.onnx', { kind: 'drop', after: 200_000 });
  const read = await httpModelSource(server.url).readBytes('model.onnx');
  expect(Buffer.from(read).equals(bytes)).toBe(true);
  expect(server.log.filter((r) => r.path === '/model.onnx')).toHaveLength(2);
});

it('gives up with the file named when the server keeps dropping', async () => {
  server.fault('/model.onnx', { kind: 'drop', after: 100_000, times: 10 });
  await expect(httpModelSource(server.url).readBytes('model.onnx')).rejects.toMatchObject({
    code: 'model-missing-file',
    file: 'model.onnx',
  });
  server.clearFaults();
});
