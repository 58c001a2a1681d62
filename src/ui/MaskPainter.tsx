import { useEffect, useId, useRef, useState } from 'react';
import {
  composeOverlay,
  emptyMask,
  invertPlane,
  planeToRgba,
  rgbaToPlane,
  strokeSegment,
  type MaskPlane,
} from './mask-brush.ts';

export interface Pixels {
  rgba: Uint8ClampedArray;
  width: number;
  height: number;
}

/**
 * Paint the area to repaint over the source image. Pointer events, so mouse, touch and pen all
 * draw (touch-action: none keeps the page from scrolling under a finger). The mask is reported
 * when a stroke ends, as white-on-black RGBA at the source's size.
 */
export function MaskPainter(props: {
  source: Pixels;
  mask: Pixels | null;
  brushSize: number;
  onBrushSize: (size: number) => void;
  onChange: (mask: Pixels | null) => void;
  disabled?: boolean;
}) {
  const { source } = props;
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const planeRef = useRef<MaskPlane>(emptyMask(source.width, source.height));
  const last = useRef<{ x: number; y: number } | null>(null);
  const [erase, setErase] = useState(false);
  const ids = { brush: useId() };

  const redraw = () => {
    const canvas = canvasRef.current;
    const context = canvas?.getContext('2d');
    if (!canvas || !context) return;
    canvas.width = source.width;
    canvas.height = source.height;
    const shown = new Uint8ClampedArray(composeOverlay(source, planeRef.current));
    context.putImageData(new ImageData(shown, source.width, source.height), 0, 0);
  };

  // A new source or a mask from outside (restore, invert, clear) replaces the plane.
  useEffect(() => {
    const m = props.mask;
    planeRef.current =
      m && m.width === source.width && m.height === source.height
        ? rgbaToPlane(m)
        : emptyMask(source.width, source.height);
    redraw();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [source, props.mask]);

  const toPixel = (e: React.PointerEvent<HTMLCanvasElement>) => {
    const rect = e.currentTarget.getBoundingClientRect();
    return {
      x: ((e.clientX - rect.left) / rect.width) * source.width,
      y: ((e.clientY - rect.top) / rect.height) * source.height,
    };
  };
  /** Brush size is in source pixels; the slider's value is a diameter. */
  const radius = props.brushSize / 2;
  const paintTo = (e: React.PointerEvent<HTMLCanvasElement>) => {
    const events = 'getCoalescedEvents' in e.nativeEvent ? e.nativeEvent.getCoalescedEvents() : [];
    const points =
      events.length > 0
        ? events.map((ce) => toPixel({ ...e, clientX: ce.clientX, clientY: ce.clientY }))
        : [toPixel(e)];
    for (const p of points) {
      strokeSegment(planeRef.current, last.current ?? p, p, radius, erase ? 0 : 255);
      last.current = p;
    }
    redraw();
  };
  const finish = () => {
    if (last.current === null) return;
    last.current = null;
    props.onChange(planeToRgba(planeRef.current));
  };

  return (
    <div className="mask-painter">
      <canvas
        ref={canvasRef}
        className="mask-canvas"
        role="img"
        aria-label="Source image with the mask; paint to mark the area to repaint"
        data-testid="mask-canvas"
        style={{ aspectRatio: `${source.width} / ${source.height}`, touchAction: 'none' }}
        onPointerDown={(e) => {
          if (props.disabled || e.button > 0) return;
          e.currentTarget.setPointerCapture(e.pointerId);
          last.current = null;
          paintTo(e);
        }}
        onPointerMove={(e) => {
          if (last.current !== null) paintTo(e);
        }}
        onPointerUp={finish}
        onPointerCancel={finish}
        onLostPointerCapture={finish}
      />
      <div className="mask-tools">
        <label htmlFor={ids.brush}>Brush</label>
        <input
          id={ids.brush}
          type="range"
          min={1}
          max={Math.max(8, Math.round(Math.max(source.width, source.height) / 2))}
          value={props.brushSize}
          onChange={(e) => props.onBrushSize(Number(e.target.value))}
        />
        <button type="button" aria-pressed={erase} onClick={() => setErase(!erase)} disabled={props.disabled}>
          {erase ? 'Erasing' : 'Erase'}
        </button>
        <button
          type="button"
          onClick={() => props.onChange(planeToRgba(invertPlane(planeRef.current)))}
          disabled={props.disabled}
        >
          Invert mask
        </button>
        <button type="button" onClick={() => props.onChange(null)} disabled={props.disabled}>
          Clear mask
        </button>
      </div>
    </div>
  );
}
