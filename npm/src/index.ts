/**
 * twofold-pq: post-quantum hybrid end-to-end encryption for JavaScript.
 *
 * A PQXDH-style handshake (X25519 + ML-KEM-768, prekeys signed with ML-DSA-65) and a hybrid
 * Double Ratchet with a chunked ML-KEM ratchet, compiled from the Rust crate `twofold-core`.
 * This module only adapts the wasm facade to idiomatic JavaScript: it holds no protocol logic.
 *
 * In browsers and bundlers call `await ready()` once before anything else. In Node the
 * `node` export condition loads the module synchronously and `ready()` resolves at once. What
 * a server runs on prekey uploads (composing bundles) is the separate `twofold-pq/server`.
 *
 * @packageDocumentation
 */

import init, * as wasm from "../pkg/twofold_wasm.js";
import { isInitialized, markInitialized } from "./init.js";

export { isInitialized };

/**
 * Every code a {@link TwofoldError} can carry, as a runtime list: the core's codes (the
 * table in `twofold-core`'s `error.rs`), the two of the wasm layer (`INVALID_ARGUMENT`,
 * `DISPOSED`), this package's `NOT_READY`, and `twofold-pq/store`'s `NO_SESSION` and
 * `STORAGE_FAILED`. A test checks that this list and the wasm module's `errorCodes()` agree.
 * Codes are stable: a release may add codes, never change or remove one.
 */
export const ERROR_CODES = [
  "UNSUPPORTED_VERSION",
  "WRONG_OBJECT_TYPE",
  "UNSUPPORTED_SUITE",
  "TRUNCATED",
  "TRAILING_BYTES",
  "INVALID_ENCODING",
  "INVALID_KEY",
  "TOO_LARGE",
  "BAD_SIGNATURE",
  "NON_CONTRIBUTORY",
  "STALE_PREKEY",
  "IDENTITY_REQUIRED",
  "INITIATOR_MISMATCH",
  "UNKNOWN_PREKEY",
  "PREKEY_ALREADY_USED",
  "REPLAYED_HANDSHAKE",
  "AUTH_FAILED",
  "DUPLICATE_MESSAGE",
  "CONFLICTING_MESSAGE",
  "UNKNOWN_EPOCH",
  "PQ_INCONSISTENT",
  "TOO_FAR_AHEAD",
  "WRONG_SESSION",
  "COUNTER_EXHAUSTED",
  "ROLLED_BACK",
  "RNG_FAILED",
  "LIMIT_EXCEEDED",
  "IDENTITY_MISMATCH",
  "INVALID_ARGUMENT",
  "DISPOSED",
  "NOT_READY",
  "NO_SESSION",
  "STORAGE_FAILED",
] as const;

/** A code of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The error every function of this package throws. Messages never contain secrets. */
export class TwofoldError extends Error {
  /** Stable machine-readable reason; see {@link ErrorCode}. */
  readonly code: ErrorCode;

  /** `cause`: what went wrong underneath, e.g. the exception an argument's getter threw. */
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TwofoldError";
    this.code = code;
  }
}

// The data shapes are declared once, in Rust (wasm/src/records.rs), and generated into the
// wasm module's .d.ts; this package re-exports them.
export type {
  BoxInfo,
  BundleInfo,
  Constants,
  HandshakeInfo,
  KemPrekeyKind,
  MessageDescription,
  MessageKind,
  OpenedBox,
  PqChunkInfo,
  PqChunkKind,
  PrekeyStoreInfo,
  Role,
  Sas,
  SasEmoji,
  SessionInfo,
  UploadInfo,
} from "../pkg/twofold_wasm.js";
import type {
  BoxInfo,
  BundleInfo,
  Constants,
  MessageDescription,
  MessageKind,
  OpenedBox,
  PrekeyStoreInfo,
  Sas,
  SessionInfo,
} from "../pkg/twofold_wasm.js";

let readyPromise: Promise<void> | undefined;

/**
 * Loads the WebAssembly module. Idempotent: every call returns the same promise. In Node it
 * resolves immediately (the module is loaded when the package is imported).
 *
 * @param wasmUrl - Optional location of `twofold_wasm_bg.wasm` (defaults to the file next to
 *   the package's glue code, which bundlers such as Vite resolve automatically).
 */
export function ready(wasmUrl?: URL | string): Promise<void> {
  readyPromise ??= isInitialized()
    ? Promise.resolve()
    : init(wasmUrl === undefined ? undefined : { module_or_path: wasmUrl }).then(
        () => markInitialized(),
        (e: unknown) => {
          readyPromise = undefined;
          throw new TwofoldError("NOT_READY", `could not load the WebAssembly module: ${String(e)}`);
        },
      );
  return readyPromise;
}

/**
 * Runs `fn` once `loaded()` says its module is instantiated (else `NOT_READY`, naming `entry`);
 * errors of the wasm layer become `TwofoldError`s. Shared with `twofold-pq/server`.
 * @internal
 */
export function callWhen<T>(loaded: () => boolean, entry: string, fn: () => T): T {
  if (!loaded()) {
    throw new TwofoldError("NOT_READY", `call \`await ready()\` of ${entry} before using it`);
  }
  try {
    return fn();
  } catch (e) {
    throw toTwofoldError(e);
  }
}

