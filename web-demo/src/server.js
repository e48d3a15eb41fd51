// "The server": keeps each user's latest prekey upload with a next-leaf counter, composes the
// bundles it hands out from it, relays messages through a queue, and is the directory: each
// user's public identity, filed under its fingerprint. It only ever holds bytes and needs no
// secret: it reads only what is sent in clear (the upload's public facts, the message header),
// exactly as a real relay could.

import { constants, describeMessage as describe } from "twofold-pq";
import { composeBundle, fingerprintOf, verifyUpload } from "twofold-pq/server";
import { fromHex, toHex } from "./format.js";

// Bytes a PQ chunk adds to a message header (its epoch, its index and 34 bytes of the
// erasure-coded object), as the package reports it; a function, because the module may load
// before `ready()`.
export const pqChunkBytes = () => constants().headerChunkLength;

/** The most a ratchet message adds to its plaintext: header, a PQ chunk if `withChunk`, tag. */
export function ratchetOverheadBytes(withChunk) {
  const c = constants();
  return c.headerLength + (withChunk ? c.headerChunkLength : 0) + c.aeadTagLength;
}

/** "PQ key chunk 3 of epoch 1": the public fields of the chunk a message carries. */
export const chunkName = (chunk) => `PQ ${chunk.kind} chunk ${chunk.index} of epoch ${chunk.epoch}`;

/**
 * Bytes a ratchet message adds to its plaintext (header, PQ chunk if any, tag), from what the
 * server can read; `null` for an initial message, which also carries the handshake.
 */
export function overheadBytes(item) {
  if (item.kind !== "ratchet" || item.ciphertextLength === undefined) return null;
  return item.bytes.length - (item.ciphertextLength - constants().aeadTagLength);
}

/** What anyone on the wire can read from a message without keys (the package decodes it). */
export function describeMessage(bytes) {
  let d;
  try {
    d = describe(bytes);
  } catch {
    return { kind: "unknown" };
  }
  // The initiator's key and fingerprint as hex (the transcript is saved as JSON).
  const h = d.handshake;
  return {
    kind: d.kind,
    handshake: h && { ...h, initiatorKey: toHex(h.initiatorKey), initiatorFingerprint: toHex(h.initiatorFingerprint) },
    ratchetKey: toHex(d.ratchetKey.subarray(0, 4)),
    previousChainLength: d.previousChainLength,
    index: d.index,
    pqChunk: d.pqChunk,
    pqMix: d.pqMix,
    ciphertextLength: d.ciphertextLength,
  };
}

/**
 * A copy of `bytes` with one bit flipped in the last encrypted byte before the tag: with a
 * bare stream cipher this would flip the same bit of the plaintext.
 */
export function tamper(bytes) {
  const copy = bytes.slice();
  const at = Math.max(0, copy.length - constants().aeadTagLength - 1);
  copy[at] ^= 0x01;
  return { bytes: copy, at };
}

/** "leaf 3 of the batch's 10", or what a bundle without one-time prekeys means. */
export const leafName = (bundle) =>
  bundle.index === null
    ? `no one-time prekeys (the batch's ${bundle.leafCount} leaves are used up)`
    : `leaf ${bundle.index} of the batch's ${bundle.leafCount}`;

const KEEP_DELIVERED = 14;
const KEEP_HANDED_OUT = 4;

export class Server {
  constructor() {
    this.uploads = {}; // per user: the latest upload, its public facts and the next leaf
    this.directory = {}; // hex fingerprint → { user, bytes }: each user's public identity
    this.handedOut = []; // bundles composed and handed out, most recent first
    this.queue = [];
    this.delivered = []; // most recent first
    this.nextId = 1;
    this.nextBundleId = 1;
  }

  /**
   * Checks `user`'s upload (identity binding and signature: verifyUpload throws its
   * TwofoldError otherwise) and keeps it in place of the previous one, with the leaf counter
   * back at 0. An upload of an older batch than the one held is refused.
   */
  storeUpload(user, bytes) {
    const info = verifyUpload(bytes);
    const held = this.uploads[user];
    if (held && info.batchId <= held.batchId) {
      throw new Error(`upload of batch ${info.batchId} is not newer than batch ${held.batchId}`);
    }
    const { batchId, leafCount, signedPrekeyId, createdAt } = info;
    this.uploads[user] = { bytes, batchId, leafCount, signedPrekeyId, createdAt, nextLeaf: 0 };
    return this.uploads[user];
  }

