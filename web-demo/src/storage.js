// Persistence. Alice's and Bob's state (identity, prekeys, sessions) lives in two
// twofold-pq stores (`twofold-pq/store`), each in its own IndexedDB database: every
// state-changing call goes through the store, which commits before it returns. The page's
// own state (chats, the server's queue and log, the timeline) is one AES-GCM encrypted record
// in a third database, written through the same package's `IndexedDbBackend`. This file holds
// no IndexedDB code of its own.
//
// Keys: a random 32-byte demo secret in localStorage, and two keys derived from it with
// HKDF-SHA-256 under distinct labels, each non-extractable and used for one purpose: the app
// key (an AES-GCM CryptoKey: the stores seal under a random sealing key that they keep only
// wrapped by it, inside WebCrypto) and the transcript key (AES-256-GCM, for the page's record).
// A real app must keep its secret somewhere safer than next to the data it protects (the
// platform keystore, or a non-extractable key generated once and kept in IndexedDB):
// localStorage is readable by any script running on the page.

import { IndexedDbBackend } from "twofold-pq/store";
import { fromHex, toHex, utf8 } from "./format.js";

const SECRET_NAME = "twofold-demo-secret";
/** Where earlier versions of the page kept a key they used directly for everything. */
const LEGACY_KEY_NAME = "twofold-demo-key";
/** The database earlier versions of the page wrote with IndexedDB code of their own. */
export const LEGACY_DB = "twofold-demo";

/** The databases: one store per party, and the page's record. */
export const DB = { Alice: "twofold-demo-alice", Bob: "twofold-demo-bob", page: "twofold-demo-page" };
const RECORD = "record";

/**
 * The version of the page's record (5: the parties' state is in twofold-pq stores); records
 * of other versions are not opened.
 */
export const RECORD_VERSION = 5;

export const APP_KEY_INFO = "twofold-demo v2 app key";
export const TRANSCRIPT_KEY_INFO = "twofold-demo v1 transcript key";

/** The demo secret (created on first use). */
function demoSecret() {
  localStorage.removeItem(LEGACY_KEY_NAME);
  const saved = localStorage.getItem(SECRET_NAME);
  if (saved && /^[0-9a-f]{64}$/.test(saved)) return fromHex(saved);
  const secret = crypto.getRandomValues(new Uint8Array(32));
  localStorage.setItem(SECRET_NAME, toHex(secret));
  return secret;
}

/** What identifies the demo secret now (shared by every tab): a reset in any tab changes it. */
export const secretTag = () => localStorage.getItem(SECRET_NAME);

export function forgetDemoSecret() {
  localStorage.removeItem(SECRET_NAME);
  localStorage.removeItem(LEGACY_KEY_NAME);
}

/**
 * The two keys of a 32-byte secret, both non-extractable AES-256-GCM CryptoKeys: { appKey }
 * (for the twofold-pq stores) and { transcriptKey } (for the page's record). The secret is
 * uniformly random, so HKDF needs no salt (RFC 5869, section 3.1); the info labels keep the
 * keys apart.
 */
export async function deriveDemoKeys(secret) {
  const ikm = await crypto.subtle.importKey("raw", secret, "HKDF", false, ["deriveKey"]);
  const aes = (info) =>
    crypto.subtle.deriveKey(
      { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: utf8(info) },
      ikm,
      { name: "AES-GCM", length: 256 },
      false,
      ["encrypt", "decrypt"],
    );
  const [appKey, transcriptKey] = await Promise.all([aes(APP_KEY_INFO), aes(TRANSCRIPT_KEY_INFO)]);
  return { appKey, transcriptKey };
}

/** The demo's keys, derived from the secret in localStorage (created on first use). */
export async function demoKeys() {
  const secret = demoSecret();
  try {
    return await deriveDemoKeys(secret);
  } finally {
    secret.fill(0);
  }
}

/** The backend of `name` (`DB.Alice`, `DB.Bob` or `DB.page`). */
export const openBackend = (name) => IndexedDbBackend.open(name);

/** Whether a backend holds anything. */
export const isEmpty = async (backend) => (await backend.keys("")).length === 0;

/** Deletes everything a backend holds, in one commit. */
export async function wipeBackend(backend) {
  const keys = await backend.keys("");
  if (keys.length > 0) await backend.commit(keys.map((k) => [k, undefined]));
}

/** The total size of what a backend holds (sealed blobs are opaque: this is what is stored). */
export async function storedBytes(backend) {
  let n = 0;
  for (const k of await backend.keys("")) n += (await backend.get(k))?.length ?? 0;
  return n;
}

/** The page's record in `backend`: { version, seq, transcript } or undefined. */
export async function loadRecord(backend) {
  const bytes = await backend.get(RECORD);
  if (bytes === undefined) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(bytes), (k, v) => (k === "transcript" ? fromHex(v) : v));
  } catch {
    return { version: 0 };
  }
}

export const saveRecord = (backend, record) =>
  backend.commit([[RECORD, utf8(JSON.stringify({ ...record, transcript: toHex(record.transcript) }))]]);

// The transcript holds plaintext, so it is encrypted too (AES-256-GCM with the transcript key).

export async function encryptJson(transcriptKey, value) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = utf8(JSON.stringify(value));
  const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, transcriptKey, data);
  const out = new Uint8Array(12 + ct.byteLength);
  out.set(iv);
  out.set(new Uint8Array(ct), 12);
  return out;
}

export async function decryptJson(transcriptKey, blob) {
  const pt = await crypto.subtle.decrypt({ name: "AES-GCM", iv: blob.subarray(0, 12) }, transcriptKey, blob.subarray(12));
  return JSON.parse(new TextDecoder().decode(pt));
}
