import { useEffect, useRef } from 'react';
import { SAMPLERS } from '../schedulers/index.ts';
import type { GalleryItem } from '../state/types.ts';

export const samplerLabel = (id: string) => SAMPLERS.find((s) => s.id === id)?.label ?? id;

/**
 * Draws an item once: from its pixels when it was just made, else from its thumbnail when the
 * tile scrolls into view (so hundreds of saved images cost nothing until seen). The element keeps
 * the image's aspect ratio before anything is drawn.
 */
function ItemCanvas({ item }: { item: GalleryItem }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const drawn = useRef(false);
  const { rgba, thumb, width, height } = item;
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas || drawn.current) return;
    if (rgba) {
      canvas.width = width;
      canvas.height = height;
      canvas.getContext('2d')?.putImageData(new ImageData(new Uint8ClampedArray(rgba), width, height), 0, 0);
      drawn.current = true;
      return;
    }
    if (!thumb) return;
    let cancelled = false;
    const draw = async () => {
      const bitmap = await createImageBitmap(thumb);
      if (cancelled) return bitmap.close();
      canvas.width = bitmap.width;
      canvas.height = bitmap.height;
      canvas.getContext('2d')?.drawImage(bitmap, 0, 0);
      bitmap.close();
      drawn.current = true;
    };
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) {
          observer.disconnect();
          void draw();
        }
      },
      { rootMargin: '200px' },
    );
    observer.observe(canvas);
    return () => {
      cancelled = true;
      observer.disconnect();
    };
  }, [rgba, thumb, width, height]);
  return (
    <canvas
      ref={ref}
      width={width}
      height={height}
      role="img"
      aria-label={item.params.prompt || 'image'}
      style={{ aspectRatio: `${width} / ${height}` }}
    />
  );
}

export function GalleryTile({ item, onOpen }: { item: GalleryItem; onOpen: () => void }) {
  const { params } = item;
  return (
    <li>
      <figure data-seed={params.seed} data-timings={JSON.stringify(item.timings)} data-saved={item.dbKey !== null}>
        <button type="button" className="tile" aria-label={`Open image, seed ${params.seed}`} onClick={onOpen}>
          <ItemCanvas item={item} />
        </button>
        <figcaption>
          seed <span className="seed">{params.seed}</span> · {samplerLabel(params.sampler)} · {params.steps} steps ·{' '}
          {item.width}×{item.height}
          {params.postprocess ? ` · upscaled ×${params.postprocess.upscaleBy} (${params.postprocess.upscaler})` : ''}
        </figcaption>
      </figure>
    </li>
  );
}
