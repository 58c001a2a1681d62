import { PixelCanvas } from './PixelCanvas.tsx';
import { useStudio } from './use-studio.ts';

/** Finished images, newest first, each with its seed. */
export function Gallery() {
  const items = useStudio((s) => s.gallery);
  return (
    <section className="gallery" role="region" aria-label="Gallery">
      {items.length === 0 && <p className="empty">Images you generate appear here.</p>}
      <ul>
        {items.map((item) => (
          <li key={item.id}>
            <figure data-seed={item.params.seed} data-timings={JSON.stringify(item.timings)}>
              <PixelCanvas rgba={item.rgba} width={item.width} height={item.height} label={item.params.prompt || 'image'} />
              <figcaption>
                seed <span className="seed">{item.params.seed}</span> · {item.params.sampler} · {item.params.steps} steps
              </figcaption>
            </figure>
          </li>
        ))}
      </ul>
    </section>
  );
}
