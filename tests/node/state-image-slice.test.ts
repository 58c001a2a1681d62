/**
 * The image slice: what a job carries per mode, the blocked reason for models without a VAE
 * encoder, and settings surviving a reload (localStorage, field by field).
 */
import { describe, expect, it } from 'vitest';
import { enqueueGenerate } from '../../src/state/engine-events.ts';
import { IMAGE_INPUT_STORAGE_KEY, persistImageInput, restoreImageInput } from '../../src/state/image-slice.ts';
import { createStudioStore } from '../../src/state/store.ts';
import type { ModelSummary } from '../../src/protocol/messages.ts';

const summary = (vaeEncoder: boolean): ModelSummary => ({
  id: 'm',
  width: 64,
  height: 64,
  sizeMultiple: 64,
  defaultSampler: 'euler',
  maxTokens: 77,
  fixedSequence: false,
  vaeEncoder,
  unetInChannels: 4,
});
const pixels = { rgba: new Uint8ClampedArray(64 * 64 * 4), width: 64, height: 64 };

function readyStore(vaeEncoder = true) {
  const store = createStudioStore();
  store.setState((s) => ({ engine: { ...s.engine, phase: 'ready', model: summary(vaeEncoder) } }));
  return store;
}

describe('image slice', () => {
  it('text-only jobs carry no image; img2img carries the source; inpaint the mask too', () => {
    const store = readyStore();
    const a = store.getState();
    expect(a.jobInput()).toEqual({ params: {} });
    a.setSourceImage(pixels);
    expect(store.getState().imageInput.mode).toBe('img2img');
    const img = store.getState().jobInput();
    expect(img.images).toEqual({ source: pixels });
    expect(img.params.image?.denoisingStrength).toBe(0.75);
    expect(img.params.image?.inpaint).toBe(false);
    a.setImageMode('inpaint');
    a.setMask(pixels);
    const inp = store.getState().jobInput();
    expect(inp.images?.mask).toBe(pixels);
    expect(inp.params.image?.inpaint).toBe(true);
  });

  it('a queued job gets the image params and pixels; a form reused from a gallery image loses its own', () => {
    const store = readyStore();
    store.getState().setSourceImage(pixels);
    store
      .getState()
      .setParams({ variation: { subseed: '1', subseedStrength: 0.5, seedResizeFromW: 0, seedResizeFromH: 0 } });
    const r = enqueueGenerate(store.getState(), ['euler'], store.getState().jobInput());
    expect(r.accepted).toBe(true);
    const sent = r.effects.find((e) => e.type === 'send');
    expect(sent?.type === 'send' && sent.request.type === 'generate' && sent.request.images?.source).toBe(pixels);
    expect(sent?.type === 'send' && sent.request.type === 'generate' && sent.request.params.variation).toBeUndefined();
  });

  it('models without a VAE encoder block image input with the reason, and jobs stay text-only', () => {
    const store = readyStore(false);
    store.getState().setSourceImage(pixels);
    expect(store.getState().imageInputBlocked()).toMatch(/no VAE encoder/);
    expect(store.getState().jobInput().images).toBeUndefined();
  });

  it('variation and interpolation settings go with the job when on', () => {
    const store = readyStore();
    store.getState().setVariation('subseed', '9');
    expect(store.getState().jobInput().params.variation).toBeUndefined();
    store.getState().setVariation('subseedStrength', 0.4);
    expect(store.getState().jobInput().params.variation?.subseed).toBe('9');
    store.getState().setInterpolation({ enabled: true, toSeed: '3', frames: 5 });
    expect(store.getState().jobInput().params.interpolation).toEqual({ toSeed: '3', toPrompt: '', frames: 5 });
  });

  it('settings survive a reload; a broken entry keeps the defaults', async () => {
    const saved = new Map<string, string>();
    const storage = {
      setItem: (k: string, v: string) => void saved.set(k, v),
      getItem: (k: string) => saved.get(k) ?? null,
    };
    const a = readyStore();
    const stop = persistImageInput(a, storage, null);
    a.getState().setImageMode('inpaint');
    a.getState().setImageSetting('maskBlur', 9);
    a.getState().setVariation('subseedStrength', 0.25);
    stop();
    const b = readyStore();
    await restoreImageInput(b, storage, null);
    expect(b.getState().imageInput.mode).toBe('inpaint');
    expect(b.getState().imageInput.settings.maskBlur).toBe(9);
    expect(b.getState().imageInput.variation.subseedStrength).toBe(0.25);
    saved.set(IMAGE_INPUT_STORAGE_KEY, '{"settings": {"maskBlur": "x", "resizeMode": "zoom"}}');
    const c = readyStore();
    await restoreImageInput(c, storage, null);
    expect(c.getState().imageInput.settings.maskBlur).toBe(4);
    expect(c.getState().imageInput.settings.resizeMode).toBe('just-resize');
  });
});
