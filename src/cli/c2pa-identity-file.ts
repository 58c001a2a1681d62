/**
 * The CLI's C2PA signing identity, in a key file: `$LATENT_STUDIO_C2PA_KEY` when set, else
 * `$XDG_CONFIG_HOME/latent-studio/c2pa-signer.json` (~/.config/latent-studio/…). The file holds
 * the private key as a JWK and the DER certificates in base64; it is written owner-only (0600).
 * Made on the first `npm run generate`, like the browser's IndexedDB identity.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { IdentityStore, SigningIdentity } from '../provenance/identity.ts';

interface KeyFile {
  format: 'latent-studio-c2pa-signer/1';
  privateKey: JsonWebKey;
  certificates: string[];
}

export function identityFilePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LATENT_STUDIO_C2PA_KEY) return env.LATENT_STUDIO_C2PA_KEY;
  const config = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(config, 'latent-studio', 'c2pa-signer.json');
}

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;

export function fileIdentityStore(path = identityFilePath()): IdentityStore {
  return {
    async load() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
      let file: KeyFile;
      try {
        file = JSON.parse(text) as KeyFile;
        if (file.format !== 'latent-studio-c2pa-signer/1') throw new Error(`unknown format ${String(file.format)}`);
        const privateKey = await crypto.subtle.importKey('jwk', file.privateKey, EC, false, ['sign']);
        const certificates = file.certificates.map((b64) => {
          const bytes = Buffer.from(b64, 'base64');
          return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
        });
        return { privateKey, certificates } satisfies SigningIdentity;
      } catch (error) {
        throw new Error(
          `The C2PA key file ${path} cannot be read (${error instanceof Error ? error.message : String(error)}); move it away to make a new one.`,
        );
      }
    },
    async save(identity) {
      const file: KeyFile = {
        format: 'latent-studio-c2pa-signer/1',
        privateKey: await crypto.subtle.exportKey('jwk', identity.privateKey),
        certificates: identity.certificates.map((der) => Buffer.from(der).toString('base64')),
      };
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      // 'wx': never overwrite a key another process wrote first.
      await writeFile(path, JSON.stringify(file, null, 2), { mode: 0o600, flag: 'wx' }).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      });
    },
  };
}
