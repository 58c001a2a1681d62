import { useId, useState } from 'react';
import {
  IMAGE_LIMITS,
  MASKED_CONTENT_LABELS,
  RESIZE_MODE_LABELS,
  type MaskedContentId,
  type ResizeModeId,
} from '../protocol/image-params.ts';
import type { ImageMode } from '../state/image-slice.ts';
import { decodeImageBlob, imageFromDataTransfer } from './image-files.ts';
import { MaskPainter } from './MaskPainter.tsx';
import { NumberField } from './NumberField.tsx';
import { PixelCanvas } from './PixelCanvas.tsx';
import { actions, useStudio } from './use-studio.ts';

const MODES: { id: ImageMode; label: string }[] = [
  { id: 'txt2img', label: 'Text only' },
  { id: 'img2img', label: 'Image to image' },
  { id: 'inpaint', label: 'Inpaint / outpaint' },
];

/**
 * Start from an image: drop, paste or pick one (or "Send to img2img / inpaint" from a gallery
 * image), set the denoising strength and resize mode, paint a mask, extend the canvas. Models
 * without a VAE encoder show why this is off. Variation seeds and interpolation live in
 * SeedExtras below the form.
 */
export function ImagePanel() {
  const input = useStudio((s) => s.imageInput);
  const blocked = useStudio((s) => s.imageInputBlocked());
  const model = useStudio((s) => s.engine.model);
  const [dragging, setDragging] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const ids = { file: useId(), resize: useId(), content: useId(), mode: useId() };
  const { settings } = input;
  const disabled = blocked !== null;
  const accepting = !disabled && input.mode !== 'txt2img';
  const step = model?.sizeMultiple ?? 64;

  const take = async (blob: Blob | null) => {
    if (!blob) return;
    try {
      actions.setSourceImage(await decodeImageBlob(blob));
      setError(null);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  return (
    <section
      className={`image-panel${dragging ? ' dragging' : ''}`}
      aria-label="Source image"
      onDragOver={(e) => {
        if (!accepting) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        setDragging(false);
        // In text-only mode a dropped PNG goes to "Import parameters" (the page-wide drop).
        if (!accepting) return;
        e.preventDefault();
        e.stopPropagation();
        void take(imageFromDataTransfer(e.dataTransfer));
      }}
      onPaste={(e) => {
        const file = imageFromDataTransfer(e.clipboardData);
        if (file && accepting) {
          e.preventDefault();
          e.stopPropagation();
          void take(file);
        }
      }}
    >
      <h2>Source image</h2>
      <div className="field" role="radiogroup" aria-label="Mode">
        {MODES.map((m) => (
          <label key={m.id} className="inline">
            <input
              type="radio"
              name={ids.mode}
              value={m.id}
              checked={input.mode === m.id}
              disabled={disabled && m.id !== 'txt2img'}
              onChange={() => actions.setImageMode(m.id)}
            />{' '}
            {m.label}
          </label>
        ))}
      </div>
      {blocked !== null && model !== null ? (
        <p className="field-hint" role="note" data-testid="image-blocked">
          {blocked}
        </p>
      ) : null}
      {input.mode !== 'txt2img' && !disabled ? (
        <>
          <div className="field">
            <label htmlFor={ids.file}>Image (drop, paste or pick)</label>
            <input
              id={ids.file}
              type="file"
              accept="image/*"
              onChange={(e) => void take(e.target.files?.[0] ?? null)}
            />
            {error ? (
              <p className="field-error" role="alert">
                {error}
              </p>
            ) : null}
          </div>
          {input.source ? (
            input.mode === 'inpaint' ? (
              <MaskPainter
                source={input.source}
                mask={input.mask}
                brushSize={input.brushSize}
                onBrushSize={actions.setBrushSize}
                onChange={actions.setMask}
              />
            ) : (
              <PixelCanvas
                rgba={input.source.rgba}
                width={input.source.width}
                height={input.source.height}
                label="Source image"
                className="source-preview"
              />
            )
          ) : (
            <p className="field-hint">
              No image yet: drop one here, paste one, or use “Send to img2img” on a gallery image.
            </p>
          )}
          {input.source ? (
            <p className="field-hint" data-testid="source-size">
              {input.source.width}×{input.source.height} → {fitLabel(settings.resizeMode)}
              <button type="button" className="link" onClick={() => actions.setSourceImage(null)}>
                Remove image
              </button>
            </p>
          ) : null}
          <NumberField
            label="Denoising strength"
            value={settings.denoisingStrength}
            min={0}
            max={1}
            step={0.01}
            error={null}
            onChange={(v) => actions.setImageSetting('denoisingStrength', v)}
          />
          <div className="field">
            <label htmlFor={ids.resize}>Resize mode</label>
            <select
              id={ids.resize}
              value={settings.resizeMode}
              onChange={(e) => actions.setImageSetting('resizeMode', e.target.value as ResizeModeId)}
            >
              {(Object.keys(RESIZE_MODE_LABELS) as ResizeModeId[]).map((k) => (
                <option key={k} value={k}>
                  {RESIZE_MODE_LABELS[k]}
                </option>
              ))}
            </select>
          </div>
          {input.mode === 'inpaint' ? (
            <>
              <NumberField
                label="Mask blur"
                value={settings.maskBlur}
                min={IMAGE_LIMITS.maskBlur.min}
                max={IMAGE_LIMITS.maskBlur.max}
                step={1}
                error={null}
                onChange={(v) => actions.setImageSetting('maskBlur', v)}
              />
              <div className="field" role="radiogroup" aria-label="Mask mode">
                <label className="inline">
                  <input
                    type="radio"
                    checked={!settings.inpaintNotMasked}
                    onChange={() => actions.setImageSetting('inpaintNotMasked', false)}
                  />{' '}
                  Inpaint masked
                </label>
                <label className="inline">
                  <input
                    type="radio"
                    checked={settings.inpaintNotMasked}
                    onChange={() => actions.setImageSetting('inpaintNotMasked', true)}
                  />{' '}
                  Inpaint not masked
                </label>
              </div>
              <div className="field">
                <label htmlFor={ids.content}>Masked content</label>
                <select
                  id={ids.content}
                  value={settings.maskedContent}
                  onChange={(e) => actions.setImageSetting('maskedContent', e.target.value as MaskedContentId)}
                >
                  {(Object.keys(MASKED_CONTENT_LABELS) as MaskedContentId[]).map((k) => (
                    <option key={k} value={k}>
                      {MASKED_CONTENT_LABELS[k]}
                    </option>
                  ))}
                </select>
              </div>
              <fieldset className="outpaint">
                <legend>Outpaint (pixels added per side)</legend>
                {(['left', 'right', 'top', 'bottom'] as const).map((side) => (
                  <label key={side} className="inline">
                    {side}{' '}
                    <input
                      type="number"
                      min={0}
                      max={IMAGE_LIMITS.outpaint.max}
                      step={step}
                      value={settings.outpaint[side]}
                      aria-label={`Outpaint ${side}`}
                      onChange={(e) =>
                        actions.setImageSetting('outpaint', { ...settings.outpaint, [side]: Number(e.target.value) })
                      }
                    />
                  </label>
                ))}
              </fieldset>
            </>
          ) : null}
        </>
      ) : null}
    </section>
  );
}

function fitLabel(mode: ResizeModeId): string {
  return `the form's size (${RESIZE_MODE_LABELS[mode].toLowerCase()})`;
}