const call = <T>(fn: () => T): T => callWhen(isInitialized, "twofold-pq", fn);

/**
 * The package's error for `e`: an error of a wasm module (or an error as it travels from a
 * worker) named "TwofoldError" with a code of {@link ERROR_CODES} becomes a
 * {@link TwofoldError}; any other error is returned as it is.
 *
 * @internal
 */
export function toTwofoldError(e: unknown): Error {
  if (e instanceof TwofoldError) return e;
  const { name, code, message } = (e ?? {}) as { name?: unknown; code?: unknown; message?: unknown };
  if (name === "TwofoldError" && (ERROR_CODES as readonly unknown[]).includes(code)) {
    return new TwofoldError(code as ErrorCode, String(message));
  }
  return e instanceof Error ? e : new Error(String(e));
}

/**
 * Whether `value` is a Uint8Array by its internal slot (not its prototype).
 *
 * @internal
 */
export const isUint8Array = (value: unknown): boolean => tagOf.call(value) === "Uint8Array";

// The typed-array intrinsics, taken once at load: a value's own properties, its prototype or a
// Proxy cannot make it pass for a Uint8Array or lie about its length to the copy into wasm.
const typedArray = Object.getPrototypeOf(Uint8Array.prototype) as object;
const intrinsic = (key: PropertyKey) =>
  (Object.getOwnPropertyDescriptor(typedArray, key) as PropertyDescriptor).get as (this: unknown) => unknown;
const tagOf = intrinsic(Symbol.toStringTag);
const bufferOf = intrinsic("buffer") as (this: unknown) => ArrayBufferLike;
const offsetOf = intrinsic("byteOffset") as (this: unknown) => number;
const lengthOf = intrinsic("length") as (this: unknown) => number;
// `at` validates its receiver: it throws for a detached view and for one out of the bounds of a
// resizable buffer that shrank (whose length and offset read as 0).
const validate = (typedArray as { at: (this: unknown, i: number) => unknown }).at;

/**
 * Checks that `value` is a Uint8Array (of any realm, over an ArrayBuffer or a
 * SharedArrayBuffer; a Node Buffer is one) and returns a fresh plain view of its bytes: no
 * own property, no Proxy trap and no getter of the caller runs when it is copied into wasm.
 * A detached buffer is `INVALID_ARGUMENT`.
 */
function bytes(value: unknown, name: string): Uint8Array {
  if (tagOf.call(value) !== "Uint8Array") {
    throw new TwofoldError("INVALID_ARGUMENT", `${name} must be a Uint8Array`);
  }
  try {
    validate.call(value, 0);
    return new Uint8Array(bufferOf.call(value), offsetOf.call(value), lengthOf.call(value));
  } catch (e) {
    throw new TwofoldError("INVALID_ARGUMENT", `${name} is a view of a detached or shrunk buffer`, { cause: e });
  }
}

/**
 * {@link bytes}, for the worker client.
 *
 * @internal
 */
export const byteView = bytes;

let cachedConstants: Constants | undefined;

/**
 * The protocol's sizes, limits and defaults, read from the core: maximum message, bundle,
 * upload and plaintext lengths, the batch limit, the default maximum prekey age, the
 * application-key length, header, chunk and tag sizes. Nothing in this package restates them.
 */
export function constants(): Constants {
  cachedConstants ??= call(() => {
    return Object.freeze(wasm.constants());
  });
  return cachedConstants;
}

/**
 * Checks bytes and rejects them above the core's documented maximum `limit` (`TOO_LARGE`)
 * before they are copied into wasm memory.
 *
 * @internal
 */
export function bounded(value: unknown, name: string, limit: keyof Constants): Uint8Array {
  const b = bytes(value, name);
  if (b.length > constants()[limit]) {
    throw new TwofoldError("TOO_LARGE", `${name} is larger than the documented maximum`);
  }
  return b;
}

/** A time or an age in seconds (`now`, `maxPrekeyAge`); `now` defaults to the system clock. */
function secondsNow(now: number | undefined): number {
  const value = now ?? Date.now() / 1000;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new TwofoldError("INVALID_ARGUMENT", "times must be non-negative numbers of seconds");
  }
  return value;
}

/** Checks a count: an integer from 0 to 2^32 - 1 (the range of the wasm parameter). */
function count(value: unknown): number {
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 0xffffffff) {
    throw new TwofoldError("INVALID_ARGUMENT", "counts must be non-negative integers");
  }
  return value as number;
}

const EMPTY = new Uint8Array(0);

/** `Object.hasOwn`, taken at load. */
const hasOwn = Object.hasOwn as (o: object, key: PropertyKey) => boolean;

/**
 * Reads an options argument (absent, or an object with no keys but `keys`) once, into a
 * snapshot: each option is read exactly once, before any byte argument is checked, so a getter
 * can neither change an answer between two reads nor touch a buffer after its check. An
 * unknown key (a typo such as `associatedDta`) is `INVALID_ARGUMENT`, not silently ignored;
 * so is a getter or Proxy that throws (its exception is the `cause`).
 */
