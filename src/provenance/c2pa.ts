/**
 * C2PA manifests on PNGs, through @trustnxt/c2pa-ts (a pure TypeScript C2PA 2.1 implementation:
 * JUMBF, COSE, claim and assertions; no wasm, so it runs unchanged in the browser and in Node).
 *
 * Writing: one manifest with a `c2pa.actions` assertion (`c2pa.created`, digital source type
 * IPTC `trainedAlgorithmicMedia`, the studio as software agent, the model as a parameter) and
 * the data-hash hard binding, signed ES256 with the install's identity (identity.ts). The
 * manifest store goes in the PNG's `caBX` chunk; the A1111 `parameters` text chunk stays.
 * An upscale of a signed image continues its chain instead: the store keeps the source's
 * manifests, and the new one names the source as its parentOf ingredient, with `c2pa.opened`
 * then `c2pa.resized` (see addParentIngredient).
 *
 * Reading: the summary the import panel shows — signer, actions, ingredients, whether the
 * signature and the hashes validate, and whether the signer is trusted (never, here: no trust list is configured,
 * and c2pa-ts does not evaluate trust, so the studio decides it and says why).
 */
import * as x509 from '@peculiar/x509';
import { PNG, type Asset } from '@trustnxt/c2pa-ts/asset';
import { CoseAlgorithmIdentifier, type Signer } from '@trustnxt/c2pa-ts/cose';
import { SuperBox } from '@trustnxt/c2pa-ts/jumbf';
import {
  ActionAssertion,
  ActionType,
  DataHashAssertion,
  DigitalSourceType,
  IngredientAssertion,
  type Manifest,
  ManifestStore,
  RelationshipType,
  ValidationResult,
  ValidationStatusCode,
} from '@trustnxt/c2pa-ts/manifest';
import type { SigningIdentity } from './identity.ts';

/** The claim generator and software agent name written into every manifest. */
export const GENERATOR_NAME = 'Latent Studio';

export const TRAINED_ALGORITHMIC_MEDIA = 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia';

x509.cryptoProvider.set(globalThis.crypto);

export interface ProvenanceInfo {
  /** "Latent Studio" */
  generator: string;
  /** package.json version */
  version: string;
  /** The model that made the image (catalog id or folder name). */
  model: string;
  /**
   * An upscale after generation (gallery "Upscale ×N", `npm run upscale`): recorded as C2PA's
   * `c2pa.resized`, with the upscaler and factor as its parameters, after `c2pa.opened` of the
   * `source` when that carries a valid manifest, else after `c2pa.created`.
   */
  upscaled?: { upscaler: string; scale: number; source?: ProvenanceSource };
}

/**
 * The image an upscale started from. When its PNG carries a valid C2PA manifest store, the new
 * manifest names it as its `parentOf` ingredient and the chain goes on; otherwise (an image from
 * elsewhere, or a manifest that does not validate) the upscale records `c2pa.created` as before.
 */
export interface ProvenanceSource {
  png: Uint8Array;
  /** The ingredient's `dc:title`: its file name, or "gallery image <seed>". */
  title: string;
}

interface ParentStore {
  store: ManifestStore;
  /** The source's active manifest: its label (a URN) and its claim's instanceID. */
  label: string;
  instanceID: string;
}

/** A PNG's manifest store, read and validated, with the failures that count (trust aside). */
type StoreRead =
  | { kind: 'none' }
  | { kind: 'unreadable'; message: string }
  | { kind: 'read'; store: ManifestStore; failures: ValidationResult['statusEntries'] };

async function readManifestStore(png: Uint8Array): Promise<StoreRead> {
  const unreadable = (error: unknown): StoreRead => ({
    kind: 'unreadable',
    message: error instanceof Error ? error.message : String(error),
  });
  let asset: PNG;
  try {
    asset = new PNG(png);
  } catch (error) {
    return unreadable(error);
  }
  const jumbf = asset.getManifestJUMBF();
  if (!jumbf) return { kind: 'none' };
  try {
    const store = ManifestStore.read(SuperBox.fromBuffer(jumbf as Uint8Array<ArrayBuffer>));
    const validation = await store.validate(asset);
    // c2pa-ts reports signingCredential.trusted without a trust list; trust is decided by readC2pa.
    const failures = validation.statusEntries.filter(
      (e) => !e.success && e.code !== ValidationStatusCode.SigningCredentialTrusted,
    );
    return { kind: 'read', store, failures };
  } catch (error) {
    return unreadable(error);
  }
}

