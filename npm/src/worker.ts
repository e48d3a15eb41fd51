/**
 * Run twofold-pq inside a Web Worker, off the main thread.
 *
 * In your worker module: `import "twofold-pq/worker";` (nothing else). On the main thread use
 * {@link TwofoldWorker} from `twofold-pq/worker-client`. The worker keeps every secret object
 * (identities, prekey stores, sessions) in its own memory and hands the main thread only
 * opaque numeric handles and `Uint8Array` results.
 *
 * @packageDocumentation
 */

import {
  Identity,
  IdentityCache,
  PrekeyStore,
  Session,
  TwofoldError,
  constants,
  describeMessage,
  describeBox,
  inspectBundle,
  isInitialized,
  messageKind,
  ready,
  safetyNumberOf,
  sealBox,
  version,
} from "./index.js";
import type { SealBoxOptions } from "./index.js";
import type { Handle, Op, Ops, Response, WireError, Wired, WiredSealBox } from "./worker-protocol.js";

/** The worker's object table. Handles are never reused. */
type Held = Identity | PrekeyStore | Session | IdentityCache;
const objects = new Map<Handle, Held>();
let nextHandle: Handle = 1;

function keep(o: Held): Handle {
  const h = nextHandle++;
  objects.set(h, o);
  return h;
}

function lookup<T extends Held>(
  h: Handle,
  kind: { prototype: T },
  name: string,
): T {
  const o = typeof h === "number" ? objects.get(h) : undefined;
  if (o !== undefined && Object.prototype.isPrototypeOf.call(kind.prototype, o)) return o as T;
  if (o === undefined && Number.isInteger(h) && h >= 1 && h < nextHandle) {
    throw new TwofoldError("DISPOSED", `${name} was disposed and can no longer be used`);
  }
  throw new TwofoldError("INVALID_ARGUMENT", `handle does not name a live ${name}`);
}

const identity = (h: Handle) => lookup(h, Identity, "Identity");
const store = (h: Handle) => lookup(h, PrekeyStore, "PrekeyStore");
const session = (h: Handle) => lookup(h, Session, "Session");
const cache = (h: Handle) => lookup(h, IdentityCache, "IdentityCache");

/**
 * Options as the main API takes them: the identity cache named by its handle replaced by the
 * cache itself. Anything that is not an options object with that own key goes on unchanged,
 * for the main API to refuse or take.
 */
function unwired<O extends { identityCache?: IdentityCache }>(o: Wired<O> | undefined): O | undefined {
  if (typeof o !== "object" || o === null || !Object.hasOwn(o, "identityCache")) return o as O | undefined;
  const h: unknown = o.identityCache;
  return { ...o, identityCache: h === undefined ? undefined : cache(h as Handle) } as unknown as O;
}

/** `sealBox`'s options with the sender identity and the cache their handles name. */
function unwiredBox(o: WiredSealBox | undefined): SealBoxOptions | undefined {
  const options = unwired(o as unknown as Wired<SealBoxOptions> | undefined);
  if (typeof options !== "object" || options === null || !Object.hasOwn(options, "from")) return options;
  const h: unknown = options.from;
  return { ...options, from: h === undefined ? undefined : identity(h as Handle) };
}

/**
 * One handler per operation of {@link Ops}: a missing or an extra operation, or a wrong
 * argument or result type, fails to compile.
 */
type Handlers = {
  [K in Op]: (...args: Ops[K]["args"]) => Ops[K]["result"] | Promise<Ops[K]["result"]>;
};