function options<T extends object>(value: T | undefined, keys: readonly (keyof T & string)[]): Partial<T> {
  // No prototype: a property added to Object.prototype (`maxPrekeyAge = null`, say) cannot
  // reach an option through the snapshot, not even when no options are given.
  const snapshot = Object.create(null) as Partial<T>;
  if (value === undefined) return snapshot;
  // Every step that can run the caller's code (a revoked Proxy, a trap, a getter) is inside the
  // `try`, and what it throws is only ever the cause: never inspected, never rethrown.
  let problem: string | undefined;
  try {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      problem = "options must be an object";
    } else {
      const unknown = Object.keys(value).find((key) => !(keys as readonly string[]).includes(key));
      if (unknown !== undefined) problem = `unknown option ${JSON.stringify(unknown)}`;
      for (const key of keys) {
        if (problem !== undefined) break;
        // Own properties only; an option inherited from a prototype (a polluted
        // Object.prototype, a class's getter) is refused rather than read or ignored.
        if (hasOwn(value, key)) snapshot[key] = value[key];
        else if (key in value) problem = `option ${JSON.stringify(key)} must be an own property`;
      }
    }
  } catch (e) {
    throw new TwofoldError("INVALID_ARGUMENT", "reading the options threw", { cause: e });
  }
  if (problem !== undefined) throw new TwofoldError("INVALID_ARGUMENT", problem);
  return snapshot;
}

/**
 * {@link options}, for `twofold-pq/store`.
 *
 * @internal
 */
export const readOptions = options;

const disposeSymbol: symbol =
  (Symbol as unknown as { dispose?: symbol }).dispose ?? Symbol.for("Symbol.dispose");

interface WasmObject {
  /** Wipes the secrets (objects without any have none to wipe). */
  dispose?(): void;
  free(): void;
}

interface SealableWasmObject extends WasmObject {
  dispose(): void;
  seal(appKey: Uint8Array, context?: Uint8Array): Uint8Array;
}

/** Where a sealed blob belongs: `open` must be given the same `context` (at most 1,024 bytes). */
export interface SealOptions {
  /** Binds the blob to a storage slot or peer (for example the peer's fingerprint); default empty. */
  context?: Uint8Array;
}

/** What `open` expects of a blob. */
export interface OpenOptions extends SealOptions {
  /**
   * Refuse a blob older than this generation (`ROLLED_BACK`): pass the `info().generation` the app
   * recorded, somewhere the blob's storage cannot roll back, when it last sealed the object.
   * Sessions and prekey stores only.
   */
  minGeneration?: number;
}

function minGenerationOf(o: Partial<OpenOptions>): number | undefined {
  const min = o.minGeneration;
  if (min !== undefined && typeof min !== "number") {
    // null, a string or a BigInt must not silently turn the rollback check off or into NaN.
    throw new TwofoldError("INVALID_ARGUMENT", "minGeneration must be a number");
  }
  return min;
}

function contextOf(o: Partial<SealOptions>): Uint8Array | undefined {
  return o.context === undefined ? undefined : bounded(o.context, "context", "maxSealContextLength");
}

const SEAL_KEYS = ["context"] as const;
const OPEN_KEYS = ["context", "minGeneration"] as const;

/** The application key: bytes, at most `constants().appKeyLength` before the copy (wasm checks the exact length). */
const appKeyOf = (value: unknown) => bounded(value, "appKey", "appKeyLength");
/** A sealed blob: bytes, at most `constants().maxSealedLength`. */
const blobOf = (value: unknown) => bounded(value, "blob", "maxSealedLength");
/** Associated data (default empty): bytes, at most `constants().maxAssociatedDataLength`. */
const adOf = (value: unknown) =>
  value === undefined ? EMPTY : bounded(value, "associatedData", "maxAssociatedDataLength");

/** The wasm objects behind the public classes, reachable only from this module. */
const handles = new WeakMap<object, { handle: WasmObject | undefined; what: Kind }>();

type Kind = "Identity" | "PrekeyStore" | "Session" | "IdentityCache";

/**
 * The wasm object behind `o`, which must be a live `what` of this module: anything else (a
 * Session where an Identity belongs, a look-alike, a Proxy) is `INVALID_ARGUMENT`, a
 * disposed one `DISPOSED`.
 */
function inner<W extends WasmObject>(o: unknown, what?: Kind): W {
  const entry = typeof o === "object" && o !== null ? handles.get(o) : undefined;
  if (entry === undefined || (what !== undefined && entry.what !== what)) {
    throw new TwofoldError("INVALID_ARGUMENT", `expected ${what === undefined ? "an object" : `a ${what}`} of twofold-pq`);
  }
  if (entry.handle === undefined) {
    throw new TwofoldError("DISPOSED", `${entry.what} was disposed and can no longer be used`);
  }
  return entry.handle as W;
}

/** The registry entry of `o`, live or disposed: anything else is `INVALID_ARGUMENT`. */
function entryOf(o: unknown): { handle: WasmObject | undefined; what: Kind } {
  const entry = typeof o === "object" && o !== null ? handles.get(o) : undefined;
  if (entry === undefined) throw new TwofoldError("INVALID_ARGUMENT", "expected an object of twofold-pq");
  return entry;
}

/** Proves a construction comes from this module's factories (`generate`, `open`, ...). */
const FACTORY: unique symbol = Symbol("twofold-pq factory");

/** Shared lifetime handling: `dispose()` wipes the wasm secrets and frees the handle. */
abstract class Resource<W extends WasmObject> {
  /** Type-level only (never set): ties the class to its wasm type for {@link inner}. */
  declare protected readonly wasmType?: W;

