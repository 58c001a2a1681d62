import { actions, useStudio } from './use-studio.ts';

/**
 * The one place errors and notes reach the person; text only, never HTML. The headline says what
 * went wrong and what to do; raw engine text (onnxruntime's message, a build path) sits under a
 * closed "Details" disclosure for bug reports.
 */
export function NoticeBar() {
  const notice = useStudio((s) => s.notice);
  const phase = useStudio((s) => s.engine.phase);
  if (!notice) return null;
  return (
    <div
      className={`notice notice-${notice.kind}`}
      role={notice.kind === 'error' ? 'alert' : 'status'}
      data-testid="notice"
    >
      <span>{notice.text}</span>
      {notice.detail && (
        <details className="notice-detail" data-testid="notice-detail">
          <summary>Details</summary>
          <pre>{notice.detail}</pre>
        </details>
      )}
      {phase === 'error' && (
        <>
          <button type="button" onClick={() => actions.reloadModel()}>
            Reload model
          </button>
          <button type="button" onClick={() => actions.reloadModel('wasm')}>
            Use WASM
          </button>
        </>
      )}
      <button type="button" aria-label="Dismiss message" onClick={actions.dismissNotice}>
        ×
      </button>
    </div>
  );
}
