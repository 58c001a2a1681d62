/**
 * One signing function per process or store: loads (or makes, on first use) the install's
 * identity once, then signs each PNG with it. The identity is cached in this closure, not in a
 * module variable, so each store or test gets its own.
 */
import { signPng, type ProvenanceInfo } from './c2pa.ts';

export type { ProvenanceSource } from './c2pa.ts';
import { loadOrCreateIdentity, type IdentityStore, type SigningIdentity } from './identity.ts';

export type PngSigner = (png: Uint8Array, model: string, upscaled?: ProvenanceInfo['upscaled']) => Promise<Uint8Array>;

export function createPngSigner(
  store: IdentityStore,
  app: Omit<ProvenanceInfo, 'model'>,
  options: { extractable?: boolean } = {},
): PngSigner {
  let identity: Promise<SigningIdentity> | null = null;
  return async (png, model, upscaled) => {
    identity ??= loadOrCreateIdentity(store, options.extractable ?? false).catch((error: unknown) => {
      identity = null; // try again next time (a blocked IndexedDB may open later)
      throw error;
    });
    return signPng(png, await identity, { ...app, model, ...(upscaled ? { upscaled } : {}) });
  };
}
