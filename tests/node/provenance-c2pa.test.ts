/**
 * The C2PA manifest the studio writes, checked by c2pa-rs (the CAI's reference implementation, a
 * different code path from the c2pa-ts writer) and by the studio's own reader: signature and
 * hashes valid, signer untrusted (self-signed install root), actions as issue 16 asks, the A1111
 * `parameters` chunk kept, and a tampered image failing validation in both readers.
 */
import { crc32 } from 'node:zlib';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { readPngText, withPngText } from '../../src/metadata/png-text.ts';
import { readC2pa, signPng, TRAINED_ALGORITHMIC_MEDIA } from '../../src/provenance/c2pa.ts';
import { createSigningIdentity, identityFingerprint, type SigningIdentity } from '../../src/provenance/identity.ts';
import { readWithC2paRs, type RsManifestStore } from '../support/c2pa-rs-reader.ts';

function plainPng(size = 16): Uint8Array {
  const png = new PNG({ width: size, height: size });
  for (let i = 0; i < png.data.length; i += 4) png.data.set([(i * 7) % 256, 90, 200, 255], i);
  return withPngText(new Uint8Array(PNG.sync.write(png)), 'parameters', 'a red star\nSteps: 4, Seed: 1');
}

const info = { generator: 'Latent Studio', version: '0.1.0', model: 'tiny-shapes' };
let identity: SigningIdentity;
let signed: Uint8Array;

beforeAll(async () => {
  identity = (await createSigningIdentity()).identity;
  signed = await signPng(plainPng(), identity, info);
});

describe('C2PA manifest on a studio PNG', () => {
  it('validates in c2pa-rs: signature and data hash good, signer untrusted', async () => {
    const report = await readWithC2paRs(signed);
    expect(report.validation_state).toBe('Valid');
    const codes = (report.validation_status ?? []).map((e) => e.code);
    // The only complaint is trust: a self-signed install root is on no trust list.
    expect(codes).toEqual(['signingCredential.untrusted']);
    const manifest = report.manifests[report.active_manifest ?? ''];
    expect(manifest?.claim_generator_info?.[0]).toEqual({ name: 'Latent Studio', version: '0.1.0' });
    expect(manifest?.signature_info?.alg).toBe('Es256');
    expect(manifest?.signature_info?.common_name).toMatch(/^Latent Studio signer /);
    const actions = manifest?.assertions.find((a) => a.label.startsWith('c2pa.actions'))?.data.actions;
    expect(actions).toEqual([
      expect.objectContaining({
        action: 'c2pa.created',
        digitalSourceType: TRAINED_ALGORITHMIC_MEDIA,
        softwareAgent: { name: 'Latent Studio', version: '0.1.0' },
        parameters: { model: 'tiny-shapes' },
      }),
    ]);
  });

  it('keeps the A1111 parameters chunk readable', () => {
    const text = readPngText(signed).find((e) => e.keyword === 'parameters')?.text;
    expect(text).toBe('a red star\nSteps: 4, Seed: 1');
    // and the pixels are untouched
    expect(PNG.sync.read(Buffer.from(signed)).data).toEqual(PNG.sync.read(Buffer.from(plainPng())).data);
  });

  it('reads back in the studio as valid, untrusted, with the reason', async () => {
    const result = await readC2pa(signed);
    expect(result.kind).toBe('manifest');
    if (result.kind !== 'manifest') return;
    const s = result.summary;
    expect(s.signatureValid).toBe(true);
    expect(s.problems).toEqual([]);
    expect(s.trusted).toBe(false);
    expect(s.trustReason).toMatch(/self-signed root that is on no C2PA trust list/);
    expect(s.generator).toBe('Latent Studio 0.1.0');
    expect(s.signer).toMatch(/^Latent Studio signer \w+, Latent Studio \(self-signed\)$/);
    expect(s.actions).toEqual([
      {
        action: 'c2pa.created',
        digitalSourceType: TRAINED_ALGORITHMIC_MEDIA,
        softwareAgent: 'Latent Studio 0.1.0',
        model: 'tiny-shapes',
      },
    ]);
    expect(s.rootFingerprint).toBe(await identityFingerprint(identity.certificates));
    // A root the user chose to trust is trusted.
    const again = await readC2pa(signed, [s.rootFingerprint]);
    expect(again.kind === 'manifest' && again.summary.trusted).toBe(true);
  });

  it('a changed pixel fails validation in both readers', async () => {
    const tampered = PNG.sync.read(Buffer.from(signed));
    tampered.data[0] = (tampered.data[0]! + 1) % 256;
    // Re-encode the pixels but keep the manifest and text chunks: splice the new IDAT in.
    const forged = spliceIdat(signed, new Uint8Array(PNG.sync.write(tampered)));
    const report = await readWithC2paRs(forged);
    expect(report.validation_state).toBe('Invalid');
    expect((report.validation_status ?? []).map((e) => e.code)).toContain('assertion.dataHash.mismatch');
    const ours = await readC2pa(forged);
    expect(ours.kind === 'manifest' && ours.summary.signatureValid).toBe(false);
    expect(ours.kind === 'manifest' && ours.summary.problems.join(' ')).toMatch(/dataHash\.mismatch/);
  });

  it('a PNG without a manifest reads as none', async () => {
    expect(await readC2pa(plainPng())).toEqual({ kind: 'none' });
  });
});

