/**
 * The image slice: what a job starts from besides the prompt — the mode (text only, image to
 * image, inpaint), the source image and the mask (kept in IndexedDB across reloads), the
 * img2img / inpaint / outpaint settings, A1111 variation seeds and the interpolation job's
 * settings (kept in localStorage). `jobInput()` turns it into the params and pixels a generate
 * job carries (engine-events.ts `enqueueGenerate`).
 */
import type { StateCreator } from 'zustand/vanilla';
import {
  DEFAULT_IMAGE_PARAMS,
  DEFAULT_VARIATION_PARAMS,
  isMaskedContent,
  isResizeMode,
  type ImageParams,
  type InterpolationParams,
  type VariationParams,
} from '../protocol/image-params.ts';
import type { RgbaPixels, SourceImages } from '../protocol/messages.ts';
import type { GenerationParams } from '../protocol/params.ts';
import type { ImageInputDb } from '../storage/image-input-db.ts';
import type { Studio, StudioStore } from './store.ts';

export type ImageMode = 'txt2img' | 'img2img' | 'inpaint';

export interface ImageInputState {
  mode: ImageMode;
  source: RgbaPixels | null;
  mask: RgbaPixels | null;
  settings: ImageParams;
  variation: VariationParams;
  interpolation: InterpolationParams & { enabled: boolean };
  brushSize: number;
}

export const DEFAULT_IMAGE_INPUT: ImageInputState = {
  mode: 'txt2img',
  source: null,
  mask: null,
  settings: DEFAULT_IMAGE_PARAMS,
  variation: DEFAULT_VARIATION_PARAMS,
  interpolation: { enabled: false, toSeed: '', toPrompt: '', frames: 8 },
  brushSize: 12,
};

export interface JobInput {
  params: Partial<GenerationParams>;
  images?: SourceImages;
}

export interface ImageSlice {
  imageInput: ImageInputState;
  setImageMode(mode: ImageMode): void;
  setSourceImage(source: RgbaPixels | null): void;
  setMask(mask: RgbaPixels | null): void;
  setImageSetting<K extends keyof ImageParams>(key: K, value: ImageParams[K]): void;
  setVariation<K extends keyof VariationParams>(key: K, value: VariationParams[K]): void;
  setInterpolation(patch: Partial<ImageInputState['interpolation']>): void;
  setBrushSize(size: number): void;
  /** "Send to img2img / inpaint": a gallery image becomes the source. */
  sendToImageInput(pixels: RgbaPixels, mode: Exclude<ImageMode, 'txt2img'>): void;
  /** "Reuse settings" of an image: its variation and image settings go to this slice. */
  reuseImageSettings(params: GenerationParams): void;
  /** Why image input is off for the loaded model, or null when it works. */
  imageInputBlocked(): string | null;
  /** The params and pixels a job made now carries (image params only when the mode uses them). */
  jobInput(): JobInput;
}

export const createImageSlice: StateCreator<Studio, [], [], ImageSlice> = (set, get) => {
  const patch = (p: Partial<ImageInputState>) => set((s) => ({ imageInput: { ...s.imageInput, ...p } }));
  return {
    imageInput: DEFAULT_IMAGE_INPUT,
    setImageMode: (mode) => patch({ mode }),
    setSourceImage: (source) =>
      // A new source makes the old mask meaningless (other size, other picture).
      set((s) => ({
        imageInput: {
          ...s.imageInput,
          source,
          mask: null,
          mode: s.imageInput.mode === 'txt2img' && source ? 'img2img' : s.imageInput.mode,
        },
      })),
    setMask: (mask) => patch({ mask }),
    setImageSetting: (key, value) =>
      set((s) => ({ imageInput: { ...s.imageInput, settings: { ...s.imageInput.settings, [key]: value } } })),
    setVariation: (key, value) =>
      set((s) => ({ imageInput: { ...s.imageInput, variation: { ...s.imageInput.variation, [key]: value } } })),
    setInterpolation: (p) =>
      set((s) => ({ imageInput: { ...s.imageInput, interpolation: { ...s.imageInput.interpolation, ...p } } })),
    setBrushSize: (brushSize) => patch({ brushSize }),
    sendToImageInput: (pixels, mode) =>
      set((s) => ({ imageInput: { ...s.imageInput, source: pixels, mask: null, mode } })),
    reuseImageSettings: (params) =>
      set((s) => {
        const { inpaint: _inpaint, ...image } = params.image ?? s.imageInput.settings;
        return {
          imageInput: {
            ...s.imageInput,
            settings: { ...s.imageInput.settings, ...image },
            variation: params.variation ?? { ...s.imageInput.variation, subseedStrength: 0 },
          },
        };
      }),
    imageInputBlocked() {
      const model = get().engine.model;
      if (!model) return 'Load a model first.';
      if (model.vaeEncoder === false) return `${model.id} has no VAE encoder, so it cannot start from an image.`;
      return null;
    },
    jobInput() {
      const { mode, source, mask, settings, variation, interpolation } = get().imageInput;
      const params: Partial<GenerationParams> = {};
      const v = variation;
      if (v.subseedStrength > 0 || (v.seedResizeFromW > 0 && v.seedResizeFromH > 0)) params.variation = v;
      if (interpolation.enabled) {
        const { enabled: _on, ...rest } = interpolation;
        params.interpolation = rest;
      }
      // A restored image mode on a model without a VAE encoder: the panel says why, jobs stay text-only.
      if (mode === 'txt2img' || !source || get().imageInputBlocked() !== null) return { params };
      const inpaint = mode === 'inpaint';
      const outpainting = inpaint && Object.values(settings.outpaint).some((n) => n > 0);
      params.image = { ...settings, inpaint: inpaint && (mask !== null || outpainting) };
      if (!inpaint) params.image.outpaint = { left: 0, right: 0, top: 0, bottom: 0 };
      return { params, images: { source, ...(inpaint && mask ? { mask } : {}) } };
    },
  };
};

