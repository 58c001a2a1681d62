/**
 * The response headers every copy of the studio is served with: cross-origin isolation
 * (multi-threaded WASM) and the security headers (issue 10). One source for the three places
 * that send them, so they cannot drift apart:
 * - `vite preview` / `npm start` (vite.config.ts),
 * - the service worker, on everything it serves from its precache (src/pwa/sw.ts), for static
 *   hosts that send no headers and for offline use,
 * - `_headers` in the build output (Netlify / Cloudflare Pages format), written at build time by
 *   vite.config.ts.
 *
 * The Content-Security-Policy, directive by directive:
 * - `default-src 'self'`: nothing from elsewhere unless listed below;
 * - `script-src 'self' 'wasm-unsafe-eval'`: no inline script and no eval; onnxruntime-web needs to
 *   compile its .wasm (WebAssembly.compile is what 'wasm-unsafe-eval' allows, nothing more);
 * - `worker-src 'self'`: the engine, download and service workers, and ORT's thread workers, all
 *   from this origin;
 * - `connect-src 'self'` + the model hosts: Hugging Face serves `resolve/main/…` from
 *   huggingface.co and redirects large files to its CDNs (cdn-lfs.huggingface.co,
 *   cdn-lfs-us-1.hf.co, cas-bridge.xethub.hf.co for Xet storage): `*.huggingface.co`, `*.hf.co`;
 * - `img-src 'self' blob: data:`: the image dialog shows a saved PNG through a blob: URL;
 * - `style-src 'self'`: the stylesheet only (React sets styles through CSSOM, which CSP allows);
 * - `object-src 'none'`, `base-uri 'none'`, `frame-ancestors 'none'` (no embedding: clickjacking),
 *   `form-action 'self'`.
 *
 * `extraConnect` widens connect-src for the e2e tests only (their loopback model server runs on
 * another port, i.e. another origin): playwright.config.ts sets LS_CSP_EXTRA_CONNECT for the
 * preview server it starts. The build's sw.js and _headers never contain it, and the service
 * worker keeps a policy the server sent rather than replacing it (see sw.ts).
 */

export const MODEL_HOSTS = ['https://huggingface.co', 'https://*.huggingface.co', 'https://*.hf.co'] as const;

export function contentSecurityPolicy(extraConnect: readonly string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "worker-src 'self'",
    `connect-src 'self' ${[...MODEL_HOSTS, ...extraConnect].join(' ')}`,
    "img-src 'self' blob: data:",
    "style-src 'self'",
    "font-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ');
}

export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** Everything the studio's own responses carry. */
export function securityHeaders(extraConnect: readonly string[] = []): Record<string, string> {
  return {
    ...ISOLATION_HEADERS,
    'Content-Security-Policy': contentSecurityPolicy(extraConnect),
    'X-Content-Type-Options': 'nosniff',
    // Model hosts and anything else never learn which page asked.
    'Referrer-Policy': 'no-referrer',
  };
}

/** The same headers as a Netlify / Cloudflare Pages `_headers` file, for every path. */
export function headersFile(): string {
  const lines = Object.entries(securityHeaders()).map(([name, value]) => `  ${name}: ${value}`);
  return `# Written by the build from src/pwa/security-headers.ts; edit that file, not this one.\n/*\n${lines.join('\n')}\n`;
}
