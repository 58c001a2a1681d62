import { describe, expect, it } from 'vitest';
import { ortBuildFor, wasmThreadCount } from '../../src/runtime/web/ort-build.ts';

describe('ORT build per backend', () => {
  it('runs WASM on the plain SIMD-threaded build and WebGPU on its own build', () => {
    expect(ortBuildFor('wasm')).toBe('wasm');
    expect(ortBuildFor('webgpu')).toBe('webgpu');
  });
});

describe('WASM thread count', () => {
  it('is 1 without cross-origin isolation, whatever the cores', () => {
    for (const cores of [1, 2, 8, 64, undefined])
      expect(wasmThreadCount({ cores, crossOriginIsolated: false })).toBe(1);
  });

  it('keeps one core free when isolated, at least 1 and at most 4', () => {
    const isolated = (cores: number | undefined) => wasmThreadCount({ cores, crossOriginIsolated: true });
    expect(isolated(1)).toBe(1);
    expect(isolated(2)).toBe(1);
    expect(isolated(3)).toBe(2);
    expect(isolated(4)).toBe(3);
    expect(isolated(5)).toBe(4);
    expect(isolated(16)).toBe(4);
  });

  it('treats a hidden or nonsense core count as one core', () => {
    for (const cores of [undefined, 0, -3, Number.NaN, Number.POSITIVE_INFINITY])
      expect(wasmThreadCount({ cores, crossOriginIsolated: true })).toBe(1);
    expect(wasmThreadCount({ cores: 6.7, crossOriginIsolated: true })).toBe(4);
  });
});
