import { useEffect } from 'react';
import { Gallery } from '../ui/Gallery.tsx';
import { GenerateForm } from '../ui/GenerateForm.tsx';
import { ImagePanel } from '../ui/ImagePanel.tsx';
import { ImportPanel } from '../ui/ImportPanel.tsx';
import { XyzPanel } from '../ui/XyzPanel.tsx';
import { ModelManager } from '../ui/ModelManager.tsx';
import { NoticeBar } from '../ui/NoticeBar.tsx';
import { LivePanel } from '../ui/LivePanel.tsx';
import { ProgressPanel } from '../ui/ProgressPanel.tsx';
import { SeedExtras } from '../ui/SeedExtras.tsx';
import { StatusLine } from '../ui/StatusLine.tsx';
import { UpdatePrompt } from '../ui/UpdatePrompt.tsx';
import { actions } from '../ui/use-studio.ts';

export function App() {
  useEffect(() => {
    // Ctrl+Enter generates and Esc cancels from anywhere, as in the desktop studios.
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        actions.generate();
      } else if (e.key === 'Escape' && !document.querySelector('dialog[open]')) {
        // Esc in an open dialog closes the dialog only.
        actions.cancelJob();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return (
    <div className="app">
      <header>
        <h1>Latent Studio</h1>
        <StatusLine />
      </header>
      <UpdatePrompt />
      <NoticeBar />
      <main>
        <aside className="controls">
          <GenerateForm />
          <SeedExtras />
          <ImagePanel />
        </aside>
        <div className="output">
          <LivePanel />
          <ProgressPanel />
          <Gallery />
        </div>
        {/* After the gallery on a phone, under the form on a desktop (grid areas in styles.css). */}
        <aside className="extras">
          <XyzPanel />
          <ImportPanel />
          <ModelManager />
        </aside>
      </main>
    </div>
  );
}
