/**
 * An independent C2PA reader for tests: c2pa-rs (the CAI's reference implementation) compiled to
 * wasm, from @contentauth/c2pa-wasm (a devDependency; the app never loads it). It reads Blobs
 * through FileReaderSync, a worker-only API Node lacks, so it gets an in-memory stand-in.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

class BytesBlob {
  readonly size: number;
  constructor(readonly bytes: Uint8Array) {
    this.size = bytes.length;
  }
  slice(start?: number, end?: number) {
    return new BytesBlob(this.bytes.subarray(start, end));
  }
}

let ready: Promise<typeof import('@contentauth/c2pa-wasm')> | null = null;

function load() {
  ready ??= (async () => {
    (globalThis as { FileReaderSync?: unknown }).FileReaderSync = class {
      readAsArrayBuffer(blob: BytesBlob) {
        return blob.bytes.slice().buffer;
      }
    };
    const wasm = await import('@contentauth/c2pa-wasm');
    const require = createRequire(import.meta.url);
    const wasmPath = require.resolve('@contentauth/c2pa-wasm/c2pa.wasm');
    wasm.initSync({ module: await readFile(wasmPath) });
    return wasm;
  })();
  return ready;
}

export interface RsValidationEntry {
  code: string;
  url?: string;
  explanation?: string;
}

export interface RsManifestStore {
  active_manifest?: string;
  manifests: Record<
    string,
    {
      claim_generator_info?: { name: string; version?: string }[];
      assertions: { label: string; data: { actions?: Record<string, unknown>[] } }[];
      signature_info?: { alg?: string; issuer?: string; common_name?: string };
    }
  >;
  validation_status?: RsValidationEntry[];
  validation_state?: string;
}

/** c2pa-rs's JSON report of a PNG's manifest store (throws when it finds none). */
export async function readWithC2paRs(png: Uint8Array): Promise<RsManifestStore> {
  const wasm = await load();
  const reader = await wasm.WasmReader.fromBlob('image/png', new BytesBlob(png) as unknown as Blob);
  try {
    return JSON.parse(reader.json()) as RsManifestStore;
  } finally {
    reader.free();
  }
}