  protected constructor(token: typeof FACTORY, handle: W, what: Kind) {
    if (token !== FACTORY) {
      throw new TwofoldError("INVALID_ARGUMENT", `create a ${what} with its static factories, not \`new\``);
    }
    handles.set(this, { handle, what });
  }

  /** Whether {@link dispose} was called. */
  get disposed(): boolean {
    return entryOf(this).handle === undefined;
  }

  /**
   * Wipes this object's secrets in WebAssembly memory and releases it. Idempotent. Any
   * later use throws a {@link TwofoldError} with code `DISPOSED`. Copies you made in
   * JavaScript (plaintexts, keys) are yours to overwrite, e.g. with `bytes.fill(0)`.
   */
  dispose(): void {
    const entry = entryOf(this);
    const handle = entry.handle;
    if (handle === undefined) return;
    entry.handle = undefined;
    handle.dispose?.();
    handle.free();
  }

  /** Same as {@link dispose}, for `using` declarations. */
  [Symbol.dispose](): void {
    Resource.prototype.dispose.call(this);
  }
}

/** A {@link Resource} that holds secrets and can be sealed for storage. */
abstract class Disposable<W extends SealableWasmObject> extends Resource<W> {

  /**
   * Seals this object with the application key (`constants().appKeyLength` bytes), for storage,
   * bound to `options.context`. A wrong key, a wrong context or a changed byte fails `open` with
   * `AUTH_FAILED`.
   */
  seal(appKey: Uint8Array, opts?: SealOptions): Uint8Array {
    const o = options(opts, SEAL_KEYS);
    const context = contextOf(o);
    const key = appKeyOf(appKey);
    return call(() => inner<W>(this).seal(key, context));
  }
}

// Older runtimes without Symbol.dispose: also expose the method under the registered symbol.
if (disposeSymbol !== (Symbol as unknown as { dispose?: symbol }).dispose) {
  Object.defineProperty(Resource.prototype, disposeSymbol, {
    value(this: unknown) {
      Resource.prototype.dispose.call(this);
    },
  });
}

/** A long-term hybrid identity: X25519 and ML-DSA-65 key pairs bound by a signature. */
export class Identity extends Disposable<wasm.Identity> {
  private constructor(token: typeof FACTORY, inner: wasm.Identity) {
    super(token, inner, "Identity");
  }

  /** Generates a new identity. */
  static generate(): Identity {
    return call(() => new Identity(FACTORY, wasm.Identity.generate()));
  }

  /** The encoded public identity (5,296 bytes): what peers see and verify. */
  get publicKey(): Uint8Array {
    return call(() => inner<wasm.Identity>(this, "Identity").publicBytes());
  }

  /** Opens a key pair sealed by {@link Identity.seal}. */
  static open(blob: Uint8Array, appKey: Uint8Array, opts?: SealOptions): Identity {
    const o = options(opts, SEAL_KEYS);
    const context = contextOf(o);
    const key = appKeyOf(appKey);
    const b = blobOf(blob);
    return call(() => new Identity(FACTORY, wasm.Identity.open(b, key, context)));
  }
}

const identityOf = (o: unknown) => inner<wasm.Identity>(o, "Identity");
const storeOf = (o: unknown) => inner<wasm.PrekeyStore>(o, "PrekeyStore");
const sessionOf = (o: unknown) => inner<wasm.Session>(o, "Session");
const cacheOf = (o: unknown) => inner<wasm.IdentityCache>(o, "IdentityCache");

/** Options of the {@link IdentityCache} constructor. */
export interface IdentityCacheOptions {
  /**
   * The most identities kept, at most 1,024; the oldest goes first. Each costs about 45 KB of
   * WebAssembly memory while cached (the expanded ML-DSA-65 key). Default:
   * `constants().defaultIdentityCacheCapacity` (64).
   */
  capacity?: number;
}

/**
 * Identities whose binding signature verified, kept with their expanded ML-DSA keys, so a peer
 * met again costs fewer ML-DSA-65 verifications: pass it as `identityCache` to
 * {@link Session.initiate} (a bundle of a cached identity costs one verification, and another
 * leaf of the upload verified last costs none) and to {@link Session.accept} (a cached
 * initiator costs none). A hit needs the identity, and for an upload the signed message and
 * signature, equal byte for byte to what was verified; anything else is verified in full, so
 * the cache changes the cost, never the outcome. It holds public data only, lives in memory
 * and is not persisted; one cache may serve both directions. {@link IdentityCache.clear}
 * empties it (for example when the app stops trusting a peer), {@link IdentityCache.dispose}
 * frees it (every later use is `DISPOSED`).
 */
export class IdentityCache extends Resource<wasm.IdentityCache> {
  constructor(opts?: IdentityCacheOptions) {
    const o = options(opts, ["capacity"]);
    const capacity = count(o.capacity === undefined ? constants().defaultIdentityCacheCapacity : o.capacity);
    // About 45 MB of WebAssembly memory when full.
    if (capacity > 1024) throw new TwofoldError("INVALID_ARGUMENT", "capacity is at most 1024");
    super(FACTORY, call(() => new wasm.IdentityCache(capacity)), "IdentityCache");
  }