/** The source's manifest store when it reads and its active manifest validates (trust aside). */
async function validParentStore(png: Uint8Array): Promise<ParentStore | null> {
  const read = await readManifestStore(png);
  if (read.kind !== 'read' || read.failures.length > 0) return null;
  const active = read.store.getActiveManifest();
  const label = active?.label;
  const instanceID = active?.claim?.instanceID;
  return label && instanceID ? { store: read.store, label, instanceID } : null;
}

function signerOf(identity: SigningIdentity): Signer {
  const [leaf, ...chain] = identity.certificates.map((der) => new x509.X509Certificate(der));
  if (!leaf) throw new Error('the signing identity has no certificate');
  return {
    algorithm: CoseAlgorithmIdentifier.ES256,
    certificate: leaf,
    chainCertificates: chain,
    async sign(payload) {
      const signature = await globalThis.crypto.subtle.sign(
        { name: 'ECDSA', hash: 'SHA-256' },
        identity.privateKey,
        payload as Uint8Array<ArrayBuffer>,
      );
      return new Uint8Array(signature);
    },
  };
}

/**
 * Adds the `c2pa.ingredient.v2` assertion for the source (relationship parentOf, its title, format
 * and instanceID, and `c2pa_manifest`: a hashed reference to its active manifest, which the store
 * now also holds). v2 because the claim is a 1.x `c2pa.claim` (c2pa-ts's default, as every studio
 * PNG has); c2pa-rs validates the pair and reports `ingredient.manifest.validated`. Returns the
 * reference `c2pa.opened` carries in `parameters.ingredients`. The hashes are filled in at sign():
 * c2pa-ts updates references in creation order, so the manifest's hash is in the ingredient
 * before the ingredient is hashed, and the ingredient's before the actions are.
 */
function addParentIngredient(manifest: Manifest, parent: ParentStore, source: ProvenanceSource) {
  const ingredient = IngredientAssertion.createV2(source.title, 'image/png');
  ingredient.relationship = RelationshipType.ParentOf;
  ingredient.instanceID = parent.instanceID;
  ingredient.c2pa_manifest = manifest.createHashedReference(`/c2pa/${parent.label}`);
  manifest.addAssertion(ingredient);
  return manifest.createAssertionReference(ingredient);
}

/** Returns the PNG with a signed C2PA manifest store embedded (other chunks untouched). */
export async function signPng(png: Uint8Array, identity: SigningIdentity, info: ProvenanceInfo): Promise<Uint8Array> {
  const signer = signerOf(identity);
  const asset = new PNG(png);
  const parent = info.upscaled?.source ? await validParentStore(info.upscaled.source.png) : null;
  // The parent's manifests are carried over byte for byte (c2pa-ts re-emits read boxes as read).
  const store = parent?.store ?? new ManifestStore();
  const manifest = store.createManifest({
    assetFormat: 'image/png',
    instanceID: `xmp:iid:${globalThis.crypto.randomUUID()}`,
    defaultHashAlgorithm: 'SHA-256',
    signer,
  });
  const claim = manifest.claim;
  if (!claim) throw new Error('c2pa-ts made a manifest without a claim');
  claim.claimGeneratorName = info.generator;
  claim.claimGeneratorVersion = info.version;
  const agent = { name: info.generator, version: info.version };
  const opened = parent && info.upscaled?.source ? addParentIngredient(manifest, parent, info.upscaled.source) : null;
  const actions = new ActionAssertion();
  actions.actions = [
    // C2PA 2.x §Actions: an edit of an existing asset starts with `c2pa.opened`, naming its
    // parentOf ingredient; an image that starts here is `c2pa.created`.
    opened
      ? { action: ActionType.C2paOpened, softwareAgent: agent, parameters: { ingredients: [opened] } }
      : {
          action: ActionType.C2paCreated,
          digitalSourceType: DigitalSourceType.TrainedAlgorithmicMedia,
          softwareAgent: agent,
          parameters: { model: info.model },
        },
    ...(info.upscaled
      ? [
          {
            action: ActionType.C2paResized,
            softwareAgent: agent,
            parameters: { upscaler: info.upscaled.upscaler, scale: info.upscaled.scale },
          },
        ]
      : []),
  ];
  manifest.addAssertion(actions);
  const hash = DataHashAssertion.create('SHA-256');
  manifest.addAssertion(hash);
  // Order matters: reserve the chunk, hash everything outside it, sign the claim, write it.
  await asset.ensureManifestSpace(store.measureSize());
  await hash.updateWithAsset(asset);
  await manifest.sign(signer);
  await asset.writeManifestJUMBF(store.getBytes());
  return asset.getDataRange();
}

