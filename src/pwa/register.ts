/**
 * Registers the service worker (production builds only) and turns its life cycle into three
 * callbacks for the composition root: the app is cached for offline use, an update is waiting,
 * and how to apply it. Updates never swap code silently: the waiting worker takes over only when
 * `applyUpdate()` is called, then the page reloads once under the new version.
 */
import { Workbox } from 'workbox-window';

export interface ServiceWorkerCallbacks {
  /** The first install finished: the app (shell, ORT wasm, embedded model) now works offline. */
  onOfflineReady?: () => void;
  /** A new version is installed and waiting. */
  onUpdateReady: (applyUpdate: () => void) => void;
  onError?: (message: string) => void;
}

/** How often an open tab asks the server for a new service worker. */
const UPDATE_CHECK_MS = 60 * 60 * 1000;

export function registerServiceWorker(scriptUrl: string, callbacks: ServiceWorkerCallbacks): Workbox | null {
  if (!('serviceWorker' in navigator)) return null;
  const wb = new Workbox(scriptUrl, { type: 'classic' });
  let reloadOnControl = false;

  const announceWaiting = () =>
    callbacks.onUpdateReady(() => {
      reloadOnControl = true;
      wb.messageSkipWaiting();
    });

  wb.addEventListener('waiting', announceWaiting);
  wb.addEventListener('controlling', () => {
    if (reloadOnControl) window.location.reload();
  });
  wb.addEventListener('installed', (event) => {
    if (!event.isUpdate) callbacks.onOfflineReady?.();
  });

  wb.register()
    .then((registration) => {
      if (!registration) return;
      setInterval(() => void registration.update().catch(() => undefined), UPDATE_CHECK_MS);
      document.addEventListener('visibilitychange', () => {
        if (document.visibilityState === 'visible') void registration.update().catch(() => undefined);
      });
    })
    .catch((error: unknown) => callbacks.onError?.(error instanceof Error ? error.message : String(error)));
  return wb;
}
