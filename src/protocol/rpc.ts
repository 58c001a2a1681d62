/**
 * A small typed call/reply protocol over any message port (a Worker, its global scope, an
 * in-memory pair in tests). PURE: no DOM. A `CallTable` names each call with its arguments and
 * its result; requests carry a `call` number, replies echo it with the typed result or an error.
 * Other messages on the same port (progress events) pass to `onEvent`.
 *
 * Used for the download worker (src/storage/model-download-protocol.ts). The engine worker's
 * protocol (messages.ts) is a job protocol instead, because one request answers with a stream of
 * events; its pending requests are a map in the store (src/state/engine-events.ts).
 */

/** Each call's arguments (without `type` and `call`) and result. */
export type CallTable = Record<string, { args: object; result: unknown }>;

export type CallRequest<T extends CallTable> = {
  [K in keyof T & string]: { type: K; call: number } & T[K]['args'];
}[keyof T & string];

export type CallReply<T extends CallTable, E> =
  | { [K in keyof T & string]: { type: 'reply'; call: number; name: K; ok: true; value: T[K]['result'] } }[keyof T &
      string]
  | { type: 'reply'; call: number; ok: false; error: E };

/**
 * One end of a typed message channel: what it sends and what it receives. Both workers' ports
 * are this type (the engine's EnginePort adds `error`/`messageerror` and `terminate`); a Worker,
 * a worker's `self` and the tests' in-memory ports all satisfy it.
 */
export interface TypedPort<In, Out> {
  postMessage(message: Out): void;
  addEventListener(type: 'message', listener: (event: { data: In }) => void): void;
}
type MessagePortLike<In, Out> = TypedPort<In, Out>;

export interface RpcClient<T extends CallTable> {
  call<K extends keyof T & string>(type: K, args: T[K]['args']): Promise<T[K]['result']>;
}

/**
 * The caller's side. `toError` turns the worker's error payload into what the promise rejects
 * with; `onEvent` receives every message that is not a reply.
 */
export function createRpcClient<T extends CallTable, E, Ev extends { type: string }>(
  port: MessagePortLike<CallReply<T, E> | Ev, CallRequest<T>>,
  options: { toError: (error: E) => Error; onEvent?: (event: Ev) => void },
): RpcClient<T> {
  let next = 1;
  const pending = new Map<number, { name: string; resolve: (value: never) => void; reject: (e: Error) => void }>();
  port.addEventListener('message', ({ data }) => {
    if (data.type !== 'reply') {
      options.onEvent?.(data as Ev);
      return;
    }
    const reply = data as CallReply<T, E>;
    const waiter = pending.get(reply.call);
    if (!waiter) return;
    pending.delete(reply.call);
    if (reply.ok) (waiter.resolve as (value: unknown) => void)(reply.value);
    else waiter.reject(options.toError(reply.error));
  });
  return {
    call(type, args) {
      const call = next++;
      return new Promise((resolve, reject) => {
        pending.set(call, { name: type, resolve: resolve as (value: never) => void, reject });
        port.postMessage({ ...args, type, call } as CallRequest<T>);
      });
    },
  };
}

/** The worker's side: one handler per call; a thrown error becomes `fromError(error)`. */
export type RpcHandlers<T extends CallTable> = {
  [K in keyof T & string]: (args: { type: K; call: number } & T[K]['args']) => Promise<T[K]['result']>;
};

export function serveRpc<T extends CallTable, E>(
  port: MessagePortLike<CallRequest<T>, CallReply<T, E>>,
  handlers: RpcHandlers<T>,
  fromError: (error: unknown) => E,
): void {
  port.addEventListener('message', ({ data }) => {
    const handler = handlers[data.type] as (args: typeof data) => Promise<unknown>;
    handler(data).then(
      (value) =>
        port.postMessage({ type: 'reply', call: data.call, name: data.type, ok: true, value } as CallReply<T, E>),
      (error: unknown) => port.postMessage({ type: 'reply', call: data.call, ok: false, error: fromError(error) }),
    );
  });
}
