/**
 * twofold-pq/server: what a server runs on prekey uploads. It keeps the latest upload of each
 * user and a counter of the next leaf, checks each upload with {@link verifyUpload} before it
 * stores it, and hands each initiator the bundle {@link composeBundle} makes of the next leaf
 * (each leaf once, in index order), then of `null` once the leaves are used up. As a
 * directory it files each user's public identity under {@link fingerprintOf}, which is how a
 * compact initial message names its initiator. Nothing here holds a secret or draws
 * randomness; like the rest of the package it only adapts the wasm facade to JavaScript.
 *
 * These functions are a WebAssembly module of their own, so that apps which only run sessions
 * never download them. In browsers and bundlers call this module's `await ready()` once (it
 * also loads the module of `twofold-pq`, whose limits it checks inputs against). In Node the
 * `node` export condition loads both synchronously and `ready()` resolves at once.
 *
 * @packageDocumentation
 */

import init, * as wasm from "../pkg-server/twofold_wasm_server.js";
import { TwofoldError, bounded, callWhen, ready as readyClient } from "./index.js";
import type { BoxInfo, UploadInfo } from "./index.js";
import { isServerInitialized, markServerInitialized } from "./server-init.js";

export type { BoxInfo, UploadInfo };

let readyPromise: Promise<void> | undefined;

/**
 * Loads the server's WebAssembly module, and the module of `twofold-pq` (its `ready()`).
 * Idempotent: every call returns the same promise.
 *
 * @param wasmUrl - Optional location of `twofold_wasm_server_bg.wasm` (defaults to the file
 *   next to the glue code). If the module of `twofold-pq` is served elsewhere too, call its
 *   `ready(url)` first.
 */
export function ready(wasmUrl?: URL | string): Promise<void> {
  readyPromise ??= Promise.all([
    readyClient(),
    isServerInitialized()
      ? undefined
      : init(wasmUrl === undefined ? undefined : { module_or_path: wasmUrl }).then(markServerInitialized),
  ]).then(
    () => undefined,
    (e: unknown) => {
      readyPromise = undefined;
      if (e instanceof TwofoldError) throw e;
      throw new TwofoldError("NOT_READY", `could not load the WebAssembly module: ${String(e)}`);
    },
  );
  return readyPromise;
}

/** Runs `fn` once this module is loaded (the package's shared wrapper). */
const call = <T>(fn: () => T): T => callWhen(isServerInitialized, "twofold-pq/server", fn);

/** Checks an upload: bytes, refused above `constants().maxUploadLength` before wasm sees them. */
const checkUpload = (upload: unknown): Uint8Array => bounded(upload, "upload", "maxUploadLength");

/** Checks a leaf index (or `null`, none) and converts it for the wasm layer. */
function leaf(index: unknown): number | undefined {
  if (index === null) return undefined;
  if (!Number.isInteger(index) || (index as number) < 0) {
    throw new TwofoldError("INVALID_ARGUMENT", "`index` must be a non-negative integer or null");
  }
  // Leaf counts are u16 on the wire, so any index above 0xffff is past the end, like 0xffff.
  return Math.min(index as number, 0xffff);
}

/** Decodes an upload (a server's bookkeeping: owner, batch id, leaf count); verifies nothing. */
export function inspectUpload(upload: Uint8Array): UploadInfo {
  const u = checkUpload(upload);
  return call((): UploadInfo => wasm.inspectUpload(u));
}

/**
 * Verifies an upload's identity binding and signature (`BAD_SIGNATURE` otherwise) and returns
 * what it says: a server's check before it stores the upload (refuse one whose `batchId` is
 * not above the one held). Initiators verify every bundle regardless.
 */
export function verifyUpload(upload: Uint8Array): UploadInfo {
  const u = checkUpload(upload);
  return call((): UploadInfo => wasm.verifyUpload(u));
}

