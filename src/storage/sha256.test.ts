import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Sha256 } from './sha256.ts';

const reference = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('Sha256', () => {
  it.each([0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 100_003])('matches node:crypto for %i bytes', (n) => {
    const bytes = new Uint8Array(randomBytes(n));
    expect(new Sha256().update(bytes).hex()).toBe(reference(bytes));
  });

  it('gives the same digest however the input is split', () => {
    const bytes = new Uint8Array(randomBytes(10_000));
    const hash = new Sha256();
    for (let i = 0; i < bytes.length;) {
      const step = 1 + ((i * 7919) % 333);
      hash.update(bytes.subarray(i, i + step));
      i += step;
    }
    expect(hash.hex()).toBe(reference(bytes));
  });

  it('knows the FIPS test vector for "abc"', () => {
    expect(new Sha256().update(new TextEncoder().encode('abc')).hex()).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});