  /** Identities cached. */
  get size(): number {
    return call(() => cacheOf(this).size);
  }

  /** Forgets every identity. */
  clear(): void {
    call(() => cacheOf(this).clear());
  }
}

/** A zero-capacity cache: what initiate and accept use without `identityCache` (made once loaded). */
let noCache: wasm.IdentityCache | undefined;

function identityCacheOf(value: unknown): wasm.IdentityCache {
  if (value === undefined) return (noCache ??= new wasm.IdentityCache(0));
  return cacheOf(value);
}

/** Options of {@link PrekeyStore.generate}. */
export interface PrekeyStoreOptions {
  /** The current time in seconds: the signed prekeys' creation time. Default: the system clock. */
  now?: number;
}

/** Options of {@link PrekeyStore.upload}: how many one-time prekeys of each kind the batch gets. */
export interface UploadOptions {
  /** One-time prekeys of each kind (X25519 and ML-KEM). Default: `constants().defaultOneTimePrekeys`. */
  oneTime?: number;
  /** One-time X25519 prekeys. Default: `oneTime`. */
  x25519?: number;
  /** One-time ML-KEM prekeys. Default: `oneTime`. */
  kem?: number;
}

/**
 * The responder's prekeys: make uploads for your server from it, accept sessions against it.
 * The server keeps the latest upload and composes bundles from it (`composeBundle` of
 * `twofold-pq/server`).
 */
export class PrekeyStore extends Disposable<wasm.PrekeyStore> {
  readonly #identity: Identity;

  private constructor(token: typeof FACTORY, inner: wasm.PrekeyStore, identity: Identity) {
    super(token, inner, "PrekeyStore");
    this.#identity = identity;
  }

  /** Creates a store owned by `identity`, with fresh signed prekeys and no one-time prekeys. */
  static generate(identity: Identity, opts?: PrekeyStoreOptions): PrekeyStore {
    const now = secondsNow(options(opts, ["now"]).now);
    return call(() => new PrekeyStore(FACTORY, wasm.PrekeyStore.generate(identityOf(identity), now), identity));
  }

  /** The owner of this store. */
  get identity(): Identity {
    return call(() => {
      storeOf(this);
      return this.#identity;
    });
  }

