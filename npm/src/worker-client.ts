/**
 * Main-thread side of a twofold-pq Web Worker: the whole API of `twofold-pq`, asynchronous,
 * with every secret kept in the worker. Pair with a worker module containing
 * `import "twofold-pq/worker";`.
 *
 * The API mirrors the main one name for name: the classes' static factories are on
 * {@link TwofoldWorker.Identity}, {@link TwofoldWorker.PrekeyStore} and
 * {@link TwofoldWorker.Session}; they resolve to {@link RemoteIdentity},
 * {@link RemotePrekeyStore} and {@link RemoteSession} objects with the same methods as
 * `Identity`, `PrekeyStore` and `Session`, each returning a promise. The top-level functions
 * are methods of {@link TwofoldWorker}. Two differences: the `publicKey` accessor of an
 * identity is the method `publicKey()`, and `dispose()` returns a promise (with
 * `[Symbol.asyncDispose]` for `await using`). The server's functions (`twofold-pq/server`)
 * hold no secret and are not offered here.
 *
 * ```js
 * import { TwofoldWorker } from "twofold-pq/worker-client";
 * const url = new URL("./twofold.worker.js", import.meta.url);
 * const tw = new TwofoldWorker(new Worker(url, { type: "module" }));
 * const { Identity, PrekeyStore, Session } = tw;
 * const bob = await Identity.generate();
 * const store = await PrekeyStore.generate(bob);
 * const upload = await store.upload({ oneTime: 10 }); // to the server (`twofold-pq/server`)
 * const bundle = composeBundle(upload, 0); // on the server
 * const alice = await Identity.generate();
 * const { session, message } = await Session.initiate(alice, bundle, plaintext);
 * const next = await session.encrypt(bytes);
 * // Bob: the compact initial message names Alice; his directory has her identity.
 * const { handshake } = await tw.describeMessage(message);
 * const initiatorIdentity = directory.get(hex(handshake.initiatorFingerprint));
 * const { session: b } = await Session.accept(bob, store, message, { initiatorIdentity });
 * ```
 *
 * @packageDocumentation
 */

import { TwofoldError, byteView, isUint8Array, toTwofoldError } from "./index.js";
import type {
  AcceptOptions,
  BoxInfo,
  BundleInfo,
  Constants,
  IdentityCacheOptions,
  InitiateOptions,
  MessageDescription,
  MessageKind,
  MessageOptions,
  OpenBoxOptions,
  OpenOptions,
  OpenedBox,
  PrekeyStoreInfo,
  PrekeyStoreOptions,
  Sas,
  SealBoxOptions,
  SealOptions,
  SessionInfo,
  UploadOptions,
} from "./index.js";
import type { Handle, Op, Ops, Request, WireError, Wired } from "./worker-protocol.js";

/**
 * What {@link TwofoldWorker} needs of a worker: a `Worker`, or any endpoint with the same
 * messaging methods (a `MessagePort` whose other end is served by `twofold-pq/worker`).
 */
export interface WorkerLike {
  /** Must take `transfer` as `Worker.postMessage` does: the byte arguments' buffers move. */
  postMessage(message: Request, transfer: Transferable[]): void;
  addEventListener(type: "message" | "messageerror" | "error", listener: (e: Event) => void): void;
  /** Called by {@link TwofoldWorker.terminate} and when the worker fails. */
  terminate?(): void;
  /** Called once, for a `MessagePort`. */
  start?(): void;
}

interface Pending {
  resolve(value: unknown): void;
  reject(reason: unknown): void;
}

/** Built-in error types re-created on this side with their own class. */
const ERROR_TYPES: Readonly<Record<string, new (message: string) => Error>> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
  ...(typeof WebAssembly === "object"
    ? {
        RuntimeError: WebAssembly.RuntimeError,
        CompileError: WebAssembly.CompileError,
        LinkError: WebAssembly.LinkError,
      }
    : {}),
};

/** Re-creates an exception thrown in the worker: a `TwofoldError` keeps its code, any other
 * error its name and message (as the matching built-in class where there is one). */
