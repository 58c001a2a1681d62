/**
 * Every PNG `npm run generate` writes carries a signed C2PA manifest, checked with c2pa-rs (not
 * the c2pa-ts code that wrote it); the key file is made once, owner-only, and reused. `npm run
 * upscale` of a signed PNG carries its manifest on as the parentOf ingredient.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };
import { readPngText } from '../../src/metadata/png-text.ts';
import { readC2pa, TRAINED_ALGORITHMIC_MEDIA } from '../../src/provenance/c2pa.ts';
import { readWithC2paRs, type RsManifestStore } from '../support/c2pa-rs-reader.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'latent-studio-cli-c2pa-'));
const keyFile = join(dir, 'config', 'signer.json');
const env = { ...process.env, LATENT_STUDIO_C2PA_KEY: keyFile };

const generate = (out: string, seed: string) =>
  run(
    'npx',
    ['tsx', 'src/cli/generate.ts', '--out', out, '--prompt', 'a blue circle', '--seed', seed, '--steps', '2'],
    {
      timeout: 120_000,
      env,
    },
  );

describe('npm run generate signs its PNGs (C2PA)', () => {
  it('writes a manifest c2pa-rs validates, with the parameters chunk kept, and reuses its key', async () => {
    const first = join(dir, 'first.png');
    const second = join(dir, 'second.png');
    await generate(first, '3');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const key = readFileSync(keyFile, 'utf8');
    await generate(second, '4');
    expect(readFileSync(keyFile, 'utf8')).toBe(key);

    const bytes = new Uint8Array(readFileSync(first));
    const report = await readWithC2paRs(bytes);
    expect(report.validation_state).toBe('Valid');
    expect((report.validation_status ?? []).map((e) => e.code)).toEqual(['signingCredential.untrusted']);
    const manifest = report.manifests[report.active_manifest ?? ''];
    expect(manifest?.claim_generator_info?.[0]).toEqual({ name: 'Latent Studio', version: pkg.version });
    const actions = manifest?.assertions.find((a) => a.label.startsWith('c2pa.actions'))?.data.actions;
    expect(actions?.[0]).toMatchObject({
      action: 'c2pa.created',
      digitalSourceType: TRAINED_ALGORITHMIC_MEDIA,
      parameters: { model: 'tiny-shapes' },
    });
    expect(readPngText(bytes).find((e) => e.keyword === 'parameters')?.text).toMatch(/^a blue circle\nSteps: 2,/);

    // Both images are signed by the same install root.
    const [a, b] = await Promise.all([readC2pa(bytes), readC2pa(new Uint8Array(readFileSync(second)))]);
    expect(a.kind === 'manifest' && b.kind === 'manifest').toBe(true);
    if (a.kind === 'manifest' && b.kind === 'manifest') {
      expect(a.summary.rootFingerprint).toBe(b.summary.rootFingerprint);
      expect(a.summary.signatureValid && !a.summary.trusted).toBe(true);
    }
  });
});

describe('npm run upscale signs its PNGs too', () => {
  const upscale = (src: string, out: string) =>
    run('npx', ['tsx', 'src/cli/upscale.ts', '--in', src, '--scale', '2', '--out', out], { timeout: 120_000, env });
  const actionsOf = (report: RsManifestStore) =>
    report.manifests[report.active_manifest ?? '']?.assertions.find((a) => a.label.startsWith('c2pa.actions'))?.data
      .actions;

  it('a signed input becomes the parentOf ingredient: its manifest kept, then opened + resized, valid for c2pa-rs', async () => {
    const src = join(dir, 'to-upscale.png');
    const out = join(dir, 'upscaled.png');
    await generate(src, '5');
    await upscale(src, out);
    const bytes = new Uint8Array(readFileSync(out));
    const source = await readWithC2paRs(new Uint8Array(readFileSync(src)));
    const report = await readWithC2paRs(bytes);
    expect(report.validation_state).toBe('Valid');
    // Only trust fails: one untrusted (self-signed) signer per manifest.
    expect(new Set((report.validation_status ?? []).map((e) => e.code))).toEqual(
      new Set(['signingCredential.untrusted']),
    );
    const sourceLabel = source.active_manifest ?? '';
    expect(report.manifests[sourceLabel]).toEqual(source.manifests[sourceLabel]);
    const active = report.manifests[report.active_manifest ?? ''] as (typeof report.manifests)[string] & {
      ingredients?: { title: string; relationship: string; format: string; active_manifest?: string }[];
    };
    expect(active.ingredients).toEqual([
      expect.objectContaining({
        title: 'to-upscale.png',
        format: 'image/png',
        relationship: 'parentOf',
        active_manifest: sourceLabel,
      }),
    ]);
    const actions = actionsOf(report);
    expect(actions?.map((a) => a['action'])).toEqual(['c2pa.opened', 'c2pa.resized']);
    expect(actions?.[1]).toMatchObject({ parameters: { upscaler: 'Tiny Shapes SR 2x', scale: 2 } });
    // the source's creation (and model) stays readable in its own manifest
    expect(actionsOf({ ...report, active_manifest: sourceLabel })?.[0]).toMatchObject({
      action: 'c2pa.created',
      parameters: { model: 'tiny-shapes' },
    });
    // the A1111 chunks stay beside the manifest, and the same install key signed both files
    const chunks = readPngText(bytes).map((e) => e.keyword);
    expect(chunks).toEqual(expect.arrayContaining(['parameters', 'postprocessing']));
    const [a, b] = await Promise.all([readC2pa(bytes), readC2pa(new Uint8Array(readFileSync(src)))]);
    if (a.kind !== 'manifest' || b.kind !== 'manifest') throw new Error('no manifest');
    expect(a.summary.rootFingerprint).toBe(b.summary.rootFingerprint);
    expect(a.summary.actions[1]).toMatchObject({ action: 'c2pa.resized', upscaler: 'Tiny Shapes SR 2x', scale: 2 });
    expect(a.summary.ingredients).toEqual([{ title: 'to-upscale.png', relationship: 'parentOf', manifest: 'valid' }]);
  });

  it('an input from elsewhere (no manifest) is recorded as created + resized', async () => {
    const src = join(dir, 'elsewhere.png');
    const out = join(dir, 'elsewhere-x2.png');
    const png = new PNG({ width: 32, height: 32 });
    for (let i = 0; i < png.data.length; i += 4) png.data.set([(i * 5) % 256, 40, 160, 255], i);
    writeFileSync(src, PNG.sync.write(png));
    await upscale(src, out);
    const report = await readWithC2paRs(new Uint8Array(readFileSync(out)));
    expect(report.validation_state).toBe('Valid');
    expect((report.validation_status ?? []).map((e) => e.code)).toEqual(['signingCredential.untrusted']);
    expect(Object.keys(report.manifests)).toHaveLength(1);
    expect(actionsOf(report)?.map((a) => a['action'])).toEqual(['c2pa.created', 'c2pa.resized']);
    expect(actionsOf(report)?.[0]).toMatchObject({ parameters: { model: 'unknown' } });
  });
});

describe('the CLI key file', () => {
  it('a damaged key file is named in a clear error, not replaced', async () => {
    const { fileIdentityStore } = await import('../../src/cli/c2pa-identity-file.ts');
    const damaged = join(dir, 'damaged.json');
    writeFileSync(damaged, '{"format": "latent-studio-c2pa-signer/1", "privateKey": {}');
    await expect(fileIdentityStore(damaged).load()).rejects.toThrow(`The C2PA key file ${damaged} cannot be read`);
    expect(readFileSync(damaged, 'utf8')).toContain('"privateKey": {}');
  });
  it('honours XDG_CONFIG_HOME and the LATENT_STUDIO_C2PA_KEY override', async () => {
    const { identityFilePath } = await import('../../src/cli/c2pa-identity-file.ts');
    expect(identityFilePath({ XDG_CONFIG_HOME: '/cfg' })).toBe('/cfg/latent-studio/c2pa-signer.json');
    expect(identityFilePath({ LATENT_STUDIO_C2PA_KEY: '/k.json', XDG_CONFIG_HOME: '/cfg' })).toBe('/k.json');
  });
});
