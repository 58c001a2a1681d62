import { useEffect, useRef, useState } from 'react';
import { postprocessingText } from '../metadata/upscale-infotext.ts';
import { EMBEDDED_SR_ID, UPSCALE_FACTORS } from '../protocol/upscale-params.ts';
import { infotextOf } from '../state/gallery-slice.ts';
import type { GalleryItem } from '../state/types.ts';
import { imageFileName, saveBlob } from './download.ts';
import { decodeImageBlob } from './image-files.ts';
import { InterpolationStrip } from './InterpolationStrip.tsx';
import { PixelCanvas } from './PixelCanvas.tsx';
import { UpscalerOptions, useUpscalerChoices } from './UpscalerOptions.tsx';
import { actions } from './use-studio.ts';

const { pngOf, deleteGalleryItem } = actions;

const note = (text: string) => actions.notify({ kind: 'info', text });

/** One image large, with everything that produced it, and what can be done with it. */
export function ImageDialog({ item, onClose }: { item: GalleryItem; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [url, setUrl] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const [upscaler, setUpscaler] = useState<string>(EMBEDDED_SR_ID);
  const upscalers = useUpscalerChoices();
  const upscalerBlocked = upscalers.find((c) => c.id === upscaler)?.reason ?? null;
  const { params } = item;

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    const close = () => onClose();
    dialog?.addEventListener('close', close);
    return () => dialog?.removeEventListener('close', close);
  }, [onClose]);

  useEffect(() => {
    if (!item.png) return;
    const objectUrl = URL.createObjectURL(item.png);
    setUrl(objectUrl);
    return () => URL.revokeObjectURL(objectUrl);
  }, [item.png]);

  const reuse = () => {
    const {
      batchCount: _ignored,
      batchPos: _pos,
      image: _image,
      variation: _variation,
      interpolation: _frames,
      postprocess: _post,
      ...rest
    } = params;
    actions.setParams(rest);
    actions.reuseImageSettings(params);
    note(`Settings of seed ${params.seed} are in the form.`);
    ref.current?.close();
  };
  const copySeed = async () => {
    try {
      await navigator.clipboard.writeText(params.seed);
      setStatus(`Seed ${params.seed} copied.`);
    } catch {
      setStatus(`Could not copy to the clipboard; the seed is ${params.seed}.`);
    }
  };
  const copyParameters = async () => {
    try {
      await navigator.clipboard.writeText(infotextOf(item));
      setStatus('Parameters copied.');
    } catch {
      setStatus('Could not copy to the clipboard.');
    }
  };
  const download = async () => {
    const png = await pngOf(item.id);
    if (png) saveBlob(png, imageFileName(params.prompt, params.seed));
    else setStatus('This image is not available as PNG.');
  };
  const sendTo = async (mode: 'img2img' | 'inpaint') => {
    try {
      const png = item.rgba ? null : await pngOf(item.id);
      const pixels = item.rgba
        ? { rgba: item.rgba, width: item.width, height: item.height }
        : png
          ? await decodeImageBlob(png)
          : null;
      if (!pixels) throw new Error('This image is not available.');
      actions.sendToImageInput(pixels, mode);
      note(mode === 'img2img' ? 'The image is the img2img source.' : 'The image is ready to inpaint: paint a mask.');
      ref.current?.close();
    } catch (e) {
      setStatus(e instanceof Error ? e.message : String(e));
    }
  };
  const upscale = async (scale: number) => {
    try {
      const png = item.rgba ? null : await pngOf(item.id);
      const pixels = item.rgba
        ? { rgba: item.rgba.slice(), width: item.width, height: item.height }
        : png
          ? await decodeImageBlob(png)
          : null;
      if (!pixels) throw new Error('This image is not available.');
      if (actions.upscaleGalleryImage(item.id, pixels, scale, upscaler)) {
        note(
          `Upscaling ×${scale} with ${upscalers.find((c) => c.id === upscaler)?.name ?? upscaler}: the result will be a new image in the gallery.`,
        );
        ref.current?.close();
      }
    } catch (e) {
      setStatus(e instanceof Error ? e.message : String(e));
    }
  };
  const imageBlocked = actions.imageInputBlocked();
  const remove = () => {
    ref.current?.close();
    void deleteGalleryItem(item.id);
  };

  const seconds = (item.timings.totalMs / 1000).toFixed(2);
  return (
    <dialog ref={ref} className="image-dialog" aria-label="Image details">
      <div className="image-dialog-body">
        <div className="image-large" style={{ aspectRatio: `${item.width} / ${item.height}` }}>
          {url ? (
            <img src={url} alt={params.prompt || 'generated image'} width={item.width} height={item.height} />
          ) : item.rgba ? (
            <PixelCanvas rgba={item.rgba} width={item.width} height={item.height} label={params.prompt || 'image'} />
          ) : null}
        </div>
        <div className="image-info">
          <pre className="infotext" data-testid="infotext">
            {infotextOf(item)}
            {params.postprocess ? `\n${postprocessingText(params.postprocess)}` : ''}
          </pre>
          <p className="image-meta">
            {item.width}×{item.height} · {item.backend ?? 'unknown backend'} · {seconds} s ·{' '}
            {new Date(item.createdAt).toLocaleString()}
            {item.dbKey === null ? ' · not saved' : ''}
          </p>
          <div className="dialog-actions">
            <button type="button" onClick={reuse}>
              Reuse settings
            </button>
            <button type="button" onClick={() => void copySeed()}>
              Copy seed
            </button>
            <button type="button" onClick={() => void copyParameters()}>
              Copy parameters
            </button>
            <button type="button" onClick={() => void download()}>
              Download PNG
            </button>
            <button
              type="button"
              onClick={() => void sendTo('img2img')}
              disabled={imageBlocked !== null}
              title={imageBlocked ?? undefined}
            >
              Send to img2img
            </button>
            <button
              type="button"
              onClick={() => void sendTo('inpaint')}
              disabled={imageBlocked !== null}
              title={imageBlocked ?? undefined}
            >
              Send to inpaint
            </button>
            <span className="upscale-actions">
              <label>
                Upscaler{' '}
                <select value={upscaler} onChange={(e) => setUpscaler(e.target.value)}>
                  <UpscalerOptions choices={upscalers} selected={upscaler} />
                </select>
              </label>
              {UPSCALE_FACTORS.map((f) => (
                <button
                  key={f}
                  type="button"
                  onClick={() => void upscale(f)}
                  disabled={upscalerBlocked !== null}
                  title={upscalerBlocked ?? undefined}
                >
                  Upscale ×{f}
                </button>
              ))}
            </span>
            <button type="button" className="danger" onClick={remove}>
              Delete image
            </button>
            <button type="button" onClick={() => ref.current?.close()}>
              Close
            </button>
          </div>
          <InterpolationStrip item={item} />
          <p className="dialog-status" role="status">
            {status}
          </p>
        </div>
      </div>
    </dialog>
  );
}
