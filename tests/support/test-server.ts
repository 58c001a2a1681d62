/**
 * A loopback-only HTTP server for the tests: serves a folder (model folders in the diffusers
 * ONNX layout, or a production build) with HTTP Range support and CORS, and injects faults the
 * way real networks and CDNs fail:
 *   - `drop`: the connection is destroyed after `after` bytes of the body;
 *   - `status`: the file answers 404 / 500 / any status;
 *   - `wrong-length`: Content-Length claims `extra` more bytes than are sent, then the body ends;
 *   - `corrupt`: the bytes at `offset` are flipped (same length, different content);
 *   - `ignore-range`: a Range request is answered with the whole file and 200.
 * Each fault applies to one path and fires `times` times (default once), then the file is served
 * normally, so a test can check both the failure and the recovery. `throttle` slows bodies down
 * (bytes per second) so a test can pause or reload mid-download. Request logs let tests assert
 * what the client asked for (e.g. `Range: bytes=N-`).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, resolve, sep } from 'node:path';

export type Fault =
  | { kind: 'drop'; after: number; times?: number }
  | { kind: 'status'; status: number; times?: number }
  | { kind: 'wrong-length'; extra: number; times?: number }
  | { kind: 'corrupt'; offset: number; times?: number }
  | { kind: 'ignore-range'; times?: number };

export interface RequestLog {
  method: string;
  path: string;
  range: string | null;
  status: number;
}

export interface TestServerOptions {
  root: string;
  /** Send COOP/COEP/CORP like a host configured for cross-origin isolation. */
  isolation?: boolean;
  /** Answer CORS (model hosts such as Hugging Face do). Default true. */
  cors?: boolean;
  /** Bytes per second for response bodies; 0 = unthrottled. */
  throttle?: number;
  /** Rewrites a file's bytes before serving (e.g. a new sw.js for an "update" test). */
  transform?: (path: string, bytes: Buffer) => Buffer;
}

export interface TestServer {
  url: string;
  origin: string;
  port: number;
  log: RequestLog[];
  fault(path: string, fault: Fault): void;
  clearFaults(): void;
  setThrottle(bytesPerSecond: number): void;
  setTransform(transform: TestServerOptions['transform']): void;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
};

function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'invalid' | null {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return 'invalid';
  const [, from = '', to = ''] = match;
  if (from === '' && to === '') return 'invalid';
  let start: number;
  let end: number;
  if (from === '') {
    start = Math.max(0, size - Number(to));
    end = size - 1;
  } else {
    start = Number(from);
    end = to === '' ? size - 1 : Math.min(Number(to), size - 1);
  }
  if (start >= size || start > end) return 'invalid';
  return { start, end };
}

export async function startTestServer(options: TestServerOptions): Promise<TestServer> {
  const root = resolve(options.root);
  const faults = new Map<string, Fault & { left: number }>();
  const log: RequestLog[] = [];
  let throttle = options.throttle ?? 0;
  let transform = options.transform;
  const cors = options.cors ?? true;

  const takeFault = (path: string) => {
    const fault = faults.get(path);
    if (!fault) return null;
    fault.left -= 1;
    if (fault.left <= 0) faults.delete(path);
    return fault;
  };

  const baseHeaders = (res: ServerResponse) => {
    if (cors) {
      res.setHeader('Access-Control-Allow-Origin', '*');
      res.setHeader('Access-Control-Expose-Headers', 'Content-Length, Content-Range, Accept-Ranges, ETag');
      res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    }
    if (options.isolation) {
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
      res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    }
    res.setHeader('Cache-Control', 'no-cache');
  };

  async function sendBody(res: ServerResponse, body: Buffer, dropAfter: number | null) {
    const chunk = throttle > 0 ? Math.max(1024, Math.floor(throttle / 20)) : 256 * 1024;
    let sent = 0;
    while (sent < body.length) {
      if (res.destroyed) return;
      let end = Math.min(body.length, sent + chunk);
      if (dropAfter !== null && end >= dropAfter) {
        end = dropAfter;
        if (end > sent) await new Promise<void>((r) => res.write(body.subarray(sent, end), () => r()));
        // A dropped connection: the socket closes without finishing the body.
        await new Promise((r) => setTimeout(r, 20));
        res.destroy();
        return;
      }
      const part = body.subarray(sent, end);
      const ok = res.write(part);
      sent = end;
      if (!ok) await new Promise<void>((r) => res.once('drain', () => r()));
      if (throttle > 0) await new Promise((r) => setTimeout(r, (part.length / throttle) * 1000));
    }
    res.end();
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const urlPath = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
      const entry = { method: req.method ?? 'GET', path: urlPath, range: req.headers.range ?? null, status: 0 };
      log.push(entry);
      baseHeaders(res);
      const reply = (status: number, text = '') => {
        entry.status = status;
        res.statusCode = status;
        res.end(text);
      };
      if (req.method === 'OPTIONS') {
        res.setHeader('Access-Control-Allow-Headers', 'Range');
        return reply(204);
      }
      let file = resolve(root, `.${urlPath}`);
      if (file !== root && !file.startsWith(root + sep)) return reply(403);
      if (existsSync(file) && statSync(file).isDirectory()) file = resolve(file, 'index.html');
      const fault = takeFault(urlPath);
      if (fault?.kind === 'status') return reply(fault.status, `injected ${fault.status}`);
      if (!existsSync(file)) return reply(404, 'not found');
      let bytes: Buffer = readFileSync(file);
      if (transform) bytes = transform(urlPath, bytes);
      if (fault?.kind === 'corrupt') {
        bytes = Buffer.from(bytes);
        for (let i = fault.offset; i < Math.min(bytes.length, fault.offset + 64); i += 1)
          bytes[i] = (bytes[i] ?? 0) ^ 0xa5;
      }
      res.setHeader('Content-Type', TYPES[extname(file)] ?? 'application/octet-stream');
      res.setHeader('Accept-Ranges', 'bytes');
      res.setHeader('ETag', `"${bytes.length}-${statSync(file).mtimeMs}"`);
      const range = fault?.kind === 'ignore-range' ? null : parseRange(req.headers.range, bytes.length);
      if (range === 'invalid') {
        res.setHeader('Content-Range', `bytes */${bytes.length}`);
        return reply(416);
      }
      let body = bytes;
      entry.status = 200;
      if (range) {
        body = bytes.subarray(range.start, range.end + 1);
        entry.status = 206;
        res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${bytes.length}`);
      }
      res.statusCode = entry.status;
      const claimed = body.length + (fault?.kind === 'wrong-length' ? fault.extra : 0);
      res.setHeader('Content-Length', claimed);
      if (req.method === 'HEAD') return res.end();
      if (fault?.kind === 'wrong-length') {
        // Send the real bytes, then close: the client sees fewer bytes than announced.
        res.write(body, () => setTimeout(() => res.destroy(), 20));
        return;
      }
      await sendBody(res, body, fault?.kind === 'drop' ? fault.after : null);
    })().catch(() => res.destroy());
  });

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/`,
    origin,
    port,
    log,
    fault(path, fault) {
      faults.set(path, { ...fault, left: fault.times ?? 1 });
    },
    clearFaults() {
      faults.clear();
    },
    setThrottle(bytesPerSecond) {
      throttle = bytesPerSecond;
    },
    setTransform(next) {
      transform = next;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
