/**
 * Persistence an application cannot get wrong: `twofold-pq/store`.
 *
 * A {@link TwofoldStore} owns one party's identity, prekey store and sessions (one per peer),
 * kept as sealed blobs in a {@link Backend} under the application key. Every state-changing
 * call goes through it and returns only once the changed state is durably stored:
 * `encrypt` returns the ciphertext after the advanced session is committed, so a crash can
 * never lead to a message key being used twice; `receive` commits after the caller's
 * `process` callback (if any) has run, so a crash before that commit leaves the session as it
 * was and the redelivered message decrypts again (no message key is lost). Each operation
 * opens the state it needs from the backend, under a lock that serializes operations across
 * every tab and worker of the origin (Web Locks) or within the process, so no caller ever works
 * on a stale copy; other contexts learn of changes by a BroadcastChannel.
 *
 * Backends: {@link MemoryBackend} (tests), {@link IndexedDbBackend} (browsers and workers) and
 * `FileBackend` of `twofold-pq/store/node` (Node: write, fsync, rename, with a redo journal).
 *
 * @packageDocumentation
 */

import {
  Identity,
  PrekeyStore,
  Session,
  TwofoldError,
  byteView,
  constants,
  describeMessage,
  isUint8Array,
  messageKind,
  readOptions,
} from "./index.js";
import type {
  AcceptOptions,
  InitiateOptions,
  MessageOptions,
  OpenBoxOptions,
  OpenedBox,
  PrekeyStoreInfo,
  Sas,
  SessionInfo,
  UploadOptions,
} from "./index.js";

/** One change of a commit: a value to store under a key, or `undefined` to delete the key. */
export type Write = readonly [key: string, value: Uint8Array | undefined];

/**
 * Where a {@link TwofoldStore} keeps its blobs (already sealed: a backend never sees a
 * secret). Implementations must make {@link Backend.commit} atomic (after a crash, either every
 * write of a commit is visible or none is) and durable once its promise resolves.
 */
export interface Backend {
  /**
   * Identifies the storage (a database, a directory): stores on backends with the same `id`
   * share one lock, so give every backend object on the same storage the same `id`. Without
   * it, `StoreOptions.name` must do so.
   */
  readonly id?: string;
  /** The value stored under `key`, or `undefined`. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Every key that starts with `prefix`, in any order. */
  keys(prefix: string): Promise<string[]>;
  /** Applies every write atomically and durably. */
  commit(writes: readonly Write[]): Promise<void>;
}

/** A backend in memory (tests, or state that may be lost). Commits are atomic by construction. */
export class MemoryBackend implements Backend {
  readonly #data = new Map<string, Uint8Array>();
  /** Unique to this object: its data is its own. */
  readonly id = `memory:${crypto.randomUUID()}`;

  async get(key: string): Promise<Uint8Array | undefined> {
    const v = this.#data.get(key);
    return v === undefined ? undefined : v.slice();
  }

  async keys(prefix: string): Promise<string[]> {
    return [...this.#data.keys()].filter((k) => k.startsWith(prefix));
  }

  async commit(writes: readonly Write[]): Promise<void> {
    for (const [key, value] of writes) {
      if (value === undefined) this.#data.delete(key);
      else this.#data.set(key, value.slice());
    }
  }
}

/**
 * A backend in IndexedDB (browsers and workers): one object store, each commit one
 * `readwrite` transaction with `durability: "strict"`, resolved on its `complete` event.
 */
export class IndexedDbBackend implements Backend {
  readonly #db: IDBDatabase;
  /** The database's name: every page and worker of the origin that opens it shares one lock. */
  readonly id: string;

  private constructor(db: IDBDatabase, name: string) {
    this.#db = db;
    this.id = `indexeddb:${name}`;
    // A newer version elsewhere (a later release of the app) must not wait on this connection.
    db.onversionchange = () => db.close();
  }

  /** Opens (creating it if needed) the database `name` (of `factory`, default the global `indexedDB`). */
  static async open(name: string, factory?: IDBFactory): Promise<IndexedDbBackend> {
    const f = factory ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
    if (f === undefined) throw new TwofoldError("INVALID_ARGUMENT", "no IndexedDB in this environment");
    if (typeof name !== "string") throw new TwofoldError("INVALID_ARGUMENT", "name must be a string");
    return io("open", () => new Promise((resolve, reject) => {
      const req = f.open(name, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE_NAME);
      req.onsuccess = () => resolve(new IndexedDbBackend(req.result, name));
      req.onerror = () => reject(req.error);
    }));
  }