describe('an upscale of a signed image continues its C2PA chain', () => {
  const upscaledPng = () => plainPng(32);
  const upscale = (source: Uint8Array, title = 'gallery image 1') =>
    signPng(upscaledPng(), identity, {
      ...info,
      upscaled: { upscaler: 'Lanczos', scale: 2, source: { png: source, title } },
    });

  it('c2pa-rs: the source manifest is its parentOf ingredient, opened then resized, all valid but untrusted', async () => {
    const source = await readWithC2paRs(signed);
    const report = await readWithC2paRs(await upscale(signed));
    expect(report.validation_state).toBe('Valid');
    // One untrusted signer per manifest (the source's and the new one), nothing else.
    expect(new Set((report.validation_status ?? []).map((e) => e.code))).toEqual(
      new Set(['signingCredential.untrusted']),
    );
    const results = (report as unknown as { validation_results: RsValidationResults }).validation_results;
    expect(results.activeManifest.failure.map((e) => e.code)).toEqual(['signingCredential.untrusted']);
    expect(results.ingredientDeltas?.[0]?.validationDeltas.success.map((e) => e.code)).toContain(
      'ingredient.manifest.validated',
    );
    expect(results.ingredientDeltas?.[0]?.validationDeltas.failure.map((e) => e.code)).toEqual([
      'signingCredential.untrusted',
    ]);
    // The source's manifest is carried over unchanged, and is not the active one.
    const sourceLabel = source.active_manifest ?? '';
    expect(report.active_manifest).not.toBe(sourceLabel);
    expect(report.manifests[sourceLabel]).toEqual(source.manifests[sourceLabel]);
    const active = report.manifests[report.active_manifest ?? ''] as RsManifestWithIngredients;
    expect(active.ingredients).toEqual([
      expect.objectContaining({
        title: 'gallery image 1',
        format: 'image/png',
        relationship: 'parentOf',
        instance_id: (source.manifests[sourceLabel] as RsManifestWithIngredients).instance_id,
        active_manifest: sourceLabel,
        label: 'c2pa.ingredient.v2',
      }),
    ]);
    const actions = active.assertions.find((a) => a.label.startsWith('c2pa.actions'))?.data.actions;
    expect(actions).toEqual([
      {
        action: 'c2pa.opened',
        softwareAgent: { name: 'Latent Studio', version: '0.1.0' },
        parameters: {
          ingredients: [expect.objectContaining({ url: 'self#jumbf=c2pa.assertions/c2pa.ingredient.v2' })],
        },
      },
      {
        action: 'c2pa.resized',
        softwareAgent: { name: 'Latent Studio', version: '0.1.0' },
        parameters: { upscaler: 'Lanczos', scale: 2 },
      },
    ]);
  });

  it('the studio reader lists the ingredient with its manifest valid', async () => {
    const result = await readC2pa(await upscale(signed));
    if (result.kind !== 'manifest') throw new Error(`read as ${result.kind}`);
    expect(result.summary.signatureValid).toBe(true);
    expect(result.summary.problems).toEqual([]);
    expect(result.summary.ingredients).toEqual([
      { title: 'gallery image 1', relationship: 'parentOf', manifest: 'valid' },
    ]);
    expect(result.summary.actions.map((a) => a.action)).toEqual(['c2pa.opened', 'c2pa.resized']);
    // The source's data hash is not checked against the file that carries it (which may be smaller).
    const smaller = await signPng(plainPng(4), identity, {
      ...info,
      upscaled: { upscaler: 'Lanczos', scale: 0.25, source: { png: signed, title: 'big.png' } },
    });
    const read = await readC2pa(smaller);
    expect(read.kind === 'manifest' && read.summary.ingredients[0]?.manifest).toBe('valid');
    // A plain image has none.
    const plain = await readC2pa(signed);
    expect(plain.kind === 'manifest' && plain.summary.ingredients).toEqual([]);
  });

  it('an upscale of an upscale chains three manifests, each naming the one before', async () => {
    const first = await upscale(signed);
    const second = await upscale(first, 'b.png');
    const report = await readWithC2paRs(second);
    expect(report.validation_state).toBe('Valid');
    expect(Object.keys(report.manifests)).toHaveLength(3);
    const firstLabel = (await readWithC2paRs(first)).active_manifest;
    const active = report.manifests[report.active_manifest ?? ''] as RsManifestWithIngredients;
    expect(active.ingredients?.map((i) => [i.title, i.relationship, i.active_manifest])).toEqual([
      ['b.png', 'parentOf', firstLabel],
    ]);
  });

  it('a source without a manifest, or with one that fails validation, is recorded as created + resized', async () => {
    const forged = spliceIdat(signed, new Uint8Array(PNG.sync.write(PNG.sync.read(Buffer.from(upscaledPng())))));
    for (const source of [plainPng(), forged]) {
      const report = await readWithC2paRs(await upscale(source));
      expect(report.validation_state).toBe('Valid');
      expect((report.validation_status ?? []).map((e) => e.code)).toEqual(['signingCredential.untrusted']);
      expect(Object.keys(report.manifests)).toHaveLength(1);
      const active = report.manifests[report.active_manifest ?? ''] as RsManifestWithIngredients;
      expect(active.ingredients ?? []).toEqual([]);
      const actions = active.assertions.find((a) => a.label.startsWith('c2pa.actions'))?.data.actions;
      expect(actions?.map((a) => a['action'])).toEqual(['c2pa.created', 'c2pa.resized']);
      expect(actions?.[0]).toMatchObject({ parameters: { model: 'tiny-shapes' } });
    }
  });

  it('an ingredient manifest changed after signing reads as invalid, in both readers', async () => {
    const upscaled = await upscale(signed);
    // The source manifest comes first in the store: its `tiny-shapes` becomes `Tiny-shapes`.
    const altered = withByteChanged(upscaled, new TextEncoder().encode('tiny-shapes'), 0x54);
    const report = await readWithC2paRs(altered);
    expect(report.validation_state).toBe('Invalid');
    const codes = (report.validation_status ?? []).map((e) => e.code);
    expect(codes).toContain('ingredient.manifest.mismatch');
    const ours = await readC2pa(altered);
    if (ours.kind !== 'manifest') throw new Error(`read as ${ours.kind}`);
    expect(ours.summary.ingredients).toEqual([
      { title: 'gallery image 1', relationship: 'parentOf', manifest: 'invalid' },
    ]);
  });
});