  /**
   * Files `user`'s public identity in the directory under its fingerprint (fingerprintOf
   * verifies its binding signature first, as a real directory would). Returns the hex key.
   */
  register(user, identity) {
    const fingerprint = toHex(fingerprintOf(identity));
    this.directory[fingerprint] = { user, bytes: identity };
    return fingerprint;
  }

  /** The directory's answer for a hex fingerprint: the identity filed under it, if any. */
  lookup(fingerprint) {
    return this.directory[fingerprint]?.bytes;
  }

  /**
   * Composes the next bundle of `user` for `to`: the next unused leaf (each is handed out
   * once, in order) or, once they are used up, a bundle without one-time prekeys.
   */
  takeBundle(user, to) {
    const upload = this.uploads[user];
    if (!upload) return undefined;
    const index = upload.nextLeaf < upload.leafCount ? upload.nextLeaf++ : null;
    const bundle = {
      id: this.nextBundleId++,
      user,
      to,
      index,
      batchId: upload.batchId,
      leafCount: upload.leafCount,
      bytes: composeBundle(upload.bytes, index),
    };
    this.handedOut.unshift(bundle);
    this.handedOut.length = Math.min(this.handedOut.length, KEEP_HANDED_OUT);
    return bundle;
  }

  /** A dishonest server composes leaf `index` of `user`'s upload again (no counter moves). */
  composeAgain(user, index) {
    return composeBundle(this.uploads[user].bytes, index);
  }

  /** Queues bytes from one party to the other; `extra` marks replays and tampered copies. */
  enqueue(from, to, bytes, extra = {}) {
    const item = { id: this.nextId++, from, to, bytes, ...describeMessage(bytes), ...extra };
    this.queue.push(item);
    return item;
  }

  /** Queues a copy of `item` with one bit flipped, placed just before it. */
  enqueueTampered(item) {
    const { bytes, at } = tamper(item.bytes);
    const copy = {
      ...item,
      id: this.nextId++,
      bytes,
      tamperedAt: at,
      copyOf: item.id,
    };
    const pos = this.queue.indexOf(item);
    this.queue.splice(pos < 0 ? this.queue.length : pos, 0, copy);
    return copy;
  }

  /** Replaces a queued item by a tampered version of itself. */
  tamperInPlace(id) {
    const item = this.queue.find((m) => m.id === id);
    if (!item) return undefined;
    const { bytes, at } = tamper(item.bytes);
    item.bytes = bytes;
    item.tamperedAt = at;
    return item;
  }

  take(id) {
    const pos = this.queue.findIndex((m) => m.id === id);
    return pos < 0 ? undefined : this.queue.splice(pos, 1)[0];
  }

  find(id) {
    return this.queue.find((m) => m.id === id) ?? this.delivered.find((m) => m.id === id);
  }

  recordDelivery(item, outcome) {
    this.delivered.unshift({ ...item, outcome });
    this.delivered.length = Math.min(this.delivered.length, KEEP_DELIVERED);
  }

  toJSON() {
    const msg = ({ bytes, ...rest }) => ({ ...rest, bytes: toHex(bytes) });
    return {
      uploads: Object.fromEntries(Object.entries(this.uploads).map(([user, u]) => [user, msg(u)])),
      directory: Object.fromEntries(Object.entries(this.directory).map(([fp, e]) => [fp, msg(e)])),
      handedOut: this.handedOut.map(msg),
      queue: this.queue.map(msg),
      delivered: this.delivered.map(msg),
      nextId: this.nextId,
      nextBundleId: this.nextBundleId,
    };
  }

  static fromJSON(json) {
    const s = new Server();
    const msg = ({ bytes, ...rest }) => ({ ...rest, bytes: fromHex(bytes) });
    s.uploads = Object.fromEntries(Object.entries(json.uploads).map(([user, u]) => [user, msg(u)]));
    s.directory = Object.fromEntries(Object.entries(json.directory).map(([fp, e]) => [fp, msg(e)]));
    s.handedOut = json.handedOut.map(msg);
    s.queue = json.queue.map(msg);
    s.delivered = json.delivered.map(msg);
    s.nextId = json.nextId;
    s.nextBundleId = json.nextBundleId;
    return s;
  }
}