function fromWire(e: WireError): Error {
  const name = typeof e?.name === "string" ? e.name : "Error";
  const message = typeof e?.message === "string" ? e.message : "";
  const known = toTwofoldError({ name, message, code: e?.code });
  if (known instanceof TwofoldError) return known;
  const Type = Object.prototype.hasOwnProperty.call(ERROR_TYPES, name) ? ERROR_TYPES[name] : Error;
  const err = new Type(message);
  if (err.name !== name) err.name = name;
  return err;
}

const GONE = "its objects are gone";

// Taken at load, like the main module's intrinsics: a page script that replaces them later
// does not see the bytes copied here (the app keys and plaintexts still pass through this realm).
const setBytes = Uint8Array.prototype.set;
const fillBytes = Uint8Array.prototype.fill;
const ownKeys = Object.keys;
const hasOwn = Object.hasOwn as (o: object, key: PropertyKey) => boolean;

/**
 * The own properties of an options object (absent: `undefined`), read once each, with `map`
 * applied to each value: what is sent for it. An object of a class (whose getters the clone
 * would drop) or one with an inherited enumerable key (a polluted Object.prototype) is refused,
 * not sent short.
 */
function plainOptions(arg: object, map: (value: unknown, key: string) => unknown): Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(arg);
  if (proto !== null && Object.getPrototypeOf(proto) !== null) {
    throw new TwofoldError("INVALID_ARGUMENT", "options must be a plain object");
  }
  for (const key in arg) {
    if (!hasOwn(arg, key)) {
      throw new TwofoldError("INVALID_ARGUMENT", `option ${JSON.stringify(key)} must be an own property`);
    }
  }
  const out = Object.create(null) as Record<string, unknown>;
  for (const key of ownKeys(arg)) out[key] = map((arg as Record<string, unknown>)[key], key);
  return out;
}

/**
 * What is sent for one argument: a `Uint8Array` as a copy of its view's bytes (recorded in
 * `copies`, whose buffers are transferred), any other object (options) as a copy of its own
 * enumerable properties, with byte values copied the same way; anything else as it is (the
 * structured clone refuses what it cannot send).
 */
function compact(arg: unknown, copies: Uint8Array[], channel: Channel): unknown {
  const refuse = (error: TwofoldError): never => {
    const refusal = { error };
    refusals.add(refusal);
    throw refusal;
  };
  const copy = (v: unknown, key?: string): unknown => {
    const remote = typeof v === "object" && v !== null ? states.get(v) : undefined;
    if (remote !== undefined) {
      // A remote object in the options (an identity cache) travels as its handle.
      try {
        return handleOf(v, remote.kind, channel);
      } catch (e) {
        return refuse(e as TwofoldError);
      }
    }
    // Only a RemoteIdentityCache becomes a handle: a number given instead would pass the
    // ownership and disposal checks by.
    if (key === "identityCache" && v !== undefined) {
      refuse(new TwofoldError("INVALID_ARGUMENT", "identityCache must be a RemoteIdentityCache of this worker"));
    }
    if (key === "from" && v !== undefined) {
      refuse(new TwofoldError("INVALID_ARGUMENT", "from must be a RemoteIdentity of this worker"));
    }
    if (!isUint8Array(v)) return v;
    const view = byteView(v, "a byte argument");
    const c = new Uint8Array(view.length);
    setBytes.call(c, view);
    copies.push(c);
    return c;
  };
  if (typeof arg !== "object" || arg === null || Array.isArray(arg) || isUint8Array(arg)) {
    return copy(arg);
  }
  // Options are plain data.
  return plainOptions(arg, copy);
}

/**
 * Our own refusals of an argument (a disposed or foreign remote object), thrown out of
 * {@link compact}: told apart from whatever a caller's getter throws by membership here, which
 * no Proxy can fake.
 */
const refusals = new WeakSet<object>();

/** Workers that already have a client: two would mix up each other's answers. */
const connected = new WeakSet<object>();

/** The message channel to one worker: numbered calls, their pending promises, its lifetime. */
class Channel {
  readonly #worker: WorkerLike;
  readonly #pending = new Map<number, Pending>();
  #next = 1;
  /** Why no call can be made any more (set once, by terminate() or a failure). */
  #closed: string | undefined;

