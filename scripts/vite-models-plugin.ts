/**
 * Serves the top-level models/ folder at /models/ in the dev server and copies it into the build
 * (so `vite preview`, the service worker's precache and any static host see the same files).
 * Only the files a browser needs are copied: eval prompts and the model card stay behind.
 */
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, resolve, sep } from 'node:path';
import type { Plugin } from 'vite';

const SHIPPED = new Set(['.onnx', '.json', '.txt', '.onnx_data']);
const SKIPPED_FILES = new Set(['eval_prompts.json']);

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

export function modelsPlugin(modelsDir = 'models'): Plugin {
  const root = resolve(modelsDir);
  const shipped = (path: string) => SHIPPED.has(extname(path)) && !SKIPPED_FILES.has(path.split(sep).pop() ?? '');
  return {
    name: 'latent-studio-models',
    configureServer(server) {
      server.middlewares.use('/models', (req, res, next) => {
        const path = resolve(root, `.${decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/')}`);
        if (!path.startsWith(root + sep) || !existsSync(path) || statSync(path).isDirectory()) return next();
        res.setHeader('Content-Length', statSync(path).size);
        res.setHeader('Content-Type', path.endsWith('.json') ? 'application/json' : 'application/octet-stream');
        createReadStream(path).pipe(res);
      });
    },
    generateBundle() {
      if (!existsSync(root)) return;
      for (const file of listFiles(root).filter(shipped)) {
        this.emitFile({
          type: 'asset',
          fileName: `models/${relative(root, file).split(sep).join('/')}`,
          source: readFileSync(file),
        });
      }
    },
  };
}
