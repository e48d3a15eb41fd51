// The demo's keys (src/storage.js): two non-extractable AES-256-GCM keys derived from the demo
// secret with HKDF-SHA-256, one per purpose, checked against node:crypto's own HKDF; and the
// page's record, written through twofold-pq's MemoryBackend.
import assert from "node:assert/strict";
import { hkdfSync, randomBytes } from "node:crypto";
import { test } from "node:test";
import { MemoryBackend } from "twofold-pq/store";
import {
  APP_KEY_INFO,
  TRANSCRIPT_KEY_INFO,
  decryptJson,
  deriveDemoKeys,
  encryptJson,
  isEmpty,
  loadRecord,
  saveRecord,
  storedBytes,
  wipeBackend,
} from "../src/storage.js";

const hkdf = (secret, info) => new Uint8Array(hkdfSync("sha256", secret, new Uint8Array(0), info, 32));
const secret = new Uint8Array(randomBytes(32));
const importAes = (raw) => crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);

test("one label per purpose", () => {
  assert.equal(APP_KEY_INFO, "twofold-demo v2 app key");
  assert.equal(TRANSCRIPT_KEY_INFO, "twofold-demo v1 transcript key");
  assert.notEqual(APP_KEY_INFO, TRANSCRIPT_KEY_INFO);
});

for (const [name, info] of [["appKey", APP_KEY_INFO], ["transcriptKey", TRANSCRIPT_KEY_INFO]]) {
  test(`${name} is a non-extractable AES-256-GCM key, HKDF-SHA-256(secret, info = its label)`, async () => {
    const key = (await deriveDemoKeys(secret))[name];
    assert.equal(key.type, "secret");
    assert.equal(key.extractable, false);
    assert.deepEqual(key.algorithm, { name: "AES-GCM", length: 256 });
    assert.deepEqual([...key.usages].sort(), ["decrypt", "encrypt"]);
    // Same key as HKDF with the label gives: what one encrypts, the other decrypts.
    const value = { aliceChat: [{ kind: "sent", text: "Hi Bob! It's Alice." }], nextStep: 7 };
    assert.deepEqual(await decryptJson(await importAes(hkdf(secret, info)), await encryptJson(key, value)), value);
  });
}

test("each key serves one purpose: neither the app key nor the secret opens the transcript", async () => {
  const { appKey, transcriptKey } = await deriveDemoKeys(secret);
  const blob = await encryptJson(transcriptKey, { text: "secret" });
  await assert.rejects(decryptJson(appKey, blob));
  for (const raw of [hkdf(secret, APP_KEY_INFO), secret]) await assert.rejects(decryptJson(await importAes(raw), blob));
});

test("the keys depend on the secret and nothing else", async () => {
  const blob = await encryptJson((await deriveDemoKeys(secret)).transcriptKey, { n: 1 });
  assert.deepEqual(await decryptJson((await deriveDemoKeys(secret.slice())).transcriptKey, blob), { n: 1 });
  const other = await deriveDemoKeys(new Uint8Array(randomBytes(32)));
  await assert.rejects(decryptJson(other.transcriptKey, blob));
});

test("the page's record round-trips through a backend; wiping empties it", async () => {
  const backend = new MemoryBackend();
  assert.equal(await isEmpty(backend), true);
  assert.equal(await loadRecord(backend), undefined);
  const transcript = new Uint8Array(randomBytes(40));
  await saveRecord(backend, { version: 5, seq: 3, savedAt: 1, transcript });
  assert.deepEqual(await loadRecord(backend), { version: 5, seq: 3, savedAt: 1, transcript });
  assert.ok((await storedBytes(backend)) > transcript.length);
  await backend.commit([["other", new Uint8Array(3)]]);
  await wipeBackend(backend);
  assert.equal(await isEmpty(backend), true);
  // A record that is not ours reads as version 0 (set aside), never as a crash.
  await backend.commit([["record", new Uint8Array([0xff, 0x00])]]);
  assert.deepEqual(await loadRecord(backend), { version: 0 });
});
