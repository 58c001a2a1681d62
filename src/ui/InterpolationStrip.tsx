import { useEffect, useState } from 'react';
import type { GalleryItem } from '../state/types.ts';
import { imageFileName, saveBlob } from './download.ts';
import { encodeAnimatedGif } from './export-gif.ts';
import { decodeImageBlob } from './image-files.ts';
import { actions, useStudio } from './use-studio.ts';

const sameJob = (a: GalleryItem, b: GalleryItem) =>
  a.params.seed === b.params.seed &&
  a.params.prompt === b.params.prompt &&
  JSON.stringify(a.params.interpolation) === JSON.stringify(b.params.interpolation);

/** The frames of the interpolation job `item` belongs to, as a strip, with an animated export. */
export function InterpolationStrip({ item }: { item: GalleryItem }) {
  const gallery = useStudio((s) => s.gallery);
  const [status, setStatus] = useState('');
  if (!item.params.interpolation) return null;
  const frames = gallery.filter((g) => sameJob(g, item)).sort((a, b) => a.createdAt - b.createdAt);
  const exportGif = async () => {
    setStatus('Encoding…');
    try {
      const pixels = [];
      for (const f of frames) {
        if (f.rgba) pixels.push({ rgba: f.rgba, width: f.width, height: f.height });
        else {
          const png = await actions.pngOf(f.id);
          if (!png) throw new Error('A frame is not available as PNG.');
          pixels.push(await decodeImageBlob(png));
        }
      }
      const gif = encodeAnimatedGif(pixels, { delayMs: 150, pingPong: true });
      saveBlob(
        new Blob([gif as Uint8Array<ArrayBuffer>], { type: 'image/gif' }),
        imageFileName(item.params.prompt, item.params.seed).replace(/\.png$/, '.gif'),
      );
      setStatus(`Exported ${frames.length} frames.`);
    } catch (e) {
      setStatus(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <div className="interpolation-strip" aria-label="Interpolation frames">
      <p>
        Interpolation: {frames.length} of {item.params.interpolation.frames} frames in the gallery
      </p>
      <div className="strip" data-testid="interpolation-strip">
        {frames.map((f) => (
          <StripFrame key={f.id} frame={f} current={f.id === item.id} />
        ))}
      </div>
      <button type="button" onClick={() => void exportGif()} disabled={frames.length < 2}>
        Export animated GIF
      </button>
      <span role="status"> {status}</span>
    </div>
  );
}

function StripFrame({ frame, current }: { frame: GalleryItem; current: boolean }) {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!frame.thumb) return;
    const objectUrl = URL.createObjectURL(frame.thumb);
    setUrl(objectUrl);
    return () => URL.revokeObjectURL(objectUrl);
  }, [frame.thumb]);
  const label = frame.params.variation ? `strength ${frame.params.variation.subseedStrength.toFixed(2)}` : 'frame';
  return url ? (
    <img src={url} alt={label} title={label} className={current ? 'current' : ''} width={48} height={48} />
  ) : (
    <span className="strip-pending">{label}</span>
  );
}