  #request<T>(mode: IDBTransactionMode, run: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
    return new Promise((resolve, reject) => {
      const tx = this.#db.transaction(STORE_NAME, mode);
      const req = run(tx.objectStore(STORE_NAME));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const v: unknown = await this.#request("readonly", (s) => s.get(key));
    if (v === undefined || v instanceof Uint8Array) return v;
    throw new Error(`the value under ${JSON.stringify(key)} is not bytes`);
  }

  async keys(prefix: string): Promise<string[]> {
    const range = IDBKeyRange.bound(prefix, `${prefix}\uffff`);
    const keys = await this.#request("readonly", (s) => s.getAllKeys(range));
    return keys.map(String);
  }

  commit(writes: readonly Write[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const tx = this.#db.transaction(STORE_NAME, "readwrite", { durability: "strict" });
      const s = tx.objectStore(STORE_NAME);
      try {
        for (const [key, value] of writes) {
          if (value === undefined) s.delete(key);
          else s.put(value, key);
        }
      } catch (e) {
        // None of the writes may land without the others.
        tx.abort();
        reject(e);
        return;
      }
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }

  /** Closes the connection. */
  close(): void {
    this.#db.close();
  }
}

const STORE_NAME = "twofold-pq";

/** The subset of the Web Locks API the store uses (`navigator.locks`). */
export interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

/**
 * Where the store records the generation of each sealed session and of the prekey store
 * (`info().generation`, which every change increments), somewhere the backend's contents
 * cannot roll back with it: a server, a counter in the platform keystore, another device.
 * Each entry belongs to one object and only ever grows: keys are
 * `"<id>/prekeys"` and `"<id>/session/<peer>/<handshake id>"` (hex), where `<id>` is the hex
 * SHA-256 of the store's public identity, so one log can serve several stores, a new session
 * with a peer gets an entry of its own, and the entry of a forgotten session stays (a restored
 * copy of it is still refused).
 */
export interface GenerationLog {
  /** The generation last recorded for `key`, or `undefined` if none. */
  get(key: string): Promise<number | undefined>;
  /** Records `generation` for `key` (always greater than the one recorded). Must be durable. */
  set(key: string, generation: number): Promise<void>;
  /**
   * Called when recording failed after the change was committed: the change stands and the
   * operation succeeded; the entry lags (a lagging entry accepts the committed state) until
   * the next change of the object records a newer generation. Without it such failures pass
   * silently.
   */
  failed?(key: string, error: unknown): void;
}

/** Options of {@link TwofoldStore.open}. */
export interface StoreOptions {
  /**
   * The application key: either raw bytes (`constants().appKeyLength`) under which every blob
   * is sealed (the store keeps a copy for its lifetime; {@link TwofoldStore.close} wipes it),
   * or a WebCrypto `CryptoKey` for AES-GCM with the usages `encrypt` and `decrypt`, best
   * non-extractable. With a `CryptoKey`, the store seals under a random sealing key that it
   * keeps in the backend only wrapped by that key (AES-GCM), unwraps inside WebCrypto for each
   * operation and wipes when the operation ends: no raw key is handed to, or kept by, your code.
   * A store is created with one kind of key and opens only with it.
   */
  appKey: Uint8Array | CryptoKey;
  /**
   * Names the store's lock and change channel: contexts that open the same backend must use
   * the same name. Default `"default"`.
   */
  name?: string;
  /**
   * The lock manager that serializes operations across contexts. Default: `navigator.locks`
   * where it exists (browsers, workers), else a lock within this JavaScript realm only (Node:
   * one process per backend). `null`: the in-realm lock only.
   */
  locks?: LockManagerLike | null;
  /** Post and receive change notices on a BroadcastChannel (default where it exists). */
  broadcast?: boolean;
  /**
   * Rollback protection: every session and the prekey store are refused (`ROLLED_BACK`) when
   * their generation is below the one recorded here, so a backend restored to an older copy
   * (a backup, a copy an attacker kept) cannot make the store reuse message positions or
   * consumed one-time prekeys. A generation is recorded after the commit that reached it, so
   * a crash in between leaves an entry that accepts the committed state. Without a log the
   * store cannot tell an old copy of its backend from the current one.
   */
  generations?: GenerationLog;
  /** Options for the prekey store created on first open. */
  now?: number;
}

/** What {@link TwofoldStore.receive} delivers. */
export interface Received {
  /** The peer's fingerprint, as lowercase hex: the conversation's key. */
  peer: string;
  plaintext: Uint8Array;
  /** Whether the message started a new session (an initial message accepted). */
  isNew: boolean;
  /**
   * Whether the new session replaced one with the same peer. When that one was a handshake
   * of yours the peer never answered (you both started at once, and theirs won the
   * tie-break), what you sent on it was not read: send it again.
   */
  replaced?: boolean;
}

/** Options of {@link TwofoldStore.receive}. */
export interface ReceiveOptions {
  /**
   * The sender's fingerprint (hex), if the transport knows it. A ratchet message without it is
   * tried against every session (each refusal leaves that session unchanged).
   */
  from?: string;
  /** For a compact initial message of a new peer: her identity, as your directory holds it. */
  initiatorIdentity?: Uint8Array;
  /** Associated data the sender authenticated. */
  associatedData?: Uint8Array;
  /**
   * Runs with the message before anything is committed: if it throws (or rejects), nothing is
   * stored and the message can be received again. Use it to persist the plaintext in the same
   * step as far as your storage allows (at-least-once: after a crash between it and the
   * commit, it runs again for the redelivered message). It runs under the store's lock: it
   * must not wait for a call to a store on the same lock (an automatic reply would wait for
   * `process` to return, which waits for it); make such calls after `receive` resolves.
   */
  process?: (message: Received) => void | Promise<void>;
}

/** A notice of committed changes, posted to the other contexts of the same store name. */
export interface ChangeNotice {
  /** Peers whose session changed (hex fingerprints); `prekeys` when the prekey store did. */
  changed: string[];
}

const KEY_IDENTITY = "identity";
/** This party's fingerprint (hex; public), recorded with its first initiate. */
const KEY_SELF = "fingerprint";
/** The sealing key wrapped by the application's CryptoKey (stores created with one). */
const KEY_SEALING_KEY = "sealing-key";
const KEY_PREKEYS = "prekeys";
const KEY_SESSION = "session/";
const CONTEXT = "twofold-pq/store v1 ";

const enc = new TextEncoder();
const contextOf = (key: string) => enc.encode(CONTEXT + key);
const EMPTY = new Uint8Array(0);

/** The sealing key: the raw application key, or a random key wrapped by a CryptoKey. */
type KeySource = { raw: Uint8Array } | { wrapping: CryptoKey; wrapped: Uint8Array };

const isCryptoKey = (k: unknown): k is CryptoKey =>
  typeof CryptoKey === "function" && k instanceof CryptoKey;

/** AES-GCM additional data of the wrapped sealing key. */
const WRAP_AD = enc.encode(`${CONTEXT}sealing key`);
const IV_LEN = 12;

/** `iv || AES-GCM(wrapping, iv, key, WRAP_AD)`. */
async function wrap(wrapping: CryptoKey, key: Uint8Array): Promise<Uint8Array> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_LEN));
  let ct: ArrayBuffer;
  try {
    ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: WRAP_AD }, wrapping, key as BufferSource);
  } catch (e) {
    throw new TwofoldError("INVALID_ARGUMENT", "the CryptoKey cannot encrypt with AES-GCM", { cause: e });
  }
  const out = new Uint8Array(IV_LEN + ct.byteLength);
  out.set(iv);
  out.set(new Uint8Array(ct), IV_LEN);
  return out;
}

