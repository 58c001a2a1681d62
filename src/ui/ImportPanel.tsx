import { useCallback, useEffect, useId, useState } from 'react';
import { importFile, importInfotext } from '../state/import-params.ts';
import { readFileProvenance, type FileProvenance } from '../state/provenance.ts';
import { ProvenanceSummary } from './ProvenanceSummary.tsx';

const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files');

/**
 * Import generation parameters: pick or drop a PNG (this studio's or A1111's), paste an image,
 * or paste infotext. Whatever was read is only ever shown as text.
 */
export function ImportPanel() {
  const ids = { file: useId(), text: useId() };
  const [text, setText] = useState('');
  const [dragging, setDragging] = useState(false);
  const [provenance, setProvenance] = useState<FileProvenance | null>(null);

  // Parameters into the form, and the file's C2PA summary beside it (its own read: a PNG
  // without parameters can still carry credentials).
  const take = useCallback((file: File) => {
    void importFile(file);
    void readFileProvenance(file).then(setProvenance);
  }, []);

  useEffect(() => {
    const over = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      setDragging(true);
    };
    const leave = (e: DragEvent) => {
      if (e.relatedTarget === null) setDragging(false);
    };
    const drop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      setDragging(false);
      const file = e.dataTransfer?.files[0];
      if (file) take(file);
    };
    const paste = (e: ClipboardEvent) => {
      const file = e.clipboardData?.files[0];
      if (file && file.type === 'image/png') {
        e.preventDefault();
        take(file);
      }
    };
    addEventListener('dragover', over);
    addEventListener('dragleave', leave);
    addEventListener('drop', drop);
    addEventListener('paste', paste);
    return () => {
      removeEventListener('dragover', over);
      removeEventListener('dragleave', leave);
      removeEventListener('drop', drop);
      removeEventListener('paste', paste);
    };
  }, [take]);

  return (
    <section className={`import-panel${dragging ? ' dragging' : ''}`} aria-label="Import parameters">
      <h2>Import parameters</h2>
      <div className="field">
        <label htmlFor={ids.file}>PNG with parameters (or drop one anywhere)</label>
        <input
          id={ids.file}
          type="file"
          accept="image/png,.png,text/plain,.txt"
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) take(file);
          }}
        />
      </div>
      <div className="field">
        <label htmlFor={ids.text}>Paste parameters</label>
        <textarea
          id={ids.text}
          rows={3}
          placeholder={
            'a red star\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 64x64'
          }
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
      </div>
      <button
        type="button"
        disabled={text.trim() === ''}
        onClick={() => {
          if (importInfotext(text)) setText('');
        }}
      >
        Apply parameters
      </button>
      {provenance && <ProvenanceSummary provenance={provenance} />}
      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          Drop a PNG to import its parameters
        </div>
      )}
    </section>
  );
}