export interface C2paAction {
  action: string;
  digitalSourceType?: string;
  softwareAgent?: string;
  /** The `model` parameter this studio records on `c2pa.created`. */
  model?: string;
  /** The `upscaler` and `scale` parameters it records on `c2pa.resized`. */
  upscaler?: string;
  scale?: number;
}

/** An ingredient of the active manifest: what the image was made from. */
export interface C2paIngredient {
  title: string;
  /** parentOf (the image this one is an edit of), componentOf or inputTo. */
  relationship: string;
  /**
   * `valid`: the ingredient's manifest is in the store, matches the hash the new claim signed,
   * and its own signature and assertion hashes verify (its data hash binds the source file,
   * which is not here, so it is not checked, as c2pa-rs does); `invalid`: one of those fails;
   * `none`: the ingredient carries no manifest (unknown provenance).
   */
  manifest: 'valid' | 'invalid' | 'none';
}

export interface C2paSummary {
  /** Claim generator, e.g. "Latent Studio 0.1.0". */
  generator: string;
  /** Signing certificate's common name and organization. */
  signer: string;
  /** The certificate that issued it (the root of the embedded chain). */
  issuer: string;
  actions: C2paAction[];
  ingredients: C2paIngredient[];
  /** The claim signature verifies, the chain's signatures verify, and every hash matches. */
  signatureValid: boolean;
  /** Failure codes and messages when not valid. */
  problems: string[];
  trusted: boolean;
  /** Why it is (not) trusted, in words for the import panel. */
  trustReason: string;
  /** SHA-256 of the chain's root certificate (see identityFingerprint). */
  rootFingerprint: string;
}

export type C2paReadResult =
  { kind: 'none' } | { kind: 'unreadable'; message: string } | { kind: 'manifest'; summary: C2paSummary };

const nameOf = (cert: x509.X509Certificate, dn: 'subject' | 'issuer') => {
  const name = new x509.Name(cert[dn]);
  const cn = name.getField('CN')[0];
  const o = name.getField('O')[0];
  return [cn, o].filter(Boolean).join(', ') || cert[dn];
};

async function chainProblems(chain: x509.X509Certificate[], at: Date): Promise<string[]> {
  const problems: string[] = [];
  for (const [i, cert] of chain.entries()) {
    const issuer = chain[i + 1] ?? cert;
    const ok = await cert.verify({ publicKey: issuer.publicKey, date: at, signatureOnly: false }).catch(() => false);
    if (!ok)
      problems.push(
        `certificate "${nameOf(cert, 'subject')}" is not validly signed by its issuer or is outside its validity period`,
      );
  }
  return problems;
}

const agentName = (agent: unknown): string | undefined => {
  if (typeof agent === 'string') return agent;
  if (agent && typeof agent === 'object' && 'name' in agent) {
    const { name, version } = agent as { name: string; version?: string };
    return version ? `${name} ${version}` : name;
  }
  return undefined;
};

/** Codes that do not make an ingredient's manifest invalid when read inside another file. */
const NOT_AN_INGREDIENT_FAILURE = new Set<string>([
  ValidationStatusCode.SigningCredentialTrusted, // c2pa-ts's trust quirk, as in readC2pa
  ValidationStatusCode.AssertionDataHashMismatch, // its hard binding is to the source file
  ValidationStatusCode.AssertionBMFFHashMismatch,
]);

/**
 * The file an ingredient's manifest binds to is not here: it is validated against no bytes, so
 * its data hash mismatches (ignored above) whatever the size of the file that carries it.
 */
const ABSENT_SOURCE: Asset = {
  mimeType: 'image/png',
  getDataLength: () => 0,
  getDataRange: async () => new Uint8Array(0),
  getManifestJUMBF: () => undefined,
  dumpInfo: () => 'the ingredient itself (absent)',
  ensureManifestSpace: () => Promise.reject(new Error('read only')),
  getHashExclusionRange: () => ({ start: 0, length: 0 }),
  writeManifestJUMBF: () => Promise.reject(new Error('read only')),
};