/** A fresh copy of the sealing key (the caller wipes it). */
async function sealingKey(source: KeySource): Promise<Uint8Array> {
  if ("raw" in source) return source.raw.slice();
  try {
    const w = source.wrapped;
    const pt = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: w.subarray(0, IV_LEN) as BufferSource, additionalData: WRAP_AD },
      source.wrapping,
      w.subarray(IV_LEN) as BufferSource,
    );
    return new Uint8Array(pt);
  } catch (e) {
    // A wrong CryptoKey, or a wrapped key that was changed.
    throw new TwofoldError("AUTH_FAILED", "the CryptoKey does not unwrap this store's sealing key", { cause: e });
  }
}
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const PEER = /^[0-9a-f]{64}$/;

function peerKey(peer: unknown): string {
  if (typeof peer !== "string" || !PEER.test(peer)) {
    throw new TwofoldError("INVALID_ARGUMENT", "a peer is its fingerprint as 64 lowercase hex digits");
  }
  return KEY_SESSION + peer;
}

/** Runs `fn` on the backend, turning its failures into `STORAGE_FAILED`. */
async function io<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw new TwofoldError("STORAGE_FAILED", `the storage backend failed to ${what}`, { cause: e });
  }
}

/** A log entry and the generation just committed for it. */
type Mark = readonly [entry: string, generation: number];

/** The generation `log` holds for `entry`, checked. */
async function recorded(log: GenerationLog, entry: string): Promise<number | undefined> {
  const g = await io("read the generation log", () => log.get(entry));
  if (g === undefined || (Number.isSafeInteger(g) && g >= 0)) return g;
  throw new TwofoldError("STORAGE_FAILED", `the generation log holds no generation for ${JSON.stringify(entry)}`);
}

/**
 * Records each mark that raises its entry, after the commit. A failure here does not undo
 * the committed change (the operation succeeded); it is reported to `log.failed`.
 */
async function recordAfter(log: GenerationLog, marks: readonly Mark[]): Promise<void> {
  for (const [entry, g] of marks) {
    try {
      const current = await log.get(entry);
      if (typeof current !== "number" || g > current) await log.set(entry, g);
    } catch (e) {
      try {
        log.failed?.(entry, e);
      } catch {
        // The report is best effort: the change is committed either way.
      }
    }
  }
}

