/**
 * Main-thread side of a twofold-pq Web Worker: every call is asynchronous, secrets stay in the
 * worker. Pair with a worker module containing `import "twofold-pq/worker";`.
 *
 * ```js
 * import { TwofoldWorker } from "twofold-pq/worker-client";
 * const tw = new TwofoldWorker(new Worker(new URL("./twofold.worker.js", import.meta.url), { type: "module" }));
 * const bob = await tw.generateIdentity();
 * const store = await tw.generatePrekeyStore(bob, { oneTime: 10 });
 * ```
 *
 * @packageDocumentation
 */

import { TwofoldError } from "./index.js";
import type { MessageOptions, PrekeyStoreInfo, PrekeyStoreOptions, Sas, SessionInfo, SessionOptions } from "./index.js";
import type { Request, Response } from "./worker-protocol.js";

/** An identity living in the worker. */
export interface RemoteIdentity {
  readonly kind: "identity";
  readonly handle: number;
}
/** A prekey store living in the worker. */
export interface RemotePrekeyStore {
  readonly kind: "store";
  readonly handle: number;
}
/** A session living in the worker. */
export interface RemoteSession {
  readonly kind: "session";
  readonly handle: number;
}

interface WorkerLike {
  postMessage(message: Request, transfer?: Transferable[]): void;
  addEventListener(type: "message", listener: (e: MessageEvent<Response>) => void): void;
  terminate?(): void;
}

/** Asynchronous twofold-pq API backed by a Web Worker. */
export class TwofoldWorker {
  readonly #worker: WorkerLike;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  #next = 1;

  constructor(worker: WorkerLike) {
    this.#worker = worker;
    worker.addEventListener("message", (e: MessageEvent<Response>) => {
      const r = e.data;
      const p = this.#pending.get(r.id);
      if (p === undefined) return;
      this.#pending.delete(r.id);
      if (r.ok) p.resolve(r.value);
      else p.reject(new TwofoldError(r.code, r.message));
    });
  }

  #call<T>(op: string, ...args: unknown[]): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#worker.postMessage({ id, op, args });
    });
  }

  async generateIdentity(): Promise<RemoteIdentity> {
    return { kind: "identity", handle: await this.#call<number>("identity.generate") };
  }

  async openIdentity(blob: Uint8Array, appKey: Uint8Array): Promise<RemoteIdentity> {
    return { kind: "identity", handle: await this.#call<number>("identity.open", blob, appKey) };
  }

  publicKey(identity: RemoteIdentity): Promise<Uint8Array> {
    return this.#call("identity.publicKey", identity.handle);
  }

  sealIdentity(identity: RemoteIdentity, appKey: Uint8Array): Promise<Uint8Array> {
    return this.#call("identity.seal", identity.handle, appKey);
  }

  async generatePrekeyStore(identity: RemoteIdentity, options: PrekeyStoreOptions = {}): Promise<RemotePrekeyStore> {
    return { kind: "store", handle: await this.#call<number>("store.generate", identity.handle, options) };
  }

  async openPrekeyStore(blob: Uint8Array, appKey: Uint8Array, identity: RemoteIdentity): Promise<RemotePrekeyStore> {
    return { kind: "store", handle: await this.#call<number>("store.open", blob, appKey, identity.handle) };
  }

  bundle(store: RemotePrekeyStore): Promise<Uint8Array> {
    return this.#call("store.bundle", store.handle);
  }

  storeInfo(store: RemotePrekeyStore): Promise<PrekeyStoreInfo> {
    return this.#call("store.info", store.handle);
  }

  sealPrekeyStore(store: RemotePrekeyStore, appKey: Uint8Array): Promise<Uint8Array> {
    return this.#call("store.seal", store.handle, appKey);
  }

  async initiate(
    identity: RemoteIdentity,
    bundle: Uint8Array,
    plaintext: Uint8Array,
    options: SessionOptions = {},
  ): Promise<{ session: RemoteSession; message: Uint8Array }> {
    const r = await this.#call<{ session: number; message: Uint8Array }>(
      "session.initiate", identity.handle, bundle, plaintext, options);
    return { session: { kind: "session", handle: r.session }, message: r.message };
  }

  async accept(
    identity: RemoteIdentity,
    store: RemotePrekeyStore,
    message: Uint8Array,
    options: SessionOptions = {},
  ): Promise<{ session: RemoteSession; plaintext: Uint8Array }> {
    const r = await this.#call<{ session: number; plaintext: Uint8Array }>(
      "session.accept", identity.handle, store.handle, message, options);
    return { session: { kind: "session", handle: r.session }, plaintext: r.plaintext };
  }

  async openSession(blob: Uint8Array, appKey: Uint8Array): Promise<RemoteSession> {
    return { kind: "session", handle: await this.#call<number>("session.open", blob, appKey) };
  }

  encrypt(session: RemoteSession, plaintext: Uint8Array, options: MessageOptions = {}): Promise<Uint8Array> {
    return this.#call("session.encrypt", session.handle, plaintext, options);
  }

  decrypt(session: RemoteSession, message: Uint8Array, options: MessageOptions = {}): Promise<Uint8Array> {
    return this.#call("session.decrypt", session.handle, message, options);
  }

  info(session: RemoteSession, now?: number): Promise<SessionInfo> {
    return this.#call("session.info", session.handle, now);
  }

  safetyNumber(session: RemoteSession): Promise<string> {
    return this.#call("session.safetyNumber", session.handle);
  }

  sas(session: RemoteSession): Promise<Sas> {
    return this.#call("session.sas", session.handle);
  }

  sealSession(session: RemoteSession, appKey: Uint8Array): Promise<Uint8Array> {
    return this.#call("session.seal", session.handle, appKey);
  }

  messageKind(message: Uint8Array): Promise<"initial" | "ratchet"> {
    return this.#call("messageKind", message);
  }

  /** Wipes and releases an object in the worker. */
  dispose(object: RemoteIdentity | RemotePrekeyStore | RemoteSession): Promise<void> {
    return this.#call("dispose", object.handle);
  }

  /** Stops the worker (all its objects are gone with it). */
  terminate(): void {
    this.#worker.terminate?.();
  }
}