/**
 * The 32-byte fingerprint of an encoded public identity, after verifying its binding
 * signature (`BAD_SIGNATURE` otherwise): what a directory files the identity under. A compact
 * initial message names its initiator by it (`describeMessage(m).handshake.initiatorFingerprint`
 * of `twofold-pq`), and `session.peerFingerprint()` returns it.
 */
export function fingerprintOf(identity: Uint8Array): Uint8Array {
  const id = bounded(identity, "identity", "identityLength");
  return call(() => wasm.fingerprintOf(id));
}

/**
 * The bundle to hand one initiator: with leaf `index` of the upload (its one-time prekeys), or
 * without one-time prekeys for `null`, once `leafCount` leaves are used up. An index at or
 * beyond the leaf count is `LIMIT_EXCEEDED`. Deterministic, signs nothing: every byte of the
 * bundle is covered by the upload's signature. For many bundles of one upload,
 * {@link BundleComposer} decodes and hashes it once.
 */
export function composeBundle(upload: Uint8Array, index: number | null): Uint8Array {
  const u = checkUpload(upload);
  const i = leaf(index);
  return call(() => wasm.composeBundle(u, i));
}

/**
 * The public fields of a sealed box, as `describeBox` of `twofold-pq` gives them: whether it
 * is sender-authenticated, the recipient's prekey ids it names, its `boxId` (SHA-256 of the
 * whole box) and payload length. What a relay can route and drop exact duplicates by; it
 * verifies nothing (only the recipient can).
 */
export function describeBox(sealed: Uint8Array): BoxInfo {
  const b = bounded(sealed, "sealed", "maxSealedBoxLength");
  return call((): BoxInfo => wasm.describeBox(b));
}

/**
 * Composes the bundles of one upload, which it decodes and whose Merkle tree it hashes once:
 * `composer.bundle(i)` equals `composeBundle(upload, i)`. Holds no secret; `dispose()` (or
 * `using`) frees its WebAssembly memory, and later use throws `DISPOSED`.
 */
export class BundleComposer {
  #inner: wasm.BundleComposer | undefined;

  constructor(upload: Uint8Array) {
    const u = checkUpload(upload);
    this.#inner = call(() => new wasm.BundleComposer(u));
  }

  /** The decoded upload; `this` must be a live BundleComposer (else `INVALID_ARGUMENT`, `DISPOSED`). */
  static #of(o: unknown): wasm.BundleComposer {
    const inner = BundleComposer.#checked(o).#inner;
    if (inner === undefined) {
      throw new TwofoldError("DISPOSED", "BundleComposer was disposed and can no longer be used");
    }
    return inner;
  }

  /** `o`, checked to be a BundleComposer, live or disposed (else `INVALID_ARGUMENT`). */
  static #checked(o: unknown): BundleComposer {
    if (typeof o !== "object" || o === null || !(#inner in o)) {
      throw new TwofoldError("INVALID_ARGUMENT", "expected a BundleComposer");
    }
    return o;
  }

  /** The upload's one-time leaves: bundles with one-time prekeys it can compose. */
  get leafCount(): number {
    return call(() => BundleComposer.#of(this).leafCount);
  }

  /** The bundle with leaf `index`, or without one-time prekeys for `null` (as {@link composeBundle}). */
  bundle(index: number | null): Uint8Array {
    const i = leaf(index);
    return call(() => BundleComposer.#of(this).bundle(i));
  }

  /** Whether {@link dispose} was called. */
  get disposed(): boolean {
    return BundleComposer.#checked(this).#inner === undefined;
  }

  /** Frees the decoded upload. Idempotent. */
  dispose(): void {
    const composer = BundleComposer.#checked(this);
    const inner = composer.#inner;
    composer.#inner = undefined;
    inner?.free();
  }

  /** Same as {@link dispose}, for `using` declarations. */
  [Symbol.dispose](): void {
    BundleComposer.prototype.dispose.call(this);
  }
}
