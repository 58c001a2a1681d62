/**
 * The per-install signing identity: an ES256 (ECDSA P-256) key pair and a two-certificate chain
 * made with WebCrypto on first use. The chain is a self-signed root ("Latent Studio install root")
 * and the signing certificate it issues. Why two: c2pa-rs (the reference validator, which Adobe's
 * and the CAI's tools run) refuses a self-signed *signing* certificate as an invalid credential,
 * so a lone self-signed leaf would read as a broken signature everywhere else. With a root of our
 * own the signature validates and only trust fails, which is the truth: nobody vouches for it.
 *
 * Runs wherever WebCrypto does (browser main thread, workers, Node ≥ 20). Storage is the caller's:
 * IndexedDB in the browser (identity-idb.ts), a key file in Node (src/cli/c2pa-identity-file.ts).
 */
import * as x509 from '@peculiar/x509';

/** What is kept between runs. `privateKey` may be a non-extractable CryptoKey (browser). */
export interface SigningIdentity {
  privateKey: CryptoKey;
  /** DER certificates, signing certificate first, then the root. */
  certificates: ArrayBuffer[];
}

const EC: EcKeyGenParams & EcdsaParams = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
/** id-kp-emailProtection: one of the extended key usages C2PA's certificate profile accepts. */
const EKU_EMAIL_PROTECTION = '1.3.6.1.5.5.7.3.4';
const VALID_YEARS = 10;

x509.cryptoProvider.set(globalThis.crypto);

const randomSerial = () =>
  Array.from(globalThis.crypto.getRandomValues(new Uint8Array(8)), (b, i) =>
    (i === 0 ? b & 0x7f : b).toString(16).padStart(2, '0'),
  ).join('');

/**
 * Makes a new identity. `extractable` only for the Node key file, which has to write the key
 * out; the browser keeps a non-extractable key that even the page's own scripts cannot read.
 */
export async function createSigningIdentity(options: { extractable?: boolean; now?: Date } = {}): Promise<{
  identity: SigningIdentity;
  keys: CryptoKeyPair;
}> {
  const subtle = globalThis.crypto.subtle;
  const rootKeys = await subtle.generateKey(EC, false, ['sign', 'verify']);
  const keys = await subtle.generateKey(EC, options.extractable ?? false, ['sign', 'verify']);
  const notBefore = new Date((options.now ?? new Date()).getTime() - 60_000);
  const notAfter = new Date(notBefore.getTime() + VALID_YEARS * 365.25 * 86_400_000);
  const install = randomSerial().slice(0, 8);
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: `CN=Latent Studio install root ${install}, O=Latent Studio (self-signed)`,
    notBefore,
    notAfter,
    keys: rootKeys,
    signingAlgorithm: EC,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  });
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=Latent Studio signer ${install}, O=Latent Studio (self-signed)`,
    issuer: root.subject,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: rootKeys.privateKey,
    signingAlgorithm: EC,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([EKU_EMAIL_PROTECTION], false),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  });
  // The root's private key is dropped here: it has issued its one certificate.
  return { identity: { privateKey: keys.privateKey, certificates: [leaf.rawData, root.rawData] }, keys };
}

/** Where an identity is kept between runs. */
export interface IdentityStore {
  load(): Promise<SigningIdentity | null>;
  save(identity: SigningIdentity): Promise<void>;
}

/** The stored identity, or a new one saved on first use. */
export async function loadOrCreateIdentity(store: IdentityStore, extractable = false): Promise<SigningIdentity> {
  const kept = await store.load();
  if (kept) return kept;
  const { identity } = await createSigningIdentity({ extractable });
  await store.save(identity);
  // Read back: a store that refuses to overwrite (two browser tabs on first use) keeps the winner.
  return (await store.load()) ?? identity;
}

/** SHA-256 of the root certificate (hex): names the install that signed, for "made here" checks. */
export async function identityFingerprint(certificates: ArrayBuffer[]): Promise<string> {
  const root = certificates.at(-1);
  if (!root) return '';
  const digest = await globalThis.crypto.subtle.digest('SHA-256', root);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
