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
  describeMessage,
  Identity,
  PrekeyStore,
  Session,
  TwofoldError,
  inspectBundle,
  messageKind,
  ready,
  safetyNumberOf,
} from "./index.js";
import type { Request, Response } from "./worker-protocol.js";

type Handle = number;
const objects = new Map<Handle, Identity | PrekeyStore | Session>();
let nextHandle: Handle = 1;

function keep(o: Identity | PrekeyStore | Session): Handle {
  const h = nextHandle++;
  objects.set(h, o);
  return h;
}

function get<T>(h: unknown, kind: { prototype: T }, name: string): T {
  const o = typeof h === "number" ? objects.get(h) : undefined;
  if (o === undefined || !Object.prototype.isPrototypeOf.call(kind.prototype, o)) {
    throw new TwofoldError("INVALID_ARGUMENT", `handle does not name a live ${name}`);
  }
  return o as T;
}

/** Executes one request. Exported for tests; a worker calls it from its message handler. */
export async function handle(req: Request): Promise<unknown> {
  await ready();
  const a = req.args;
  switch (req.op) {
    case "identity.generate":
      return keep(Identity.generate());
    case "identity.open":
      return keep(Identity.open(a[0] as Uint8Array, a[1] as Uint8Array));
    case "identity.publicKey":
      return get(a[0], Identity, "Identity").publicKey;
    case "identity.seal":
      return get(a[0], Identity, "Identity").seal(a[1] as Uint8Array);
    case "store.generate":
      return keep(PrekeyStore.generate(get(a[0], Identity, "Identity"), a[1] as object));
    case "store.open":
      return keep(
        PrekeyStore.open(a[0] as Uint8Array, a[1] as Uint8Array, get(a[2], Identity, "Identity")),
      );
    case "store.bundle":
      return get(a[0], PrekeyStore, "PrekeyStore").bundle();
    case "store.info":
      return get(a[0], PrekeyStore, "PrekeyStore").info();
    case "store.seal":
      return get(a[0], PrekeyStore, "PrekeyStore").seal(a[1] as Uint8Array);
    case "session.initiate": {
      const r = Session.initiate(
        get(a[0], Identity, "Identity"),
        a[1] as Uint8Array,
        a[2] as Uint8Array,
        a[3] as object,
      );
      return { session: keep(r.session), message: r.message };
    }
    case "session.accept": {
      const r = Session.accept(
        get(a[0], Identity, "Identity"),
        get(a[1], PrekeyStore, "PrekeyStore"),
        a[2] as Uint8Array,
        a[3] as object,
      );
      return { session: keep(r.session), plaintext: r.plaintext };
    }
    case "session.open":
      return keep(Session.open(a[0] as Uint8Array, a[1] as Uint8Array));
    case "session.encrypt":
      return get(a[0], Session, "Session").encrypt(a[1] as Uint8Array, a[2] as object);
    case "session.decrypt":
      return get(a[0], Session, "Session").decrypt(a[1] as Uint8Array, a[2] as object);
    case "session.info":
      return get(a[0], Session, "Session").info(a[1] as number | undefined);
    case "session.safetyNumber":
      return get(a[0], Session, "Session").safetyNumber();
    case "session.sas":
      return get(a[0], Session, "Session").sas();
    case "session.seal":
      return get(a[0], Session, "Session").seal(a[1] as Uint8Array);
    case "messageKind":
      return messageKind(a[0] as Uint8Array);
    case "describeMessage":
      return describeMessage(a[0] as Uint8Array);
    case "safetyNumberOf":
      return safetyNumberOf(a[0] as Uint8Array, a[1] as Uint8Array);
    case "inspectBundle":
      return inspectBundle(a[0] as Uint8Array);
    case "dispose": {
      const o = typeof a[0] === "number" ? objects.get(a[0]) : undefined;
      o?.dispose();
      objects.delete(a[0] as Handle);
      return undefined;
    }
    default:
      throw new TwofoldError("INVALID_ARGUMENT", `unknown operation ${String(req.op)}`);
  }
}

function transferables(value: unknown): Transferable[] {
  if (value instanceof Uint8Array) return [value.buffer];
  if (value !== null && typeof value === "object") {
    return Object.values(value).flatMap((v) => (v instanceof Uint8Array ? [v.buffer] : []));
  }
  return [];
}

interface WorkerScope {
  onmessage: ((e: MessageEvent<Request>) => void) | null;
  postMessage(message: Response, transfer: Transferable[]): void;
}

const scope = globalThis as unknown as WorkerScope & { document?: unknown };
if (typeof scope.document === "undefined" && "postMessage" in scope && "onmessage" in scope) {
  scope.onmessage = (e: MessageEvent<Request>) => {
    const req = e.data;
    const done = () => {
      // The request's arrays are this worker's own copies (structured clone): wipe them, so no
      // plaintext or application key lingers here.
      for (const arg of req.args) if (arg instanceof Uint8Array) arg.fill(0);
    };
    handle(req).finally(done).then(
      (value) => scope.postMessage({ id: req.id, ok: true, value }, transferables(value)),
      (err: unknown) => {
        const code = err instanceof TwofoldError ? err.code : "INVALID_ARGUMENT";
        const message = err instanceof Error ? err.message : String(err);
        scope.postMessage({ id: req.id, ok: false, code, message }, []);
      },
    );
  };
}
