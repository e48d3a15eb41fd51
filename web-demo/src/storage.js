// Persistence: a random 32-byte demo secret in localStorage, two keys derived from it, and one
// IndexedDB record holding the sealed twofold-pq objects and the (AES-GCM encrypted) transcript.
//
// Each key has one purpose: the app key seals identities, the prekey store and sessions
// (twofold-pq's seal/open), and the transcript key encrypts the transcript with AES-256-GCM.
// Both come from the secret through HKDF-SHA-256 with distinct labels, so neither is ever used
// by the other's algorithm.
//
// A real app must keep its secret somewhere safer than next to the data it protects: for
// example a non-extractable WebCrypto key that wraps it, or the platform keystore. localStorage
// is readable by any script running on the page.

import { constants } from "twofold-pq";
import { fromHex, toHex, utf8 } from "./format.js";

const SECRET_NAME = "twofold-demo-secret";
/** Where earlier versions of the page kept a key they used directly for everything. */
const LEGACY_KEY_NAME = "twofold-demo-key";
const DB_NAME = "twofold-demo";
const STORE = "state";
const RECORD = "current";

/**
 * The version of the saved record (3: the server keeps uploads; 4: sessions keep the peer's
 * fingerprint, and the server is a directory); records of other versions are not opened.
 */
export const RECORD_VERSION = 4;

export const APP_KEY_INFO = "twofold-demo v1 app key";
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

export function forgetDemoSecret() {
  localStorage.removeItem(SECRET_NAME);
  localStorage.removeItem(LEGACY_KEY_NAME);
}

/**
 * The two keys of a 32-byte secret: { appKey } (for twofold-pq's seal and open) and
 * { transcriptKey } (a non-extractable AES-256-GCM CryptoKey). The secret is uniformly random,
 * so HKDF needs no salt (RFC 5869, section 3.1); the info labels keep the keys apart.
 */
export async function deriveDemoKeys(secret) {
  const ikm = await crypto.subtle.importKey("raw", secret, "HKDF", false, ["deriveBits", "deriveKey"]);
  const hkdf = (info) => ({ name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: utf8(info) });
  const bits = constants().appKeyLength * 8;
  const appKey = new Uint8Array(await crypto.subtle.deriveBits(hkdf(APP_KEY_INFO), ikm, bits));
  const transcriptKey = await crypto.subtle.deriveKey(
    hkdf(TRANSCRIPT_KEY_INFO),
    ikm,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
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

function openDb() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function withStore(mode, fn) {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = fn(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

export const loadRecord = () => withStore("readonly", (s) => s.get(RECORD));
export const saveRecord = (record) => withStore("readwrite", (s) => s.put(record, RECORD));
export const clearRecord = () => withStore("readwrite", (s) => s.delete(RECORD));

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