/** The log entry of the prekey store of the store with prefix `id`. */
const prekeysEntry = (id: string) => `${id}/${KEY_PREKEYS}`;

/** This store's prefix in a generation log: the hex SHA-256 of its public identity. */
async function logId(identity: Identity): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest("SHA-256", identity.publicKey as BufferSource)));
}

/** A lock within this realm: callbacks of one name run one at a time, in order. */
class LocalLocks implements LockManagerLike {
  readonly #tails = new Map<string, Promise<unknown>>();

  request<T>(name: string, callback: () => Promise<T>): Promise<T> {
    const prev = this.#tails.get(name) ?? Promise.resolve();
    const run = prev.then(callback, callback);
    const tail = run.catch(() => undefined);
    this.#tails.set(name, tail);
    void tail.then(() => {
      if (this.#tails.get(name) === tail) this.#tails.delete(name);
    });
    return run;
  }
}

const localLocks = new LocalLocks();

/**
 * One party's persistent state: identity, prekeys and a session per peer, all behind one
 * lock. Create it with {@link TwofoldStore.open}.
 */
export class TwofoldStore {
  readonly #backend: Backend;
  /** Where the sealing key comes from, for each operation. */
  readonly #keySource: KeySource;
  /** The sealing key while an operation runs (the lock makes that one at a time); else empty. */
  #key: Uint8Array = EMPTY;
  readonly #identity: Identity;
  readonly #lockName: string;
  readonly #locks: LockManagerLike;
  readonly #channel: BroadcastChannel | undefined;
  readonly #listeners = new Set<(notice: ChangeNotice) => void>();
  /** The generation log, and this store's prefix in it. */
  readonly #generations: { log: GenerationLog; id: string } | undefined;
  #closed = false;

  private constructor(
    backend: Backend,
    keySource: KeySource,
    identity: Identity,
    name: string,
    locks: LockManagerLike,
    broadcast: boolean,
    generations: { log: GenerationLog; id: string } | undefined,
  ) {
    this.#backend = backend;
    this.#generations = generations;
    this.#keySource = keySource;
    this.#identity = identity;
    this.#lockName = `twofold-pq/store:${name}`;
    this.#locks = locks;
    if (broadcast && typeof BroadcastChannel === "function") {
      this.#channel = new BroadcastChannel(this.#lockName);
      // Node: an open channel would keep the process alive.
      (this.#channel as { unref?: () => void }).unref?.();
      this.#channel.onmessage = (e: MessageEvent) => {
        const changed = (e.data as { changed?: unknown } | null)?.changed;
        if (Array.isArray(changed)) this.#notify({ changed: changed.filter((c) => typeof c === "string") });
      };
    }
  }