  /**
   * A new batch of one-time prekeys and the signed prekeys, under one ML-DSA-65 signature:
   * send it to your server, which replaces the previous upload with it and hands out one
   * bundle per leaf, in index order (`composeBundle` of `twofold-pq/server`). The batch has
   * `max(x25519, kem)` leaves, at most `constants().maxBatchLeaves`; leaf `i` carries a
   * one-time X25519 prekey if `i < x25519` and a one-time ML-KEM prekey if `i < kem`. Upload
   * again after {@link rotateSignedPrekeys} (`{ oneTime: 0 }` is enough) and before the
   * server runs out of leaves. The store keeps at most `constants().maxOneTimePrekeys` of each
   * kind and drops the oldest to make room.
   */
  upload(opts?: UploadOptions): Uint8Array {
    const o = options(opts, ["oneTime", "x25519", "kem"]);
    const oneTime = o.oneTime ?? constants().defaultOneTimePrekeys;
    const x = count(o.x25519 ?? oneTime);
    const k = count(o.kem ?? oneTime);
    return call(() => storeOf(this).upload(identityOf(this.#identity), x, k));
  }

  /** Replaces the signed prekeys; the previous ones stay accepted for a grace period. */
  rotateSignedPrekeys(now?: number): void {
    const t = secondsNow(now);
    call(() => storeOf(this).rotateSignedPrekeys(identityOf(this.#identity), t));
  }

  /** Drops signed prekeys whose grace period has passed. */
  prune(now?: number): void {
    const t = secondsNow(now);
    call(() => storeOf(this).prune(t));
  }

  /**
   * Non-secret state: the signed prekey's id and creation time (rotate well before the
   * initiators' maximum age, then upload), the one-time prekeys held, the next batch id and the
   * replay cache.
   */
  info(): PrekeyStoreInfo {
    return call((): PrekeyStoreInfo => storeOf(this).info());
  }

  /**
   * Opens a sealed box addressed to this store's owner (see {@link sealBox}). For a
   * sender-authenticated box, pass the sender's public identity as `sender` (read its
   * fingerprint with {@link boxSender} and look it up in your directory); for an anonymous box
   * pass none. The store is not changed, so the same box opens again: if a box must not be
   * acted on twice, keep the `boxId` of each box that opened (SHA-256 of the whole box; record
   * it only after the box opened) and refuse one you have seen. Codes: `IDENTITY_REQUIRED` (no sender
   * for an authenticated box), `INITIATOR_MISMATCH` (another sender, or a sender for an
   * anonymous box), `UNKNOWN_PREKEY` (the signed prekeys it names were rotated away),
   * `AUTH_FAILED` (altered, not for this store, or other associated data).
   */
  openBox(sealed: Uint8Array, opts?: OpenBoxOptions): OpenedBox {
    const o = options(opts, ["associatedData", "sender", "identityCache"]);
    const ad = adOf(o.associatedData);
    const sender = o.sender === undefined ? undefined : bounded(o.sender, "sender", "identityLength");
    const b = bounded(sealed, "sealed", "maxSealedBoxLength");
    return call((): OpenedBox => {
      const cache = identityCacheOf(o.identityCache);
      return storeOf(this).openBox(identityOf(this.#identity), b, ad, sender, cache);
    });
  }

  /**
   * The fingerprint of the sender a sender-authenticated box names, or `null` for an anonymous
   * box: what to look up in your directory before {@link openBox}. Only `openBox`
   * authenticates it.
   */
  boxSender(sealed: Uint8Array): Uint8Array | null {
    const b = bounded(sealed, "sealed", "maxSealedBoxLength");
    return call(() => storeOf(this).boxSender(identityOf(this.#identity), b) ?? null);
  }

  /** Opens a store sealed by {@link PrekeyStore.seal}; `identity` must be its owner. */
  static open(
    blob: Uint8Array,
    appKey: Uint8Array,
    identity: Identity,
    opts?: OpenOptions,
  ): PrekeyStore {
    const o = options(opts, OPEN_KEYS);
    const context = contextOf(o);
    const min = minGenerationOf(o);
    const key = appKeyOf(appKey);
    const b = blobOf(blob);
    return call(() => {
      identityOf(identity);
      return new PrekeyStore(FACTORY, wasm.PrekeyStore.open(b, key, context, min), identity);
    });
  }
}

/** Options of {@link PrekeyStore.openBox}. */
export interface OpenBoxOptions {
  /** The associated data the box was sealed with. Default: empty. */
  associatedData?: Uint8Array;
  /**
   * The sender's encoded public identity, for a sender-authenticated box. Its binding
   * signature is verified only after the box authenticated (`BAD_SIGNATURE`), so a forged box
   * costs no signature verification.
   */
  sender?: Uint8Array;
  /** Verified identities: a sender in it costs no ML-DSA verification. Default: none. */
  identityCache?: IdentityCache;
}

/** Options of {@link Session.initiate} and {@link Session.accept}. */
export interface SessionOptions {
  /**
   * Bytes authenticated with the first message (both sides must pass the same); at most
   * `constants().maxAssociatedDataLength` (64 KiB, else `TOO_LARGE`).
   */
  associatedData?: Uint8Array;
  /**
   * The current time in seconds (recorded as `SessionInfo.lastPqEpochAt`; `initiate` also
   * checks the bundle's age against it). Default: the system clock.
   */
  now?: number;
}

/** Options of {@link Session.initiate}. */
export interface InitiateOptions extends SessionOptions {
  /**
   * The oldest signed prekeys (in seconds) a bundle may have; an older bundle is refused with
   * `STALE_PREKEY`. `null` disables the check. Default: `constants().defaultMaxPrekeyAge`
   * (30 days).
   */
  maxPrekeyAge?: number | null;
  /**
   * Send the initial message in the self-contained form, which carries the initiator's
   * public identity, for responders without a directory to look it up in. Default: `false`,
   * the compact form, which names her by her X25519 identity key and the fingerprint of her
   * identity. With a 100-byte plaintext and a one-time X25519 prekey the compact form is
   * 1,400 bytes, the self-contained one 6,629; every message she sends until the peer replies
   * repeats the handshake, and so the difference.
   */
  selfContained?: boolean;
  /**
   * Verified identities to consult and fill: a bundle of an identity in it costs one ML-DSA
   * verification instead of two, and another leaf of the upload verified last none. Default:
   * none.
   */
  identityCache?: IdentityCache;
}

/** Options of {@link Session.accept}. */
export interface AcceptOptions extends SessionOptions {
  /**
   * The initiator's encoded public identity as your directory returned it for
   * `describeMessage(message).handshake.initiatorFingerprint`. Required for a compact initial
   * message (`IDENTITY_REQUIRED` without it); optional for a self-contained one. It must have
   * the X25519 key and the fingerprint the message names (`INITIATOR_MISMATCH` otherwise);
   * its binding signature is verified once the message has authenticated (`BAD_SIGNATURE`).
   */
  initiatorIdentity?: Uint8Array;
  /**
   * Verified identities to consult and fill: an initiator whose identity is in it costs no
   * ML-DSA verification. Default: none.
   */
  identityCache?: IdentityCache;
}

const MESSAGE_KEYS = ["associatedData", "now"] as const;

/** Options of {@link Session.encrypt} and {@link Session.decrypt}. */
export interface MessageOptions {
  /**
   * Bytes authenticated with the message (both sides must pass the same); at most
   * `constants().maxAssociatedDataLength` (64 KiB, else `TOO_LARGE`).
   */
  associatedData?: Uint8Array;
  /**
   * The current time in seconds (recorded as `SessionInfo.lastPqEpochAt`; `decrypt` ignores
   * it). Default: the system clock.
   */
  now?: number;
}

/** An end-to-end encrypted session with one peer. */
export class Session extends Disposable<wasm.Session> {
  private constructor(token: typeof FACTORY, inner: wasm.Session) {
    super(token, inner, "Session");
  }

  /**
   * Starts a session with the owner of `bundle` (verifying every signature in it and its
   * age, see {@link InitiateOptions.maxPrekeyAge}) and encrypts the first message. Send
   * `message` to the peer. The message is compact unless
   * {@link InitiateOptions.selfContained} is set: it names the initiator by her fingerprint,
   * and the responder looks her identity up in a directory.
   */
  static initiate(
    identity: Identity,
    bundle: Uint8Array,
    plaintext: Uint8Array,
    opts?: InitiateOptions,
  ): { session: Session; message: Uint8Array } {
    const o = options(opts, ["associatedData", "now", "maxPrekeyAge", "selfContained", "identityCache"]);
    const now = secondsNow(o.now);
    // `null` disables the age check: the wasm layer takes Infinity for that.
    const age = o.maxPrekeyAge === null ? Infinity : secondsNow(o.maxPrekeyAge ?? constants().defaultMaxPrekeyAge);
    const selfContained = o.selfContained === undefined ? false : o.selfContained;
    if (typeof selfContained !== "boolean") {
      throw new TwofoldError("INVALID_ARGUMENT", "selfContained must be a boolean");
    }
    const ad = adOf(o.associatedData);
    const pt = bounded(plaintext, "plaintext", "maxPlaintextLength");
    const bundleBytes = bounded(bundle, "bundle", "maxBundleLength");
    return call(() => {
      const cache = identityCacheOf(o.identityCache);
      const r = wasm.Session.initiate(identityOf(identity), bundleBytes, pt, ad, now, age, selfContained, cache);
      return { session: new Session(FACTORY, r.session), message: r.message };
    });
  }

  /**
   * Accepts an initial message against `store` and decrypts it. One-time prekeys are
   * consumed only if the message authenticates.
   *
   * A compact initial message (the default) names its initiator only: read
   * `describeMessage(message).handshake.initiatorFingerprint`, look her public identity up
   * in your directory by it, and pass it as {@link AcceptOptions.initiatorIdentity}. The
   * library checks it against the X25519 key and fingerprint the message names
   * (`INITIATOR_MISMATCH`), and verifies its binding signature only after the message
   * authenticated, so a forged message costs no signature verification. Without it a compact
   * message is `IDENTITY_REQUIRED`; a self-contained one carries her identity.
   */
  static accept(
    identity: Identity,
    store: PrekeyStore,
    message: Uint8Array,
    opts?: AcceptOptions,
  ): { session: Session; plaintext: Uint8Array } {
    const o = options(opts, ["associatedData", "now", "initiatorIdentity", "identityCache"]);
    const now = secondsNow(o.now);
    const ad = adOf(o.associatedData);
    const initiator =
      o.initiatorIdentity === undefined ? undefined : bounded(o.initiatorIdentity, "initiatorIdentity", "identityLength");
    const m = bounded(message, "message", "maxMessageLength");
    return call(() => {
      const cache = identityCacheOf(o.identityCache);
      const r = wasm.Session.accept(identityOf(identity), storeOf(store), m, initiator, ad, now, cache);
      return { session: new Session(FACTORY, r.session), plaintext: r.plaintext };
    });
  }

  /** Encrypts a message. Never reuses a key. */
  encrypt(plaintext: Uint8Array, opts?: MessageOptions): Uint8Array {
    const o = options(opts, MESSAGE_KEYS);
    const now = secondsNow(o.now);
    const ad = adOf(o.associatedData);
    const pt = bounded(plaintext, "plaintext", "maxPlaintextLength");
    return call(() => sessionOf(this).encrypt(pt, ad, now));
  }

  /**
   * Decrypts a message. On any error the session is unchanged: drop the message and carry
   * on. Authentication failures all have code `AUTH_FAILED`; a resend of the same bytes is
   * `DUPLICATE_MESSAGE`; a different message at an index already used (the peer restored an
   * older state or runs a forked copy) is `CONFLICTING_MESSAGE`.
   */
  decrypt(message: Uint8Array, opts?: MessageOptions): Uint8Array {
    const o = options(opts, MESSAGE_KEYS);
    if (o.now !== undefined) secondsNow(o.now);
    const ad = adOf(o.associatedData);
    const m = bounded(message, "message", "maxMessageLength");
    return call(() => sessionOf(this).decrypt(m, ad));
  }

  /**
   * Non-secret state: DH and PQ epochs, the PQ objects in flight (chunks sent and received),
   * messages and time since the last PQ epoch, faults, counters, skipped keys.
   */
  info(): SessionInfo {
    return call((): SessionInfo => sessionOf(this).info());
  }

  /** The 60-digit safety number: the fingerprints of both parties' hybrid identities. */
  safetyNumber(): string {
    return call(() => sessionOf(this).safetyNumber());
  }

  /** The 65-byte payload to render as a QR code. */
  safetyQr(): Uint8Array {
    return call(() => sessionOf(this).safetyQr());
  }

  /**
   * Constant-time comparison with a scanned QR payload (`false` for any other payload; longer
   * than `constants().safetyQrLength`: `TOO_LARGE`, before it is copied).
   */
  matchesSafetyQr(scanned: Uint8Array): boolean {
    const s = bounded(scanned, "scanned", "safetyQrLength");
    return call(() => sessionOf(this).matchesSafetyQr(s));
  }

  /** The short authentication string of the handshake. */
  sas(): Sas {
    return call((): Sas => sessionOf(this).sas());
  }

  /**
   * The 32-byte fingerprint of the peer's identity, verified during the handshake (the
   * identity itself is not kept): what `fingerprintOf` of `twofold-pq/server` returns for it,
   * and what a directory files it under.
   */
  peerFingerprint(): Uint8Array {
    return call(() => sessionOf(this).peerFingerprint());
  }

  /** Identifies the handshake; equal on both sides. */
  handshakeId(): Uint8Array {
    return call(() => sessionOf(this).handshakeId());
  }

  /** Opens a session sealed by {@link Session.seal}. */
  static open(blob: Uint8Array, appKey: Uint8Array, opts?: OpenOptions): Session {
    const o = options(opts, OPEN_KEYS);
    const context = contextOf(o);
    const min = minGenerationOf(o);
    const key = appKeyOf(appKey);
    const b = blobOf(blob);
    return call(() => new Session(FACTORY, wasm.Session.open(b, key, context, min)));
  }
}

/** Whether bytes are an initial message (give to {@link Session.accept}) or a ratchet message. */
export function messageKind(message: Uint8Array): MessageKind {
  // Only the three header bytes matter: do not copy the rest into wasm memory.
  const header = bytes(message, "message").subarray(0, 3);
  return call(() => wasm.messageKind(header));
}

/**
 * Decodes the public parts of a message (what a server sees): nothing here is secret or
 * authenticated. Every message of a chain that performs a PQ step carries its KEM data.
 */
export function describeMessage(message: Uint8Array): MessageDescription {
  const m = bounded(message, "message", "maxMessageLength");
  return call((): MessageDescription => wasm.describeMessage(m));
}

/** The safety number of two encoded public identities. */
export function safetyNumberOf(a: Uint8Array, b: Uint8Array): string {
  const x = bounded(a, "a", "identityLength");
  const y = bounded(b, "b", "identityLength");
  return call(() => wasm.safetyNumberOf(x, y));
}

/** Verifies a bundle's signatures and returns its public facts. */
export function inspectBundle(bundle: Uint8Array): BundleInfo {
  const b = bounded(bundle, "bundle", "maxBundleLength");
  return call((): BundleInfo => wasm.inspectBundle(b));
}

/** Options of {@link sealBox}. */
export interface SealBoxOptions {
  /**
   * Seal a sender-authenticated box from this identity: the box carries its X25519 key and
   * fingerprint encrypted (the server does not see them), and only its holder can make a box
   * that opens with it. Authentication is classical (X25519) and deniable; confidentiality
   * is post-quantum either way. Default: an anonymous box.
   */
  from?: Identity;
  /** Bytes authenticated with the box; the recipient must pass the same. Default: empty. */
  associatedData?: Uint8Array;
  /** The current time in seconds, for the bundle's age. Default: the system clock. */
  now?: number;
  /** As {@link InitiateOptions.maxPrekeyAge}. Default: 30 days; `null` disables the check. */
  maxPrekeyAge?: number | null;
  /**
   * The fingerprint (`constants().fingerprintLength`, 32 bytes) of the identity you mean to
   * reach, from your directory or a
   * verified safety number (`fingerprintOf` of `twofold-pq/server`, `Session.peerFingerprint`):
   * a bundle of any other identity is refused with `INITIATOR_MISMATCH`. A verified bundle
   * proves only that its keys belong to the identity it names. Default: none.
   */
  recipient?: Uint8Array;
  /** As {@link InitiateOptions.identityCache}. */
  identityCache?: IdentityCache;
}

/**
 * Encrypts one message to the owner of `bundle` without a session (a "sealed box"): to the
 * signed X25519 prekey and last-resort ML-KEM-768 prekey the bundle's upload signs, with the
 * X-Wing combiner (docs/PROTOCOL.md section 13). Every signature of the bundle is verified
 * first. The recipient opens it with {@link PrekeyStore.openBox}. A box adds
 * `constants().sealedBoxOverhead` bytes (1,148), or `sealedBoxAuthenticatedOverhead` (1,228)
 * with {@link SealBoxOptions.from}. No forward secrecy: whoever later steals the recipient's
 * prekey store can open boxes sealed to its current signed prekeys.
 */
export function sealBox(bundle: Uint8Array, plaintext: Uint8Array, opts?: SealBoxOptions): Uint8Array {
  const o = options(opts, ["from", "associatedData", "now", "maxPrekeyAge", "recipient", "identityCache"]);
  const now = secondsNow(o.now);
  const age = o.maxPrekeyAge === null ? Infinity : secondsNow(o.maxPrekeyAge ?? constants().defaultMaxPrekeyAge);
  const ad = adOf(o.associatedData);
  const pt = bounded(plaintext, "plaintext", "maxPlaintextLength");
  const b = bounded(bundle, "bundle", "maxBundleLength");
  const recipient = o.recipient === undefined ? undefined : bounded(o.recipient, "recipient", "fingerprintLength");
  return call(() => {
    const cache = identityCacheOf(o.identityCache);
    return o.from === undefined
      ? wasm.sealBox(b, pt, ad, now, age, recipient, cache)
      : identityOf(o.from).sealBox(b, pt, ad, now, age, recipient, cache);
  });
}

/** The public fields of a sealed box: whether it is authenticated, the ids, its `boxId`. */
export function describeBox(sealed: Uint8Array): BoxInfo {
  const b = bounded(sealed, "sealed", "maxSealedBoxLength");
  return call((): BoxInfo => wasm.describeBox(b));
}

/** The version of the underlying Rust crate. */
export function version(): string {
  return call(() => wasm.version());
}