// ── persistence ──────────────────────────────────────────────────────────────

export const IMAGE_INPUT_STORAGE_KEY = 'latent-studio.image-input.v1';

const num = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
const str = (v: unknown, fallback: string) => (typeof v === 'string' ? v : fallback);

/** Restores settings (checked field by field) and, when `db` is given, the source and mask. */
export async function restoreImageInput(
  store: StudioStore,
  storage: Pick<Storage, 'getItem'>,
  db: ImageInputDb | null,
): Promise<void> {
  let stored: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(storage.getItem(IMAGE_INPUT_STORAGE_KEY) ?? '{}');
    if (parsed && typeof parsed === 'object') stored = parsed as Record<string, unknown>;
  } catch {
    // A broken entry keeps the defaults.
  }
  const d = DEFAULT_IMAGE_INPUT;
  const s = (stored['settings'] ?? {}) as Record<string, unknown>;
  const o = (s['outpaint'] ?? {}) as Record<string, unknown>;
  const v = (stored['variation'] ?? {}) as Record<string, unknown>;
  const i = (stored['interpolation'] ?? {}) as Record<string, unknown>;
  const mode = stored['mode'];
  const restored: ImageInputState = {
    mode: mode === 'img2img' || mode === 'inpaint' ? mode : 'txt2img',
    source: null,
    mask: null,
    settings: {
      denoisingStrength: num(s['denoisingStrength'], d.settings.denoisingStrength),
      resizeMode: isResizeMode(s['resizeMode']) ? s['resizeMode'] : d.settings.resizeMode,
      maskBlur: num(s['maskBlur'], d.settings.maskBlur),
      inpaintNotMasked: s['inpaintNotMasked'] === true,
      maskedContent: isMaskedContent(s['maskedContent']) ? s['maskedContent'] : d.settings.maskedContent,
      outpaint: {
        left: num(o['left'], 0),
        right: num(o['right'], 0),
        top: num(o['top'], 0),
        bottom: num(o['bottom'], 0),
      },
    },
    variation: {
      subseed: str(v['subseed'], d.variation.subseed),
      subseedStrength: num(v['subseedStrength'], 0),
      seedResizeFromW: num(v['seedResizeFromW'], 0),
      seedResizeFromH: num(v['seedResizeFromH'], 0),
    },
    interpolation: {
      enabled: i['enabled'] === true,
      toSeed: str(i['toSeed'], ''),
      toPrompt: str(i['toPrompt'], ''),
      frames: num(i['frames'], d.interpolation.frames),
    },
    brushSize: num(stored['brushSize'], d.brushSize),
  };
  store.setState({ imageInput: restored });
  if (!db) return;
  const [source, mask] = await Promise.all([db.get('source'), db.get('mask')]);
  const fits = mask && source && mask.width === source.width && mask.height === source.height;
  store.setState((st) => ({ imageInput: { ...st.imageInput, source, mask: fits ? mask : null } }));
}

/** Saves settings on change (localStorage) and the pixels when they change (IndexedDB). */
export function persistImageInput(
  store: StudioStore,
  storage: Pick<Storage, 'setItem'>,
  db: ImageInputDb | null,
): () => void {
  return store.subscribe((s, prev) => {
    const now = s.imageInput;
    const was = prev.imageInput;
    if (now === was) return;
    const { source: _s, mask: _m, ...settings } = now;
    try {
      storage.setItem(IMAGE_INPUT_STORAGE_KEY, JSON.stringify(settings));
    } catch {
      // Storage full or disabled: the panel still works, it is just not remembered.
    }
    if (db && now.source !== was.source) void db.put('source', now.source).catch(() => undefined);
    if (db && now.mask !== was.mask) void db.put('mask', now.mask).catch(() => undefined);
  });
}