  /**
   * Opens the store in `backend`, creating a new identity and prekey store on first use (one
   * atomic commit). Contexts that open the same backend share its state safely.
   */
  static async open(backend: Backend, options: StoreOptions): Promise<TwofoldStore> {
    const o = readOptions(options ?? ({} as StoreOptions), ["appKey", "name", "locks", "broadcast", "now", "generations"]);
    const log = o.generations;
    if (log != null && (typeof log.get !== "function" || typeof log.set !== "function")) {
      throw new TwofoldError("INVALID_ARGUMENT", "generations must have get(key) and set(key, generation) methods");
    }
    const { appKey, now } = o;
    const name = o.name ?? (typeof backend?.id === "string" ? backend.id : "default");
    const usable =
      typeof backend === "object" && backend !== null &&
      ["get", "keys", "commit"].every((m) => typeof (backend as unknown as Record<string, unknown>)[m] === "function");
    if (!usable) throw new TwofoldError("INVALID_ARGUMENT", "backend must implement get, keys and commit");
    if (o.locks != null && typeof o.locks.request !== "function") {
      throw new TwofoldError("INVALID_ARGUMENT", "locks must have a request(name, callback) method");
    }
    if (o.broadcast !== undefined && typeof o.broadcast !== "boolean") {
      throw new TwofoldError("INVALID_ARGUMENT", "broadcast must be a boolean");
    }
    if (typeof name !== "string") throw new TwofoldError("INVALID_ARGUMENT", "name must be a string");
    const wrapped = isCryptoKey(appKey);
    if (!wrapped && (!isUint8Array(appKey) || byteView(appKey, "appKey").length !== constants().appKeyLength)) {
      throw new TwofoldError(
        "INVALID_ARGUMENT",
        `appKey must be a Uint8Array of ${constants().appKeyLength} bytes or an AES-GCM CryptoKey`,
      );
    }
    const navigatorLocks = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
    const locks = o.locks === undefined ? (navigatorLocks ?? localLocks) : (o.locks ?? localLocks);
    const lockName = `twofold-pq/store:${name}`;
    let source: KeySource | undefined;
    const identity = await locks.request(lockName, async () => {
      const [sealed, wrappedKey] = await io("read", () =>
        Promise.all([backend.get(KEY_IDENTITY), backend.get(KEY_SEALING_KEY)]),
      );
      if (sealed === undefined && (await io("read", () => backend.keys(""))).length > 0) {
        // Never create over existing state: it would make every sealed blob unreadable.
        throw new TwofoldError("STORAGE_FAILED", "the backend holds a store without its identity");
      }
      if (sealed !== undefined) {
        // The kind of key must be the one the store was created with.
        if (wrapped !== (wrappedKey !== undefined)) {
          throw new TwofoldError(
            "INVALID_ARGUMENT",
            wrapped ? "this store was created with a raw application key" : "this store was created with a CryptoKey",
          );
        }
        source = wrapped ? { wrapping: appKey, wrapped: wrappedKey as Uint8Array } : { raw: byteView(appKey, "appKey").slice() };
        const key = await sealingKey(source);
        try {
          return Identity.open(sealed, key, { context: contextOf(KEY_IDENTITY) });
        } catch (e) {
          if ("raw" in source) source.raw.fill(0);
          throw e;
        } finally {
          key.fill(0);
        }
      }
      const writes: Write[] = [];
      let key: Uint8Array;
      if (wrapped) {
        key = crypto.getRandomValues(new Uint8Array(constants().appKeyLength));
        const w = await wrap(appKey, key);
        writes.push([KEY_SEALING_KEY, w]);
        source = { wrapping: appKey, wrapped: w };
      } else {
        source = { raw: byteView(appKey, "appKey").slice() };
        key = source.raw.slice();
      }
      const id = Identity.generate();
      const store = PrekeyStore.generate(id, { now });
      try {
        writes.push(
          [KEY_IDENTITY, id.seal(key, { context: contextOf(KEY_IDENTITY) })],
          [KEY_PREKEYS, store.seal(key, { context: contextOf(KEY_PREKEYS) })],
        );
        await io("write", () => backend.commit(writes));
        if (log != null) await recordAfter(log, [[prekeysEntry(await logId(id)), store.info().generation]]);
      } catch (e) {
        id.dispose();
        if ("raw" in source) source.raw.fill(0);
        throw e;
      } finally {
        store.dispose();
        key.fill(0);
      }
      return id;
    });
    const generations = log == null ? undefined : { log, id: await logId(identity) };
    return new TwofoldStore(backend, source as KeySource, identity, name, locks, o.broadcast ?? true, generations);
  }

  /** This party's encoded public identity (what peers verify and directories hold). */
  get publicKey(): Uint8Array {
    return this.#identity.publicKey;
  }

  /**
   * Calls `listener` with each change another context of this store committed; returns the
   * function that removes it.
   */
  onChange(listener: (notice: ChangeNotice) => void): () => void {
    if (typeof listener !== "function") throw new TwofoldError("INVALID_ARGUMENT", "listener must be a function");
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #notify(notice: ChangeNotice): void {
    for (const l of this.#listeners) {
      try {
        l(notice);
      } catch (e) {
        // One failing listener neither stops the others nor disappears.
        queueMicrotask(() => {
          throw e;
        });
      }
    }
  }

  /** Runs `fn` under the store's lock (one operation at a time, across contexts). */
  #locked<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new TwofoldError("DISPOSED", "the store was closed"));

