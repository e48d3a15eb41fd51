/**
 * The protocol between {@link TwofoldWorker} (`twofold-pq/worker-client`) and the worker
 * (`twofold-pq/worker`): one typed map of every operation. Both sides are checked against it
 * by TypeScript: the worker's handler table must have exactly these keys, with these
 * argument and result types, and the client can only send these operations with these
 * arguments. Argument and result types come from the main API (`index.ts`) wherever no handle
 * is involved, so a change of signature there reaches both sides.
 *
 * Objects living in the worker (identities, prekey stores, sessions) travel as numeric
 * {@link Handle}s. Everything else is structured-cloneable: `Uint8Array`s, numbers, strings
 * and plain objects.
 *
 * @packageDocumentation
 */
import type {
  AcceptOptions,
  ErrorCode,
  Identity,
  IdentityCache,
  IdentityCacheOptions,
  InitiateOptions,
  OpenBoxOptions,
  OpenOptions,
  OpenedBox,
  PrekeyStore,
  PrekeyStoreOptions,
  SealBoxOptions,
  Session,
  constants,
  describeBox,
  describeMessage,
  inspectBundle,
  isInitialized,
  messageKind,
  safetyNumberOf,
  version,
} from "./index.js";

/** Names an object in the worker's table (identity, prekey store, session or identity cache). */
export type Handle = number;

/** Options as they travel: an identity cache by its handle. */
export type Wired<O extends { identityCache?: IdentityCache }> = Omit<O, "identityCache"> & {
  identityCache?: Handle;
};

/** `sealBox`'s options as they travel: the sender identity and the cache by their handles. */
export type WiredSealBox = Omit<SealBoxOptions, "from" | "identityCache"> & {
  from?: Handle;
  identityCache?: Handle;
};

/** An operation on a top-level function `F` of the main API: same arguments, same result. */
type Fn<F> = F extends (...args: infer A) => infer R ? { args: A; result: R } : never;

/** An operation on a method `M` of the class `C`: the object's handle, then its arguments. */
type Method<C, M extends keyof C> = C[M] extends (...args: infer A) => infer R
  ? { args: [handle: Handle, ...args: A]; result: R }
  : never;

/** An operation reading the accessor `P` of the class `C`. */
type Getter<C, P extends keyof C> = { args: [handle: Handle]; result: C[P] };

/** Every operation the worker serves: its arguments (a tuple) and its result. */
export interface Ops {
  /** `ready(wasmUrl?)`; the URL travels as a string (a `URL` object cannot be cloned). */
  ready: { args: [wasmUrl?: string]; result: void };
  isInitialized: Fn<typeof isInitialized>;
  version: Fn<typeof version>;
  constants: Fn<typeof constants>;
  messageKind: Fn<typeof messageKind>;
  describeMessage: Fn<typeof describeMessage>;
  safetyNumberOf: Fn<typeof safetyNumberOf>;
  inspectBundle: Fn<typeof inspectBundle>;
  describeBox: Fn<typeof describeBox>;
  sealBox: { args: [bundle: Uint8Array, plaintext: Uint8Array, options?: WiredSealBox]; result: Uint8Array };

  "identity.generate": { args: []; result: Handle };
  "identity.open": { args: Parameters<typeof Identity.open>; result: Handle };
  "identity.publicKey": Getter<Identity, "publicKey">;
  "identity.seal": Method<Identity, "seal">;

  "prekeyStore.generate": { args: [identity: Handle, options?: PrekeyStoreOptions]; result: Handle };
  "prekeyStore.open": {
    args: [blob: Uint8Array, appKey: Uint8Array, identity: Handle, options?: OpenOptions];
    result: Handle;
  };
  "prekeyStore.upload": Method<PrekeyStore, "upload">;
  "prekeyStore.rotateSignedPrekeys": Method<PrekeyStore, "rotateSignedPrekeys">;
  "prekeyStore.prune": Method<PrekeyStore, "prune">;
  "prekeyStore.info": Method<PrekeyStore, "info">;
  "prekeyStore.seal": Method<PrekeyStore, "seal">;
  "prekeyStore.openBox": {
    args: [handle: Handle, sealed: Uint8Array, options?: Wired<OpenBoxOptions>];
    result: OpenedBox;
  };
  "prekeyStore.boxSender": Method<PrekeyStore, "boxSender">;

  "identityCache.create": { args: [options?: IdentityCacheOptions]; result: Handle };
  "identityCache.size": Getter<IdentityCache, "size">;
  "identityCache.clear": Method<IdentityCache, "clear">;

  "session.initiate": {
    args: [identity: Handle, bundle: Uint8Array, plaintext: Uint8Array, options?: Wired<InitiateOptions>];
    result: { session: Handle; message: Uint8Array };
  };
  "session.accept": {
    args: [identity: Handle, store: Handle, message: Uint8Array, options?: Wired<AcceptOptions>];
    result: { session: Handle; plaintext: Uint8Array };
  };
  "session.open": { args: Parameters<typeof Session.open>; result: Handle };
  "session.encrypt": Method<Session, "encrypt">;
  "session.decrypt": Method<Session, "decrypt">;
  "session.info": Method<Session, "info">;
  "session.safetyNumber": Method<Session, "safetyNumber">;
  "session.safetyQr": Method<Session, "safetyQr">;
  "session.matchesSafetyQr": Method<Session, "matchesSafetyQr">;
  "session.sas": Method<Session, "sas">;
  "session.peerFingerprint": Method<Session, "peerFingerprint">;
  "session.handshakeId": Method<Session, "handshakeId">;
  "session.seal": Method<Session, "seal">;

  /** Wipes and forgets the object behind a handle (any kind). Idempotent. */
  dispose: { args: [handle: Handle]; result: void };
}

/** The name of an operation. */
export type Op = keyof Ops;

/** A call from the main thread: one member per operation, its arguments typed. */
export type Request = { [K in Op]: { id: number; op: K; args: Ops[K]["args"] } }[Op];

/**
 * An exception thrown in the worker, as it travels back. `code` is set only for a
 * `TwofoldError`; any other error keeps its `name` (`TypeError`, `RangeError`,
 * `RuntimeError`…) and message.
 */
export interface WireError {
  name: string;
  message: string;
  code?: ErrorCode;
}

/** The worker's answer to the request with the same `id`. */
export type Response =
  | { id: number; ok: true; value: Ops[Op]["result"] }
  | { id: number; ok: false; error: WireError };
