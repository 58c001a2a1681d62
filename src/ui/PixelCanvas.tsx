import { useEffect, useRef } from 'react';

/** Draws RGBA bytes at their own size; CSS scales it up with crisp pixels. */
export function PixelCanvas(props: {
  rgba: Uint8ClampedArray;
  width: number;
  height: number;
  label: string;
  className?: string;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const { rgba, width, height } = props;
  useEffect(() => {
    const canvas = ref.current;
    const context = canvas?.getContext('2d');
    if (!canvas || !context) return;
    canvas.width = width;
    canvas.height = height;
    context.putImageData(new ImageData(new Uint8ClampedArray(rgba), width, height), 0, 0);
  }, [rgba, width, height]);
  return (
    <canvas
      ref={ref}
      role="img"
      aria-label={props.label}
      className={props.className}
      style={{ aspectRatio: `${width} / ${height}` }}
    />
  );
}