async function ingredientManifestValid(
  store: ManifestStore,
  reference: { uri: string; hash: Uint8Array; algorithm: 'SHA-256' | 'SHA-384' | 'SHA-512' },
): Promise<boolean> {
  const label = /^self#jumbf=\/c2pa\/([^/]+)$/.exec(reference.uri)?.[1];
  const target = label ? store.getManifestByLabel(label) : undefined;
  const bytes = target?.getBytes();
  if (!target || !bytes) return false;
  const digest = new Uint8Array(
    await globalThis.crypto.subtle.digest(reference.algorithm, bytes as Uint8Array<ArrayBuffer>),
  );
  if (digest.length !== reference.hash.length || digest.some((b, i) => b !== reference.hash[i])) return false;
  try {
    const result = await target.validate(ABSENT_SOURCE);
    return !result.statusEntries.some((e) => !e.success && !NOT_AN_INGREDIENT_FAILURE.has(e.code));
  } catch {
    return false;
  }
}

async function ingredientsOf(store: ManifestStore, manifest: Manifest | undefined) {
  const ingredients: C2paIngredient[] = [];
  for (const assertion of manifest?.assertions?.assertions ?? []) {
    if (!(assertion instanceof IngredientAssertion)) continue;
    const reference = assertion.activeManifest ?? assertion.c2pa_manifest;
    ingredients.push({
      title: assertion.title ?? 'untitled',
      relationship: assertion.relationship ?? 'unknown',
      manifest: !reference ? 'none' : (await ingredientManifestValid(store, reference)) ? 'valid' : 'invalid',
    });
  }
  return ingredients;
}

/**
 * Reads and validates the active manifest of a PNG. `trustAnchors` are root fingerprints the user
 * trusts (none by default: the studio ships no C2PA trust list).
 */
export async function readC2pa(png: Uint8Array, trustAnchors: readonly string[] = []): Promise<C2paReadResult> {
  const read = await readManifestStore(png);
  if (read.kind !== 'read') return read;
  const { store, failures } = read;
  const manifest = store.getActiveManifest();
  const claim = manifest?.claim;
  const signature = manifest?.signature;
  const leaf = signature?.signatureData.certificate;
  const chain = leaf ? [leaf, ...(signature?.signatureData.chainCertificates ?? [])] : [];
  const root = chain.at(-1);
  const problems = failures.map((e) => (e.explanation ? `${e.code}: ${e.explanation}` : e.code));
  if (chain.length > 0) problems.push(...(await chainProblems(chain, new Date())));
  const actions: C2paAction[] = [];
  for (const assertion of manifest?.assertions?.assertions ?? []) {
    if (!(assertion instanceof ActionAssertion)) continue;
    for (const a of assertion.actions) {
      const agent = agentName(a.softwareAgent);
      actions.push({
        action: a.action,
        ...(a.digitalSourceType ? { digitalSourceType: a.digitalSourceType } : {}),
        ...(agent ? { softwareAgent: agent } : {}),
        ...(typeof a.parameters?.['model'] === 'string' ? { model: a.parameters['model'] } : {}),
        ...(typeof a.parameters?.['upscaler'] === 'string' ? { upscaler: a.parameters['upscaler'] } : {}),
        ...(typeof a.parameters?.['scale'] === 'number' ? { scale: a.parameters['scale'] } : {}),
      });
    }
  }
  const rootFingerprint = root
    ? Array.from(new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', root.rawData)), (b) =>
        b.toString(16).padStart(2, '0'),
      ).join('')
    : '';
  const trusted = rootFingerprint !== '' && trustAnchors.includes(rootFingerprint) && problems.length === 0;
  const selfSigned = root ? root.subject === root.issuer : false;
  const trustReason = trusted
    ? 'The certificate chain ends in a root you trust.'
    : !root
      ? 'The manifest carries no certificate.'
      : selfSigned
        ? `The certificate chain ends in "${nameOf(root, 'subject')}", a self-signed root that is on no C2PA trust list (Latent Studio makes one for each install), so nobody vouches for who signed it: the signature only shows the image is unchanged since signing.`
        : `The certificate chain ends in "${nameOf(root, 'issuer')}", which is on no trust list this studio knows.`;
  return {
    kind: 'manifest',
    summary: {
      generator: [claim?.claimGeneratorName, claim?.claimGeneratorVersion].filter(Boolean).join(' '),
      signer: leaf ? nameOf(leaf, 'subject') : 'unknown',
      issuer: root ? nameOf(root, 'subject') : 'unknown',
      actions,
      ingredients: await ingredientsOf(store, manifest),
      signatureValid: problems.length === 0 && !!leaf,
      problems,
      trusted,
      trustReason,
      rootFingerprint,
    },
  };
}