const handlers: Handlers = {
  ready: (wasmUrl) => ready(wasmUrl),
  isInitialized: () => isInitialized(),
  version: () => version(),
  constants: () => constants(),
  messageKind: (message) => messageKind(message),
  describeMessage: (message) => describeMessage(message),
  safetyNumberOf: (a, b) => safetyNumberOf(a, b),
  inspectBundle: (bundle) => inspectBundle(bundle),
  describeBox: (sealed) => describeBox(sealed),
  sealBox: (bundle, plaintext, options) => sealBox(bundle, plaintext, unwiredBox(options)),

  "identity.generate": () => keep(Identity.generate()),
  "identity.open": (...args) => keep(Identity.open(...args)),
  "identity.publicKey": (h) => identity(h).publicKey,
  "identity.seal": (h, ...args) => identity(h).seal(...args),

  "prekeyStore.generate": (id, options) => keep(PrekeyStore.generate(identity(id), options)),
  "prekeyStore.open": (blob, appKey, id, options) =>
    keep(PrekeyStore.open(blob, appKey, identity(id), options)),
  "prekeyStore.upload": (h, ...args) => store(h).upload(...args),
  "prekeyStore.rotateSignedPrekeys": (h, ...args) => store(h).rotateSignedPrekeys(...args),
  "prekeyStore.prune": (h, ...args) => store(h).prune(...args),
  "prekeyStore.info": (h, ...args) => store(h).info(...args),
  "prekeyStore.seal": (h, ...args) => store(h).seal(...args),
  "prekeyStore.openBox": (h, sealed, options) => store(h).openBox(sealed, unwired(options)),
  "prekeyStore.boxSender": (h, ...args) => store(h).boxSender(...args),

  "identityCache.create": (options) => keep(new IdentityCache(options)),
  "identityCache.size": (h) => cache(h).size,
  "identityCache.clear": (h, ...args) => cache(h).clear(...args),

  "session.initiate": (id, bundle, plaintext, options) => {
    const r = Session.initiate(identity(id), bundle, plaintext, unwired(options));
    return { session: keep(r.session), message: r.message };
  },
  "session.accept": (id, st, message, options) => {
    const r = Session.accept(identity(id), store(st), message, unwired(options));
    return { session: keep(r.session), plaintext: r.plaintext };
  },
  "session.open": (...args) => keep(Session.open(...args)),
  "session.encrypt": (h, ...args) => session(h).encrypt(...args),
  "session.decrypt": (h, ...args) => session(h).decrypt(...args),
  "session.info": (h, ...args) => session(h).info(...args),
  "session.safetyNumber": (h, ...args) => session(h).safetyNumber(...args),
  "session.safetyQr": (h, ...args) => session(h).safetyQr(...args),
  "session.matchesSafetyQr": (h, ...args) => session(h).matchesSafetyQr(...args),
  "session.sas": (h, ...args) => session(h).sas(...args),
  "session.peerFingerprint": (h, ...args) => session(h).peerFingerprint(...args),
  "session.handshakeId": (h, ...args) => session(h).handshakeId(...args),
  "session.seal": (h, ...args) => session(h).seal(...args),

  dispose: (h) => {
    objects.get(h)?.dispose();
    objects.delete(h);
  },
};

/**
 * The names of every operation served (the keys of {@link Ops}). Exported for tests.
 *
 * @internal
 */
export const operations: readonly Op[] = Object.freeze(Object.keys(handlers) as Op[]);

/** Operations that must not wait for the default `ready()` first. */
const noImplicitReady: ReadonlySet<Op> = new Set<Op>(["ready", "isInitialized"]);

function run<K extends Op>(op: K, args: Ops[K]["args"]): Ops[K]["result"] | Promise<Ops[K]["result"]> {
  const fn: (...a: Ops[K]["args"]) => Ops[K]["result"] | Promise<Ops[K]["result"]> = handlers[op];
  return fn(...args);
}

function isOp(op: unknown): op is Op {
  return typeof op === "string" && Object.prototype.hasOwnProperty.call(handlers, op);
}

/** An exception as it travels to the main thread: only a `TwofoldError` carries a code. */
function wireError(err: unknown): WireError {
  if (err instanceof TwofoldError) return { name: err.name, message: err.message, code: err.code };
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: "Error", message: String(err) };
}