    return this.#locks.request(this.#lockName, async () => {
      if (this.#closed) throw new TwofoldError("DISPOSED", "the store was closed");
      this.#key = await sealingKey(this.#keySource);
      try {
        return await fn();
      } finally {
        this.#key.fill(0);
        this.#key = EMPTY;
      }
    });
  }

  /**
   * Commits `writes`, tells other contexts, then records the generations of `marks` (the
   * objects written) in the generation log.
   */
  async #commit(writes: Write[], changed: string[], marks: Mark[]): Promise<void> {
    await io("write", () => this.#backend.commit(writes));
    this.#channel?.postMessage({ changed } satisfies ChangeNotice);
    if (this.#generations !== undefined) await recordAfter(this.#generations.log, marks);
  }

  /** The log entry of the prekey store. */
  #prekeysEntry(): string {
    return prekeysEntry(this.#generations?.id ?? "");
  }

  /** The log entry of a session (its slot and handshake). */
  #sessionEntry(key: string, s: Session): string {
    return `${this.#generations?.id}/${key}/${hex(s.handshakeId())}`;
  }

  /** What a commit of the prekey store records (nothing without a log). */
  #prekeysMark(p: PrekeyStore): Mark[] {
    return this.#generations === undefined ? [] : [[this.#prekeysEntry(), p.info().generation]];
  }

  /** What a commit of session `s` in slot `key` records (nothing without a log). */
  #sessionMark(key: string, s: Session): Mark[] {
    return this.#generations === undefined ? [] : [[this.#sessionEntry(key, s), s.info().generation]];
  }

  async #openPrekeys(): Promise<PrekeyStore> {
    const sealed = await io("read", () => this.#backend.get(KEY_PREKEYS));
    if (sealed === undefined) throw new TwofoldError("STORAGE_FAILED", "the prekey store is missing from the backend");
    const min = this.#generations && (await recorded(this.#generations.log, this.#prekeysEntry()));
    const opts = min === undefined ? { context: contextOf(KEY_PREKEYS) } : { context: contextOf(KEY_PREKEYS), minGeneration: min };
    return PrekeyStore.open(sealed, this.#key, this.#identity, opts);
  }

  async #openSession(key: string): Promise<Session | undefined> {
    const sealed = await io("read", () => this.#backend.get(key));
    if (sealed === undefined) return undefined;
    const s = Session.open(sealed, this.#key, { context: contextOf(key) });
    if (this.#generations === undefined) return s;
    // The entry is the handshake's, which only the opened blob names; the check is the one
    // `minGeneration` makes in `open`.
    try {
      const min = await recorded(this.#generations.log, this.#sessionEntry(key, s));
      if (min !== undefined && s.info().generation < min) {
        throw new TwofoldError("ROLLED_BACK", "the session is older than the generation recorded for it");
      }
      return s;
    } catch (e) {
      s.dispose();
      throw e;
    }
  }

  #sealSession(key: string, s: Session): Write {
    return [key, s.seal(this.#key, { context: contextOf(key) })];
  }

  /** Runs `fn` on the prekey store and commits the store if `fn` succeeds. */
  async #withPrekeys<T>(fn: (p: PrekeyStore) => T): Promise<T> {
    return this.#locked(async () => {
      const p = await this.#openPrekeys();
      try {
        const out = fn(p);
        await this.#commit([[KEY_PREKEYS, p.seal(this.#key, { context: contextOf(KEY_PREKEYS) })]], ["prekeys"], this.#prekeysMark(p));
        return out;
      } finally {
        p.dispose();
      }
    });
  }

  /**
   * A new batch of one-time prekeys for your server (`PrekeyStore.upload`): returned once the
   * store that holds their secrets is committed, so the server never hands out a prekey whose
   * secret could be lost.
   */
  upload(options?: UploadOptions): Promise<Uint8Array> {
    return this.#withPrekeys((p) => p.upload(options));
  }

  /** `PrekeyStore.rotateSignedPrekeys`, committed. Upload afterwards. */
  rotateSignedPrekeys(now?: number): Promise<void> {
    return this.#withPrekeys((p) => p.rotateSignedPrekeys(now));
  }

  /** `PrekeyStore.prune`, committed. */
  prune(now?: number): Promise<void> {
    return this.#withPrekeys((p) => p.prune(now));
  }

  /** The prekey store's non-secret state. */
  prekeyInfo(): Promise<PrekeyStoreInfo> {
    return this.#readPrekeys((p) => p.info());
  }

  /**
   * Opens a sealed box addressed to this store's identity (`PrekeyStore.openBox`). Opening
   * changes nothing, so nothing is committed: refuse a box you have acted on by its `boxId`.
   */
  openBox(sealed: Uint8Array, options?: OpenBoxOptions): Promise<OpenedBox> {
    return this.#readPrekeys((p) => p.openBox(sealed, options));
  }

  /** The fingerprint a sender-authenticated box names, or `null` (`PrekeyStore.boxSender`). */
  boxSender(sealed: Uint8Array): Promise<Uint8Array | null> {
    return this.#readPrekeys((p) => p.boxSender(sealed));
  }

  /** Runs `fn` on the prekey store without committing anything. */
  async #readPrekeys<T>(fn: (p: PrekeyStore) => T): Promise<T> {
    return this.#locked(async () => {
      const p = await this.#openPrekeys();
      try {
        return fn(p);
      } finally {
        p.dispose();
      }
    });
  }

  /** The peers (hex fingerprints) this store has a session with. */
  peers(): Promise<string[]> {
    return this.#locked(async () => {
      const keys = await io("read", () => this.#backend.keys(KEY_SESSION));
      return keys.map((k) => k.slice(KEY_SESSION.length)).filter((p) => PEER.test(p)).sort();
    });
  }

  /**
   * Starts a session with the owner of `bundle` (`Session.initiate`) and returns the first
   * message once the session is committed. An existing session with the same peer is replaced
   * (the peer's `receive` of the new handshake replaces it on its side too).
   */
  initiate(bundle: Uint8Array, plaintext: Uint8Array, options?: InitiateOptions): Promise<{ peer: string; message: Uint8Array }> {
    return this.#locked(async () => {
      const { session, message } = Session.initiate(this.#identity, bundle, plaintext, options);
      try {
        const peer = hex(session.peerFingerprint());
        const writes = [this.#sealSession(peerKey(peer), session)];
        // Our own fingerprint, as the initial message names us: the tie-break of handshakes
        // both sides start at once (receive) needs it.
        if ((await io("read", () => this.#backend.get(KEY_SELF))) === undefined) {
          const self = describeMessage(message).handshake?.initiatorFingerprint;
          if (self !== undefined) writes.push([KEY_SELF, enc.encode(hex(self))]);
        }
        await this.#commit(writes, [peer], this.#sessionMark(peerKey(peer), session));
        return { peer, message };
      } finally {
        session.dispose();
      }
    });
  }

  /**
   * Encrypts to `peer` (`Session.encrypt`) and returns the ciphertext once the advanced
   * session is committed: a message returned was never, and will never be, encrypted with the
   * same key as another. If the commit fails nothing is returned and the stored session is
   * unchanged.
   */
  async encrypt(peer: string, plaintext: Uint8Array, options?: MessageOptions): Promise<Uint8Array> {
    const key = peerKey(peer);
    return this.#locked(async () => {
      const s = await this.#openSession(key);
      if (s === undefined) throw new TwofoldError("NO_SESSION", `no session with ${peer}`);
      try {
        const out = s.encrypt(plaintext, options);
        await this.#commit([this.#sealSession(key, s)], [peer], this.#sessionMark(key, s));
        return out;
      } finally {
        s.dispose();
      }
    });
  }

  /**
   * Routes an incoming message and decrypts it, committing the change only after
   * `options.process` (if given) has run:
   * - a ratchet message goes to the session of `options.from`, or, without it, to the session
   *   that accepts it (`NO_SESSION` when there is none, or the most specific refusal);
   * - an initial message is first offered to the session with its initiator (a repetition of
   *   that session's handshake, which she sends until you reply); if there is none, or it is
   *   another handshake (`WRONG_SESSION`), it is accepted as a new session against the
   *   prekey store, replacing any session with that peer, and the prekey store and session are
   *   committed together.
   * On any error nothing is committed and the message can be received again.
   */
  async receive(message: Uint8Array, options?: ReceiveOptions): Promise<Received> {
    const o = readOptions(options, ["from", "initiatorIdentity", "associatedData", "process"]);
    const { from, initiatorIdentity, associatedData, process } = o;
    if (from !== undefined) peerKey(from);
    if (process !== undefined && typeof process !== "function") {
      throw new TwofoldError("INVALID_ARGUMENT", "process must be a function");
    }
    return this.#locked(async () => {
      if (messageKind(message) === "initial") {
        const fp = describeMessage(message).handshake?.initiatorFingerprint;
        if (fp === undefined) throw new TwofoldError("INVALID_ENCODING", "an initial message without a handshake");
        const peer = hex(fp);
        // A Received, or null (a session with the peer, which this handshake replaces), or
        // undefined (no session with the peer).
        const existing = await this.#tryExisting(peer, message, associatedData, process);
        if (existing) return existing;
        return this.#accept(peer, message, { initiatorIdentity, associatedData }, process, existing === null);
      }
      const candidates = from !== undefined ? [from] : await this.#peers();
      const refusals: TwofoldError[] = [];
      for (const peer of candidates) {
        let s: Session | undefined;
        try {
          s = await this.#openSession(peerKey(peer));
        } catch (e) {
          // Without `from`, a session that cannot be opened (rolled back, damaged) must not
          // keep the message from the one it belongs to: it is reported if none takes it.
          // (A failure of the backend itself is the caller's, as everywhere.)
          if (!(e instanceof TwofoldError) || e.code === "STORAGE_FAILED" || from !== undefined) throw e;
          refusals.push(e);
          continue;
        }
        if (s === undefined) continue;
        try {
          let plaintext: Uint8Array;
          try {
            plaintext = s.decrypt(message, { associatedData });
          } catch (e) {
            // A session that refused the message is unchanged: try the next one. (Only the
            // refusal: a failure of `process` or of the commit below is the caller's.)
            if (!(e instanceof TwofoldError) || from !== undefined) throw e;
            refusals.push(e);
            continue;
          }
          return await this.#deliver(s, { peer, plaintext, isNew: false }, process, [], []);
        } finally {
          s.dispose();
        }
      }
      // A rolled-back session comes first (the backend was tampered with); then a duplicate or
      // a conflict, which names the session the message belongs to; otherwise the first
      // refusal (AUTH_FAILED when no session holds the message's keys).
      const named =
        refusals.find((e) => e.code === "ROLLED_BACK") ??
        refusals.find((e) => e.code === "DUPLICATE_MESSAGE" || e.code === "CONFLICTING_MESSAGE");
      throw named ?? refusals[0] ?? new TwofoldError("NO_SESSION", from === undefined ? "no session to receive this message" : `no session with ${from}`);
    });
  }

  async #peers(): Promise<string[]> {
    const keys = await io("read", () => this.#backend.keys(KEY_SESSION));
    return keys.map((k) => k.slice(KEY_SESSION.length)).filter((p) => PEER.test(p));
  }

  /** An initial message offered to the existing session with its initiator, if any. */
  async #tryExisting(
    peer: string,
    message: Uint8Array,
    associatedData: Uint8Array | undefined,
    process: ReceiveOptions["process"],
  ): Promise<Received | null | undefined> {
    const s = await this.#openSession(peerKey(peer));
    if (s === undefined) return undefined;
    try {
      let plaintext: Uint8Array;
      try {
        plaintext = s.decrypt(message, { associatedData });
      } catch (e) {
        if (!(e instanceof TwofoldError && e.code === "WRONG_SESSION")) throw e;
        // Another handshake. If ours is unanswered, both sides started at once: the handshake
        // of the party with the smaller fingerprint wins on both sides, so both end on one.
        const info = s.info();
        if (info.role === "initiator" && !info.peerConfirmed) {
          const self = await io("read", () => this.#backend.get(KEY_SELF));
          if (self !== undefined && new TextDecoder().decode(self) < peer) {
            throw new TwofoldError(
              "WRONG_SESSION",
              "both sides started a session at once and ours wins: the peer takes our handshake and sends again",
            );
          }
        }
        return null;
      }
      return await this.#deliver(s, { peer, plaintext, isNew: false }, process, [], []);
    } finally {
      s.dispose();
    }
  }

  async #accept(
    peer: string,
    message: Uint8Array,
    options: AcceptOptions,
    process: ReceiveOptions["process"],
    replaced: boolean,
  ): Promise<Received> {
    const p = await this.#openPrekeys();
    try {
      const { session, plaintext } = Session.accept(this.#identity, p, message, options);
      try {
        const prekeys: Write = [KEY_PREKEYS, p.seal(this.#key, { context: contextOf(KEY_PREKEYS) })];
        const received: Received = { peer, plaintext, isNew: true, ...(replaced ? { replaced } : {}) };
        return await this.#deliver(session, received, process, [prekeys], this.#prekeysMark(p));
      } finally {
        session.dispose();
      }
    } finally {
      p.dispose();
    }
  }

  /** Runs `process`, then commits the session (and `more`), then returns the message. */
  async #deliver(
    s: Session,
    received: Received,
    process: ReceiveOptions["process"],
    more: Write[],
    marks: Mark[],
  ): Promise<Received> {
    if (process !== undefined) await process(received);
    const changed = more.length > 0 ? [received.peer, "prekeys"] : [received.peer];
    const key = peerKey(received.peer);
    await this.#commit([...more, this.#sealSession(key, s)], changed, [...marks, ...this.#sessionMark(key, s)]);
    return received;
  }

  /** The session's non-secret state (`Session.info`). */
  async info(peer: string): Promise<SessionInfo> {
    return this.#read(peer, (s) => s.info());
  }

  /** The safety number with `peer`. */
  async safetyNumber(peer: string): Promise<string> {
    return this.#read(peer, (s) => s.safetyNumber());
  }

  /** The safety QR payload with `peer` (`Session.safetyQr`). */
  async safetyQr(peer: string): Promise<Uint8Array> {
    return this.#read(peer, (s) => s.safetyQr());
  }

  /** Whether `scanned` is `peer`'s QR payload for this session (`Session.matchesSafetyQr`). */
  async matchesSafetyQr(peer: string, scanned: Uint8Array): Promise<boolean> {
    return this.#read(peer, (s) => s.matchesSafetyQr(scanned));
  }

  /** The short authentication string with `peer` (`Session.sas`). */
  async sas(peer: string): Promise<Sas> {
    return this.#read(peer, (s) => s.sas());
  }

  async #read<T>(peer: string, fn: (s: Session) => T): Promise<T> {
    const key = peerKey(peer);
    return this.#locked(async () => {
      const s = await this.#openSession(key);
      if (s === undefined) throw new TwofoldError("NO_SESSION", `no session with ${peer}`);
      try {
        return fn(s);
      } finally {
        s.dispose();
      }
    });
  }

  /** Deletes the session with `peer`; whether there was one. */
  async forget(peer: string): Promise<boolean> {
    const key = peerKey(peer);
    return this.#locked(async () => {
      const had = (await io("read", () => this.#backend.get(key))) !== undefined;
      // The session's log entry stays: a restored copy of the forgotten session is refused.
      if (had) await this.#commit([[key, undefined]], [peer], []);
      return had;
    });
  }

  /**
   * Waits for running operations, then wipes the application key and the identity; later
   * calls reject with `DISPOSED`. The backend's data stays.
   */
  close(): Promise<void> {
    return this.#locks.request(this.#lockName, async () => {
      if (this.#closed) return;
      this.#closed = true;
      this.#channel?.close();
      if ("raw" in this.#keySource) this.#keySource.raw.fill(0);
      this.#identity.dispose();
    });
  }
}
