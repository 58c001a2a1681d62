import { useEffect, useRef, useState } from 'react';
import { actions, useStudio } from './use-studio.ts';

/** Image count and "Clear all", which asks first. */
export function GalleryToolbar() {
  const status = useStudio((s) => s.galleryStatus);
  const shown = useStudio((s) => s.gallery.length);
  const [confirming, setConfirming] = useState(false);
  const count = Math.max(status.total, shown);
  return (
    <div className="gallery-toolbar">
      <h2>Gallery</h2>
      <span className="gallery-count" data-testid="gallery-count">
        {count} image{count === 1 ? '' : 's'}
        {status.persistent ? '' : ' · not saved in this browser'}
      </span>
      {confirming ? (
        <span className="confirm" role="group" aria-label="Confirm clearing the gallery">
          Delete all {count} images?
          <button
            type="button"
            className="danger"
            onClick={() => {
              setConfirming(false);
              void actions.clearGallery();
            }}
          >
            Delete all
          </button>
          <button type="button" onClick={() => setConfirming(false)}>
            Keep them
          </button>
        </span>
      ) : (
        <button type="button" disabled={count === 0} onClick={() => setConfirming(true)}>
          Clear all
        </button>
      )}
    </div>
  );
}

/** Loads older images when scrolled into view, or on click. */
export function GalleryMore() {
  const { hasMore, loading } = useStudio((s) => s.galleryStatus);
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const button = ref.current;
    if (!button || !hasMore) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) void actions.loadMoreGallery();
    });
    observer.observe(button);
    return () => observer.disconnect();
  }, [hasMore, loading]);
  if (!hasMore) return null;
  return (
    <button
      ref={ref}
      type="button"
      className="load-more"
      disabled={loading}
      onClick={() => void actions.loadMoreGallery()}
    >
      {loading ? 'Loading…' : 'Load more'}
    </button>
  );
}