  constructor(worker: WorkerLike) {
    let usable = false;
    try {
      usable = typeof worker === "object" && worker !== null &&
        typeof worker.postMessage === "function" && typeof worker.addEventListener === "function";
    } catch {
      // A Proxy that throws: not a worker.
    }
    if (!usable) {
      throw new TwofoldError("INVALID_ARGUMENT", "expected a Worker (or an endpoint with postMessage and addEventListener)");
    }
    if (connected.has(worker)) {
      throw new TwofoldError("INVALID_ARGUMENT", "this worker already has a TwofoldWorker");
    }
    connected.add(worker);
    this.#worker = worker;
    try {
      worker.addEventListener("message", (e) => this.#answer((e as MessageEvent).data));
      worker.addEventListener("error", (e) => {
        const detail = (e as Partial<ErrorEvent>).message;
        const why = typeof detail === "string" && detail !== "" ? ` (${detail})` : "";
        this.close(`the twofold-pq worker failed${why}; it was stopped and ${GONE}`);
      });
      worker.addEventListener("messageerror", () =>
        this.close(`an answer of the twofold-pq worker could not be deserialized; it was stopped and ${GONE}`),
      );
      worker.start?.();
    } catch (e) {
      connected.delete(worker);
      throw new TwofoldError("INVALID_ARGUMENT", "the worker's addEventListener or start threw", { cause: e });
    }
  }

  get closed(): boolean {
    return this.#closed !== undefined;
  }

  #answer(data: unknown): void {
    if (typeof data !== "object" || data === null) return;
    const r = data as { id?: unknown; ok?: unknown; value?: unknown; error?: WireError };
    const p = typeof r.id === "number" ? this.#pending.get(r.id) : undefined;
    if (p === undefined) return;
    this.#pending.delete(r.id as number);
    if (r.ok === true) p.resolve(r.value);
    else p.reject(fromWire(r.error ?? { name: "Error", message: "malformed answer from the worker" }));
  }

