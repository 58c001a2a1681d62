import { useCallback, useState } from 'react';
import { GalleryMore, GalleryToolbar } from './GalleryControls.tsx';
import { GalleryTile } from './GalleryTile.tsx';
import { ImageDialog } from './ImageDialog.tsx';
import { useStudio } from './use-studio.ts';

/** Finished images, newest first, each with its seed; saved ones page in as you scroll. */
export function Gallery() {
  const items = useStudio((s) => s.gallery);
  const [openId, setOpenId] = useState<string | null>(null);
  const open = items.find((i) => i.id === openId) ?? null;
  const close = useCallback(() => setOpenId(null), []);
  return (
    <section className="gallery" role="region" aria-label="Gallery">
      <GalleryToolbar />
      {items.length === 0 && <p className="empty">Images you generate appear here.</p>}
      <ul>
        {items.map((item) => (
          <GalleryTile key={item.id} item={item} onOpen={() => setOpenId(item.id)} />
        ))}
      </ul>
      <GalleryMore />
      {open && <ImageDialog key={open.id} item={open} onClose={close} />}
    </section>
  );
}
