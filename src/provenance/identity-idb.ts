/**
 * The browser's signing identity, kept in IndexedDB (through idb): a non-extractable ES256
 * CryptoKey (structured clone keeps it usable, never readable) and its DER certificates. Made on
 * the first signed image. Two tabs racing on first use: `add` lets one win, the other re-reads it.
 */
import { openDB, type DBSchema } from 'idb';
import type { IdentityStore, SigningIdentity } from './identity.ts';

const KEY = 'c2pa-signer';

interface IdentitySchema extends DBSchema {
  identity: { key: string; value: SigningIdentity };
}

export function idbIdentityStore(name = 'latent-studio-provenance'): IdentityStore {
  const open = () =>
    openDB<IdentitySchema>(name, 1, {
      upgrade(database) {
        database.createObjectStore('identity');
      },
    });
  return {
    async load() {
      const db = await open();
      try {
        const value = await db.get('identity', KEY);
        const ok =
          value &&
          value.privateKey instanceof CryptoKey &&
          Array.isArray(value.certificates) &&
          value.certificates.length > 0;
        return ok ? value : null;
      } finally {
        db.close();
      }
    },
    async save(identity) {
      const db = await open();
      try {
        await db.add('identity', identity, KEY);
      } catch (error) {
        // Another tab saved one first: keep theirs (loadOrCreateIdentity reads it back).
        if (!(error instanceof DOMException && error.name === 'ConstraintError')) throw error;
      } finally {
        db.close();
      }
    },
  };
}
