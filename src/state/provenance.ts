/**
 * The app's side of C2PA provenance (src/provenance): the gallery's signer, with the identity in
 * IndexedDB, and the import panel's reader. Both load the C2PA code on first use (a separate
 * chunk, precached like the rest of the app), so the first paint does not wait for it.
 */
import type { C2paReadResult } from '../provenance/c2pa.ts';

export type { C2paIngredient } from '../provenance/c2pa.ts';
import type { PngSigner } from '../provenance/png-signer.ts';
import { APP_VERSION } from './app-version.ts';

/** A signer for this browser profile: identity made on the first image, kept in IndexedDB. */
export function browserPngSigner(): PngSigner {
  let signer: Promise<PngSigner> | null = null;
  return async (png, model, upscaled) => {
    signer ??= Promise.all([
      import('../provenance/png-signer.ts'),
      import('../provenance/identity-idb.ts'),
      import('../provenance/c2pa.ts'),
    ]).then(([{ createPngSigner }, { idbIdentityStore }, { GENERATOR_NAME }]) =>
      createPngSigner(idbIdentityStore(), { generator: GENERATOR_NAME, version: APP_VERSION }),
    );
    return (await signer)(png, model, upscaled);
  };
}

/** The C2PA summary of an imported PNG (signer, actions, validity, trust). */
export async function readProvenance(png: Uint8Array): Promise<C2paReadResult> {
  const { readC2pa } = await import('../provenance/c2pa.ts');
  return readC2pa(png);
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** The same cap the parameter import uses (import-params.ts). */
const MAX_PROVENANCE_FILE_BYTES = 64 * 2 ** 20;

export interface FileProvenance {
  name: string;
  result: C2paReadResult;
}

/** The C2PA summary of a picked or dropped file; null for text files and files too large. */
export async function readFileProvenance(file: File): Promise<FileProvenance | null> {
  if (file.size > MAX_PROVENANCE_FILE_BYTES) return null;
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (!PNG_MAGIC.every((b, i) => bytes[i] === b)) return null;
  try {
    return { name: file.name || 'the file', result: await readProvenance(bytes) };
  } catch (error) {
    return { name: file.name || 'the file', result: { kind: 'unreadable', message: String(error) } };
  }
}
