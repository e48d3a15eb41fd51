// Persistence: a random 32-byte demo key in localStorage, and one IndexedDB record holding the
// sealed twofold-pq objects and the (AES-GCM encrypted) transcript.
//
// A real app must keep its key somewhere safer than next to the data it protects: for example
// a non-extractable WebCrypto key that wraps it, or the platform keystore. localStorage is
// readable by any script running on the page.

import { fromHex, toHex } from "./format.js";

const KEY_NAME = "twofold-demo-key";
const DB_NAME = "twofold-demo";
const STORE = "state";
const RECORD = "current";

/** The demo key (created on first use). */
export function demoKey() {
  const saved = localStorage.getItem(KEY_NAME);
  if (saved && /^[0-9a-f]{64}$/.test(saved)) return fromHex(saved);
  const key = crypto.getRandomValues(new Uint8Array(32));
  localStorage.setItem(KEY_NAME, toHex(key));
  return key;
}

export function forgetDemoKey() {
  localStorage.removeItem(KEY_NAME);
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

// The transcript holds plaintext, so it is encrypted too (AES-256-GCM with the demo key).

async function aesKey(key) {
  return crypto.subtle.importKey("raw", key, "AES-GCM", false, ["encrypt", "decrypt"]);
}

export async function encryptJson(key, value) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = new TextEncoder().encode(JSON.stringify(value));
  const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, await aesKey(key), data);
  const out = new Uint8Array(12 + ct.byteLength);
  out.set(iv);
  out.set(new Uint8Array(ct), 12);
  return out;
}

export async function decryptJson(key, blob) {
  const pt = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: blob.subarray(0, 12) },
    await aesKey(key),
    blob.subarray(12),
  );
  return JSON.parse(new TextDecoder().decode(pt));
}