interface RsStatus {
  code: string;
}
interface RsValidationResults {
  activeManifest: { success: RsStatus[]; failure: RsStatus[] };
  ingredientDeltas?: { validationDeltas: { success: RsStatus[]; failure: RsStatus[] } }[];
}
type RsManifestWithIngredients = RsManifestStore['manifests'][string] & {
  instance_id?: string;
  ingredients?: {
    title: string;
    format: string;
    relationship: string;
    instance_id?: string;
    active_manifest?: string;
  }[];
};

/** Sets the first byte of the first occurrence of `needle` to `value` and fixes that chunk's CRC. */
function withByteChanged(png: Uint8Array, needle: Uint8Array, value: number): Uint8Array {
  const out = png.slice();
  const at = Buffer.from(out).indexOf(Buffer.from(needle));
  if (at < 0) throw new Error('needle not found');
  out[at] = value;
  const view = new DataView(out.buffer);
  for (let chunk = 8; chunk < out.length;) {
    const length = view.getUint32(chunk);
    const end = chunk + 8 + length;
    if (at >= chunk + 8 && at < end) view.setUint32(end, crc32(out.subarray(chunk + 4, end)));
    chunk = end + 4;
  }
  return out;
}

/** Replaces `signed`'s IDAT chunk with `other`'s (same-length tampering is not needed: the hash covers bytes). */
function spliceIdat(signed: Uint8Array, other: Uint8Array): Uint8Array {
  const chunks = (png: Uint8Array) => {
    const out: { type: string; bytes: Uint8Array }[] = [];
    const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
    for (let at = 8; at < png.length;) {
      const length = view.getUint32(at);
      const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
      out.push({ type, bytes: png.subarray(at, at + 12 + length) });
      at += 12 + length;
    }
    return out;
  };
  const idat = chunks(other).filter((c) => c.type === 'IDAT');
  const parts: Uint8Array[] = [signed.subarray(0, 8)];
  let placed = false;
  for (const c of chunks(signed)) {
    if (c.type !== 'IDAT') parts.push(c.bytes);
    else if (!placed) {
      parts.push(...idat.map((i) => i.bytes));
      placed = true;
    }
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
