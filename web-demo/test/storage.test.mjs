// The demo's keys (src/storage.js): two keys derived from the demo secret with HKDF-SHA-256,
// one per purpose, checked against node:crypto's own HKDF.
import assert from "node:assert/strict";
import { hkdfSync, randomBytes } from "node:crypto";
import { test } from "node:test";
import { APP_KEY_INFO, TRANSCRIPT_KEY_INFO, decryptJson, deriveDemoKeys, encryptJson } from "../src/storage.js";

const hkdf = (secret, info) => new Uint8Array(hkdfSync("sha256", secret, new Uint8Array(0), info, 32));
const secret = new Uint8Array(randomBytes(32));

test("one label per purpose", () => {
  assert.equal(APP_KEY_INFO, "twofold-demo v1 app key");
  assert.equal(TRANSCRIPT_KEY_INFO, "twofold-demo v1 transcript key");
  assert.notEqual(APP_KEY_INFO, TRANSCRIPT_KEY_INFO);
});

test("the app key is HKDF-SHA-256(secret, info = the app key label), 32 bytes", async () => {
  const { appKey } = await deriveDemoKeys(secret);
  assert.ok(appKey instanceof Uint8Array);
  assert.deepEqual(appKey, hkdf(secret, APP_KEY_INFO));
  assert.notDeepEqual(appKey, secret, "the secret itself is never a key");
});

test("the transcript key is a non-extractable AES-256-GCM key from the transcript label", async () => {
  const { transcriptKey } = await deriveDemoKeys(secret);
  assert.equal(transcriptKey.type, "secret");
  assert.equal(transcriptKey.extractable, false);
  assert.deepEqual(transcriptKey.algorithm, { name: "AES-GCM", length: 256 });
  assert.deepEqual([...transcriptKey.usages].sort(), ["decrypt", "encrypt"]);
  // Same key as HKDF with the transcript label gives: what one encrypts, the other decrypts.
  const expected = await crypto.subtle.importKey("raw", hkdf(secret, TRANSCRIPT_KEY_INFO), "AES-GCM", false, ["encrypt", "decrypt"]);
  const value = { aliceChat: [{ kind: "sent", text: "Hi Bob! It's Alice." }], nextStep: 7 };
  assert.deepEqual(await decryptJson(expected, await encryptJson(transcriptKey, value)), value);
});

test("each key serves one purpose: neither the app key nor the secret opens the transcript", async () => {
  const { appKey, transcriptKey } = await deriveDemoKeys(secret);
  const blob = await encryptJson(transcriptKey, { text: "secret" });
  for (const raw of [appKey, secret]) {
    const wrong = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["decrypt"]);
    await assert.rejects(decryptJson(wrong, blob));
  }
});

test("the keys depend on the secret and nothing else", async () => {
  const again = await deriveDemoKeys(secret.slice());
  const first = await deriveDemoKeys(secret);
  assert.deepEqual(again.appKey, first.appKey);
  const other = await deriveDemoKeys(new Uint8Array(randomBytes(32)));
  assert.notDeepEqual(other.appKey, first.appKey);
});