/**
 * Executes one request (as received, not trusted) and returns the answer; never throws.
 * The request's `Uint8Array` arguments are this worker's own copies (structured clone): they
 * are wiped afterwards, so no plaintext or application key lingers here. Exported for tests;
 * the worker calls it from its message handler.
 *
 * @internal
 */
export async function handle(data: unknown): Promise<Response> {
  const req = (typeof data === "object" && data !== null ? data : {}) as Record<string, unknown>;
  const id = typeof req.id === "number" ? req.id : -1;
  const { op, args } = req;
  try {
    if (!isOp(op) || !Array.isArray(args)) {
      throw new TwofoldError("INVALID_ARGUMENT", `unknown worker operation ${String(op)}`);
    }
    if (!noImplicitReady.has(op)) await ready();
    const value = await run(op, args as Ops[Op]["args"]);
    return { id, ok: true, value };
  } catch (err) {
    return { id, ok: false, error: wireError(err) };
  } finally {
    if (Array.isArray(args)) for (const arg of args) wipe(arg);
  }
}

/**
 * Wipes the worker's copy of an argument: a `Uint8Array`, or the byte options (associated data,
 * contexts) one level down, read from their data properties only (no getter runs).
 */
function wipe(arg: unknown): void {
  if (arg instanceof Uint8Array) {
    // A view of a SharedArrayBuffer is the sender's memory, not a copy: never ours to wipe (the
    // worker client sends copies; another sender may not).
    if (!(arg.buffer instanceof ArrayBuffer)) return;
    arg.fill(0);
  } else if (typeof arg === "object" && arg !== null) {
    try {
      for (const d of Object.values(Object.getOwnPropertyDescriptors(arg))) {
        if (d.value instanceof Uint8Array && d.value.buffer instanceof ArrayBuffer) d.value.fill(0);
      }
    } catch {
      // A Proxy whose traps throw (not a structured clone): nothing of ours to wipe.
    }
  }
}

/** The buffers of the `Uint8Array`s in a result, to transfer rather than copy. */
function transferables(res: Response): ArrayBuffer[] {
  if (!res.ok) return [];
  const value: unknown = res.value;
  const candidates =
    value instanceof Uint8Array
      ? [value]
      : value !== null && typeof value === "object"
        ? Object.values(value)
        : [];
  const buffers = new Set<ArrayBuffer>();
  for (const v of candidates) {
    // Only whole, plain ArrayBuffers (never a view into a larger buffer such as wasm memory).
    if (v instanceof Uint8Array && v.buffer instanceof ArrayBuffer && v.byteOffset === 0 &&
      v.byteLength === v.buffer.byteLength) {
      buffers.add(v.buffer);
    }
  }
  return [...buffers];
}

/** Where requests come from and answers go: a worker's global scope, or a `MessagePort`. */
interface Endpoint {
  addEventListener(type: "message", listener: (e: MessageEvent) => void): void;
  postMessage(message: Response, transfer: Transferable[]): void;
  start?(): void;
}

/**
 * Answers requests arriving at `endpoint`. The worker module calls it on its own global
 * scope; exported for tests (which serve a `MessagePort`).
 *
 * @internal
 */
export function serve(endpoint: Endpoint): void {
  endpoint.addEventListener("message", (e: MessageEvent) => {
    void handle(e.data).then((res) => {
      try {
        endpoint.postMessage(res, transferables(res));
      } catch (err) {
        // The answer could not be sent (e.g. not cloneable): report that instead of going silent.
        endpoint.postMessage({ id: res.id, ok: false, error: wireError(err) }, []);
      }
    });
  });
  endpoint.start?.();
}

const scope = globalThis as unknown as Partial<Endpoint> & { document?: unknown; onmessage?: unknown };
if (typeof scope.document === "undefined" && typeof scope.postMessage === "function" &&
  typeof scope.addEventListener === "function" && "onmessage" in scope) {
  serve(scope as Endpoint);
}