  /** Sends one operation; resolves with its result or rejects with the worker's error. */
  call<K extends Op>(op: K, ...args: Ops[K]["args"]): Promise<Ops[K]["result"]> {
    if (this.#closed !== undefined) return Promise.reject(new TwofoldError("DISPOSED", this.#closed));
    const id = this.#next++;
    return new Promise<Ops[K]["result"]>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      const copies: Uint8Array[] = [];
      try {
        // Byte arguments and byte options go as compact copies of their views (not the whole
        // buffer behind them, and never the caller's SharedArrayBuffer, which a clone would
        // share and the worker's wipe would zero), and the copies' buffers are transferred: no
        // copy stays behind on this side, and an endpoint that queues the message still sends
        // the bytes. The caller's arrays stay intact; the worker wipes what it received.
        const sent: unknown[] = [];
        for (const a of args) sent.push(compact(a, copies, this));
        const request = { id, op, args: sent as Ops[K]["args"] };
        this.#worker.postMessage(request as Request, copies.map((c) => c.buffer));
      } catch (e) {
        // A DataCloneError (a function, a Proxy, a symbol), or a getter that threw while the
        // arguments were read.
        this.#pending.delete(id);
        if (typeof e === "object" && e !== null && refusals.has(e)) reject((e as { error: TwofoldError }).error);
        else reject(new TwofoldError("INVALID_ARGUMENT", "an argument cannot be sent to the worker", { cause: e }));
      } finally {
        // Copies that were not transferred (an error, or an endpoint that clones instead of
        // transferring) are wiped; transferred ones are detached here, length 0.
        for (const c of copies) if (c.byteLength > 0) fillBytes.call(c, 0);
      }
    });
  }

  /** Stops the worker; every pending and later call rejects with `DISPOSED` and `reason`. */
  close(reason: string): void {
    if (this.#closed !== undefined) return;
    this.#closed = reason;
    try {
      this.#worker.terminate?.();
    } catch {
      // The worker is given up either way; its objects are gone for this client.
    } finally {
      const pending = [...this.#pending.values()];
      this.#pending.clear();
      for (const p of pending) p.reject(new TwofoldError("DISPOSED", reason));
    }
  }
}

type Kind = "Identity" | "PrekeyStore" | "Session" | "IdentityCache";

interface RemoteState {
  channel: Channel;
  handle: Handle;
  kind: Kind;
  /** Set by the first dispose(). */
  disposal: Promise<void> | undefined;
}

/** The worker-side identity of every remote object, reachable only from this module. */
const states = new WeakMap<object, RemoteState>();

/** The handle of `o`, checked: a live remote `kind` of `channel` (throws otherwise). */
function handleOf(o: unknown, kind: Kind, channel?: Channel): Handle {
  const s = typeof o === "object" && o !== null ? states.get(o) : undefined;
  if (s === undefined || s.kind !== kind) {
    throw new TwofoldError("INVALID_ARGUMENT", `expected a Remote${kind}`);
  }
  if (channel !== undefined && s.channel !== channel) {
    throw new TwofoldError("INVALID_ARGUMENT", `this Remote${kind} belongs to another TwofoldWorker`);
  }
  if (s.disposal !== undefined) {
    throw new TwofoldError("DISPOSED", `${kind} was disposed and can no longer be used`);
  }
  return s.handle;
}

/** The arguments of an object's operation after its handle. */
type MethodArgs<K extends Op> = Ops[K]["args"] extends [Handle, ...infer R] ? R : never;

/** Calls the operation `op` on the remote object `o` (of `kind`); rejects if `o` is not live. */
function invoke<K extends Op>(
  o: RemoteObject,
  kind: Kind,
  op: K,
  ...args: MethodArgs<K>
): Promise<Ops[K]["result"]> {
  try {
    const handle = handleOf(o, kind);
    const { channel } = states.get(o) as RemoteState;
    return channel.call(op, ...([handle, ...args] as unknown as Ops[K]["args"]));
  } catch (e) {
    return Promise.reject(e);
  }
}

const asyncDisposeSymbol: symbol =
  (Symbol as unknown as { asyncDispose?: symbol }).asyncDispose ?? Symbol.for("Symbol.asyncDispose");

/** An object living in the worker; what the main thread holds is a reference to it. */
export abstract class RemoteObject {
  /**
   * Whether {@link dispose} was called, or the worker is gone (terminated or failed): then
   * every method rejects with `DISPOSED`.
   */
  get disposed(): boolean {
    const s = states.get(this);
    if (s === undefined) throw new TwofoldError("INVALID_ARGUMENT", "expected a remote object of a TwofoldWorker");
    return s.disposal !== undefined || s.channel.closed;
  }

  /**
   * Wipes the object's secrets in the worker and releases it; resolves when the worker has
   * done so. Idempotent (every call returns the same promise). Later use rejects with
   * `DISPOSED`. Resolves at once if the worker was terminated (the object went with it).
   */
  dispose(): Promise<void> {
    const s = states.get(this);
    if (s === undefined) {
      return Promise.reject(new TwofoldError("INVALID_ARGUMENT", "expected a remote object of a TwofoldWorker"));
    }
    s.disposal ??= s.channel.closed
      ? Promise.resolve()
      : s.channel.call("dispose", s.handle).catch((e: unknown) => {
          if (!s.channel.closed) throw e;
        });
    return s.disposal;
  }
}

export interface RemoteObject {
  /** Same as {@link RemoteObject.dispose}, for `await using` declarations. */
  [Symbol.asyncDispose](): Promise<void>;
}

// Under Symbol.asyncDispose, or where the runtime lacks it under the registered symbol that the
// `await using` helpers of TypeScript and esbuild look up (as index.ts does for Symbol.dispose).
Object.defineProperty(RemoteObject.prototype, asyncDisposeSymbol, {
  value(this: RemoteObject): Promise<void> {
    return RemoteObject.prototype.dispose.call(this);
  },
  writable: true,
  configurable: true,
});

let makeIdentity: (channel: Channel, handle: Handle) => RemoteIdentity;
let makePrekeyStore: (channel: Channel, handle: Handle, identity: RemoteIdentity) => RemotePrekeyStore;
let makeSession: (channel: Channel, handle: Handle) => RemoteSession;
let makeIdentityCache: (channel: Channel, handle: Handle) => RemoteIdentityCache;

function register(o: RemoteObject, channel: Channel, handle: Handle, kind: Kind): void {
  if (!(channel instanceof Channel)) {
    throw new TypeError(`Remote${kind} objects come from the factories of a TwofoldWorker`);
  }
  states.set(o, { channel, handle, kind, disposal: undefined });
}

/** An `Identity` living in the worker (from {@link TwofoldWorker.Identity}). */
export class RemoteIdentity extends RemoteObject {
  private constructor(channel: Channel, handle: Handle) {
    super();
    register(this, channel, handle, "Identity");
  }

  static {
    makeIdentity = (channel, handle) => new RemoteIdentity(channel, handle);
  }

  /** The encoded public identity (the `publicKey` accessor of `Identity`). */
  publicKey(): Promise<Uint8Array> {
    return invoke(this, "Identity", "identity.publicKey");
  }

  /** Seals the key pair with a 32-byte application key, bound to `options.context`. */
  seal(appKey: Uint8Array, options?: SealOptions): Promise<Uint8Array> {
    return invoke(this, "Identity", "identity.seal", appKey, options);
  }
}

/** A `PrekeyStore` living in the worker (from {@link TwofoldWorker.PrekeyStore}). */
export class RemotePrekeyStore extends RemoteObject {
  readonly #identity: RemoteIdentity;

  private constructor(channel: Channel, handle: Handle, identity: RemoteIdentity) {
    super();
    register(this, channel, handle, "PrekeyStore");
    this.#identity = identity;
  }

  static {
    makePrekeyStore = (channel, handle, identity) => new RemotePrekeyStore(channel, handle, identity);
  }

  /** The owner of this store. */
  get identity(): RemoteIdentity {
    if (typeof this !== "object" || this === null || !(#identity in this)) {
      throw new TwofoldError("INVALID_ARGUMENT", "expected a RemotePrekeyStore");
    }
    return this.#identity;
  }

  /** A new batch of one-time prekeys and the signed prekeys under one signature, for the server. */
  upload(options?: UploadOptions): Promise<Uint8Array> {
    return invoke(this, "PrekeyStore", "prekeyStore.upload", options);
  }

  /** Replaces the signed prekeys; the previous ones stay accepted for a grace period. */
  rotateSignedPrekeys(now?: number): Promise<void> {
    return invoke(this, "PrekeyStore", "prekeyStore.rotateSignedPrekeys", now);
  }

  /** Drops signed prekeys whose grace period has passed. */
  prune(now?: number): Promise<void> {
    return invoke(this, "PrekeyStore", "prekeyStore.prune", now);
  }

  /** Non-secret state: signed prekey id and creation time, one-time prekeys held, next batch id. */
  info(): Promise<PrekeyStoreInfo> {
    return invoke(this, "PrekeyStore", "prekeyStore.info");
  }

  /** Seals the store with a 32-byte application key. */
  seal(appKey: Uint8Array, options?: SealOptions): Promise<Uint8Array> {
    return invoke(this, "PrekeyStore", "prekeyStore.seal", appKey, options);
  }

  /** Opens a sealed box addressed to the owner of this store (`PrekeyStore.openBox`). */
  openBox(sealed: Uint8Array, options?: RemoteOpenBoxOptions): Promise<OpenedBox> {
    // compact() sends the cache in the options as its handle.
    return invoke(this, "PrekeyStore", "prekeyStore.openBox", sealed, options as Wired<OpenBoxOptions> | undefined);
  }

  /** The fingerprint a sender-authenticated box names, or `null` (`PrekeyStore.boxSender`). */
  boxSender(sealed: Uint8Array): Promise<Uint8Array | null> {
    return invoke(this, "PrekeyStore", "prekeyStore.boxSender", sealed);
  }
}

/** An `IdentityCache` living in the worker (from {@link TwofoldWorker.IdentityCache}). */
export class RemoteIdentityCache extends RemoteObject {
  private constructor(channel: Channel, handle: Handle) {
    super();
    register(this, channel, handle, "IdentityCache");
  }

  static {
    makeIdentityCache = (channel, handle) => new RemoteIdentityCache(channel, handle);
  }

  /** Identities cached (the `size` accessor of `IdentityCache`). */
  size(): Promise<number> {
    return invoke(this, "IdentityCache", "identityCache.size");
  }

  /** Forgets every identity. */
  clear(): Promise<void> {
    return invoke(this, "IdentityCache", "identityCache.clear");
  }
}

/** A `Session` living in the worker (from {@link TwofoldWorker.Session}). */
export class RemoteSession extends RemoteObject {
  private constructor(channel: Channel, handle: Handle) {
    super();
    register(this, channel, handle, "Session");
  }

  static {
    makeSession = (channel, handle) => new RemoteSession(channel, handle);
  }

  /** Encrypts a message. */
  encrypt(plaintext: Uint8Array, options?: MessageOptions): Promise<Uint8Array> {
    return invoke(this, "Session", "session.encrypt", plaintext, options);
  }

  /** Decrypts a message; on any error the session is unchanged. */
  decrypt(message: Uint8Array, options?: MessageOptions): Promise<Uint8Array> {
    return invoke(this, "Session", "session.decrypt", message, options);
  }

  /** Non-secret state (epochs, PQ objects in flight, counters, skipped keys). */
  info(): Promise<SessionInfo> {
    return invoke(this, "Session", "session.info");
  }

  /** The 60-digit safety number. */
  safetyNumber(): Promise<string> {
    return invoke(this, "Session", "session.safetyNumber");
  }

  /** The 65-byte payload to render as a QR code. */
  safetyQr(): Promise<Uint8Array> {
    return invoke(this, "Session", "session.safetyQr");
  }

  /** Constant-time comparison with a scanned QR payload. */
  matchesSafetyQr(scanned: Uint8Array): Promise<boolean> {
    return invoke(this, "Session", "session.matchesSafetyQr", scanned);
  }

  /** The short authentication string of the handshake. */
  sas(): Promise<Sas> {
    return invoke(this, "Session", "session.sas");
  }

  /** The 32-byte fingerprint of the peer's identity, verified during the handshake. */
  peerFingerprint(): Promise<Uint8Array> {
    return invoke(this, "Session", "session.peerFingerprint");
  }

  /** Identifies the handshake; equal on both sides. */
  handshakeId(): Promise<Uint8Array> {
    return invoke(this, "Session", "session.handshakeId");
  }

  /** Seals the session with a 32-byte application key. */
  seal(appKey: Uint8Array, options?: SealOptions): Promise<Uint8Array> {
    return invoke(this, "Session", "session.seal", appKey, options);
  }
}

/** The static factories of `Identity`, creating identities in the worker. */
export interface RemoteIdentityFactory {
  /** Generates a new identity. */
  generate(): Promise<RemoteIdentity>;
  /** Opens a key pair sealed by {@link RemoteIdentity.seal} (or `Identity.seal`). */
  open(blob: Uint8Array, appKey: Uint8Array, options?: SealOptions): Promise<RemoteIdentity>;
}

/** The static factories of `PrekeyStore`, creating stores in the worker. */
export interface RemotePrekeyStoreFactory {
  /** Creates a store owned by `identity`. */
  generate(identity: RemoteIdentity, options?: PrekeyStoreOptions): Promise<RemotePrekeyStore>;
  /** Opens a sealed store; `identity` must be its owner. */
  open(
    blob: Uint8Array,
    appKey: Uint8Array,
    identity: RemoteIdentity,
    options?: OpenOptions,
  ): Promise<RemotePrekeyStore>;
}

/** {@link InitiateOptions} for the worker: the identity cache is a {@link RemoteIdentityCache}. */
export type RemoteInitiateOptions = Omit<InitiateOptions, "identityCache"> & { identityCache?: RemoteIdentityCache };

/** {@link AcceptOptions} for the worker: the identity cache is a {@link RemoteIdentityCache}. */
export type RemoteAcceptOptions = Omit<AcceptOptions, "identityCache"> & { identityCache?: RemoteIdentityCache };

/** {@link OpenBoxOptions} with the identity cache living in the worker. */
export type RemoteOpenBoxOptions = Omit<OpenBoxOptions, "identityCache"> & { identityCache?: RemoteIdentityCache };

/** {@link SealBoxOptions} with the sender and the identity cache living in the worker. */
export type RemoteSealBoxOptions = Omit<SealBoxOptions, "from" | "identityCache"> & {
  from?: RemoteIdentity;
  identityCache?: RemoteIdentityCache;
};

/** The factory of `IdentityCache` (its constructor), creating caches in the worker. */
export interface RemoteIdentityCacheFactory {
  /** `new IdentityCache(options)` in the worker. */
  create(options?: IdentityCacheOptions): Promise<RemoteIdentityCache>;
}

/** The static factories of `Session`, creating sessions in the worker. */
export interface RemoteSessionFactory {
  /**
   * Starts a session with the owner of `bundle` and encrypts the first message (compact
   * unless `options.selfContained`).
   */
  initiate(
    identity: RemoteIdentity,
    bundle: Uint8Array,
    plaintext: Uint8Array,
    options?: RemoteInitiateOptions,
  ): Promise<{ session: RemoteSession; message: Uint8Array }>;
  /**
   * Accepts an initial message against `store` and decrypts it; a compact one needs
   * `options.initiatorIdentity`, looked up in your directory by
   * `describeMessage(message).handshake.initiatorFingerprint`.
   */
  accept(
    identity: RemoteIdentity,
    store: RemotePrekeyStore,
    message: Uint8Array,
    options?: RemoteAcceptOptions,
  ): Promise<{ session: RemoteSession; plaintext: Uint8Array }>;
  /** Opens a sealed session. */
  open(blob: Uint8Array, appKey: Uint8Array, options?: OpenOptions): Promise<RemoteSession>;
}

/** The channel of each TwofoldWorker. */
const channels = new WeakMap<object, Channel>();

function channelOf(tw: unknown): Channel {
  const c = typeof tw === "object" && tw !== null ? channels.get(tw) : undefined;
  if (c === undefined) throw new TwofoldError("INVALID_ARGUMENT", "expected a TwofoldWorker");
  return c;
}

/** `channelOf(tw).call(op, ...args)`, rejecting (never throwing) for a `tw` that is not a TwofoldWorker. */
function request<K extends Op>(tw: unknown, op: K, ...args: Ops[K]["args"]): Promise<Ops[K]["result"]> {
  try {
    return channelOf(tw).call(op, ...args);
  } catch (e) {
    return Promise.reject(e);
  }
}

/**
 * The asynchronous twofold-pq API backed by a Web Worker. Every method returns a promise;
 * errors keep their class (`TwofoldError` with its `code`, or the built-in error the worker
 * threw). When the worker fails (an `error` or `messageerror` event) or {@link terminate} is
 * called, every pending and later call rejects with a `TwofoldError` of code `DISPOSED`.
 */
export class TwofoldWorker {

  /** `Identity.generate()` and `Identity.open()`, in the worker. Safe to destructure. */
  readonly Identity: RemoteIdentityFactory;
  /** `PrekeyStore.generate()` and `PrekeyStore.open()`, in the worker. Safe to destructure. */
  readonly PrekeyStore: RemotePrekeyStoreFactory;
  /** `Session.initiate()`, `Session.accept()` and `Session.open()`, in the worker. Safe to destructure. */
  readonly Session: RemoteSessionFactory;
  /** `new IdentityCache()`, in the worker, as `create()`. Safe to destructure. */
  readonly IdentityCache: RemoteIdentityCacheFactory;

  constructor(worker: WorkerLike) {
    const c = new Channel(worker);
    channels.set(this, c);
    const identity = (o: RemoteIdentity) => handleOf(o, "Identity", c);
    const Identity: RemoteIdentityFactory = {
      generate: async () => makeIdentity(c, await c.call("identity.generate")),
      open: async (blob, appKey, options) =>
        makeIdentity(c, await c.call("identity.open", blob, appKey, options)),
    };
    const PrekeyStore: RemotePrekeyStoreFactory = {
      generate: async (owner, options) =>
        makePrekeyStore(c, await c.call("prekeyStore.generate", identity(owner), options), owner),
      open: async (blob, appKey, owner, options) =>
        makePrekeyStore(
          c,
          await c.call("prekeyStore.open", blob, appKey, identity(owner), options),
          owner,
        ),
    };
    const Session: RemoteSessionFactory = {
      initiate: async (owner, bundle, plaintext, options) => {
        // compact() sends the cache in the options as its handle.
        const wired = options as Wired<InitiateOptions> | undefined;
        const r = await c.call("session.initiate", identity(owner), bundle, plaintext, wired);
        return { session: makeSession(c, r.session), message: r.message };
      },
      accept: async (owner, store, message, options) => {
        const st = handleOf(store, "PrekeyStore", c);
        const wired = options as Wired<AcceptOptions> | undefined;
        const r = await c.call("session.accept", identity(owner), st, message, wired);
        return { session: makeSession(c, r.session), plaintext: r.plaintext };
      },
      open: async (blob, appKey, options) =>
        makeSession(c, await c.call("session.open", blob, appKey, options)),
    };
    const IdentityCache: RemoteIdentityCacheFactory = {
      create: async (options) => makeIdentityCache(c, await c.call("identityCache.create", options)),
    };
    this.Identity = Object.freeze(Identity);
    this.IdentityCache = Object.freeze(IdentityCache);
    this.PrekeyStore = Object.freeze(PrekeyStore);
    this.Session = Object.freeze(Session);
  }

  /**
   * Loads the WebAssembly module in the worker (every other call does so by itself, from the
   * default location). Pass `wasmUrl` as an absolute URL if you serve the `.wasm` file
   * elsewhere, before any other call.
   */
  ready(wasmUrl?: URL | string): Promise<void> {
    let url: string | undefined;
    try {
      url = wasmUrl === undefined || typeof wasmUrl === "string" ? wasmUrl : URL.prototype.toString.call(wasmUrl);
    } catch (e) {
      return Promise.reject(new TwofoldError("INVALID_ARGUMENT", "wasmUrl must be a URL or a string", { cause: e }));
    }
    return request(this, "ready", url);
  }

  /** Whether the worker has loaded the WebAssembly module. */
  isInitialized(): Promise<boolean> {
    return request(this, "isInitialized");
  }

  /** The version of the underlying Rust crate. */
  version(): Promise<string> {
    return request(this, "version");
  }

  /** The protocol's sizes, limits and defaults. */
  constants(): Promise<Constants> {
    return request(this, "constants");
  }

  /** Whether bytes are an initial message or a ratchet message. */
  messageKind(message: Uint8Array): Promise<MessageKind> {
    return request(this, "messageKind", message);
  }

  /** Decodes the public parts of a message. */
  describeMessage(message: Uint8Array): Promise<MessageDescription> {
    return request(this, "describeMessage", message);
  }

  /** The safety number of two encoded public identities. */
  safetyNumberOf(a: Uint8Array, b: Uint8Array): Promise<string> {
    return request(this, "safetyNumberOf", a, b);
  }

  /** Verifies a bundle's signatures and returns its public facts. */
  inspectBundle(bundle: Uint8Array): Promise<BundleInfo> {
    return request(this, "inspectBundle", bundle);
  }

  /** Seals a box to the owner of `bundle` without a session (`sealBox`), in the worker. */
  sealBox(bundle: Uint8Array, plaintext: Uint8Array, options?: RemoteSealBoxOptions): Promise<Uint8Array> {
    // compact() sends the sender and the cache in the options as their handles.
    return request(this, "sealBox", bundle, plaintext, options as unknown as Ops["sealBox"]["args"][2]);
  }

  /** The public fields of a sealed box. */
  describeBox(sealed: Uint8Array): Promise<BoxInfo> {
    return request(this, "describeBox", sealed);
  }

  /** Whether the worker is gone ({@link terminate} was called, or it failed). */
  get terminated(): boolean {
    return channelOf(this).closed;
  }

  /**
   * Stops the worker: all its objects are gone with it. Pending calls reject with `DISPOSED`,
   * and so does every later call.
   */
  terminate(): void {
    channelOf(this).close(`the twofold-pq worker was terminated; ${GONE}`);
  }
}
