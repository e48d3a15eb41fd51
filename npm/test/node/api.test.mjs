// The public API in Node, against the freshly built package (imported by its name, through
// the package's own "exports" map).
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  ERROR_CODES,
  Identity,
  PrekeyStore,
  Session,
  TwofoldError,
  describeMessage,
  messageKind,
  constants,
  isInitialized,
  ready,
  version,
} from "twofold-pq";

const enc = new TextEncoder();
const dec = new TextDecoder();

function pair(options = {}) {
  const bob = Identity.generate();
  const store = PrekeyStore.generate(bob, { oneTime: 2 });
  const alice = Identity.generate();
  const { session: a, message } = Session.initiate(alice, store.bundle(), enc.encode("hi"), options);
  const { session: b, plaintext } = Session.accept(bob, store, message, options);
  return { alice, bob, store, a, b, message, plaintext };
}

function throwsCode(fn, code) {
  assert.throws(fn, (e) => e instanceof TwofoldError && e.code === code, `expected ${code}`);
}

test("ready() is idempotent and resolves in Node", async () => {
  // Node loads the module on import: already initialised, ready() hands back one promise.
  assert.equal(isInitialized(), true);
  const first = ready();
  assert.strictEqual(ready(), first);
  assert.equal(await first, undefined);
  assert.match(version(), /^\d+\.\d+\.\d+/);
});

test("handshake and messages in both directions", () => {
  const { a, b, plaintext, message } = pair();
  assert.equal(dec.decode(plaintext), "hi");
  assert.equal(messageKind(message), "initial");
  const r = b.encrypt(enc.encode("hello Alice"));
  assert.equal(messageKind(r), "ratchet");
  assert.equal(dec.decode(a.decrypt(r)), "hello Alice");
  const m = a.encrypt(enc.encode("hello Bob"));
  assert.equal(dec.decode(b.decrypt(m)), "hello Bob");
  assert.equal(a.safetyNumber(), b.safetyNumber());
  assert.match(a.safetyNumber(), /^(\d{5} ){11}\d{5}$/);
  assert.deepEqual(a.sas(), b.sas());
  assert.ok(b.matchesSafetyQr(a.safetyQr()));
});

test("describeMessage reads what a server sees", () => {
  const { b, message } = pair();
  const d = describeMessage(message);
  assert.equal(d.kind, "initial");
  assert.deepEqual(d.handshake, { signedPrekeyId: 1, oneTimePrekeyId: 1, kemPrekeyKind: "one-time", kemPrekeyId: 1 });
  assert.deepEqual(d.pqChunk, { kind: "key", epoch: 1, index: 0 });
  assert.equal(d.pqMix, false);
  assert.equal(b.info().newChainNext, true);
  assert.equal(b.info().pqChunksReceived, 1);
  assert.equal(b.info().pqChunksNeeded, 36);
  const r = describeMessage(b.encrypt(enc.encode("12345")));
  assert.equal(r.kind, "ratchet");
  assert.equal(r.pqChunk, null);
  assert.equal(r.ciphertextLength, 5 + constants().aeadTagLength);
  assert.equal(r.ratchetKey.length, 32);
});

test("a tampered message fails with AUTH_FAILED and changes nothing", () => {
  const { a, b } = pair();
  const m = b.encrypt(enc.encode("one"));
  const bad = m.slice();
  bad[bad.length - 1] ^= 1;
  throwsCode(() => a.decrypt(bad), "AUTH_FAILED");
  assert.equal(dec.decode(a.decrypt(m)), "one");
  throwsCode(() => a.decrypt(m), "DUPLICATE_MESSAGE");
});

test("associated data must match", () => {
  const { a, b } = pair();
  const ad = enc.encode("channel-7");
  const m = b.encrypt(enc.encode("x"), { associatedData: ad });
  throwsCode(() => a.decrypt(m), "AUTH_FAILED");
  assert.equal(dec.decode(a.decrypt(m, { associatedData: ad })), "x");
});

test("sealed state round trips; a wrong key is AUTH_FAILED", () => {
  const { a, b } = pair();
  const key = new Uint8Array(32).fill(7);
  const blob = a.seal(key);
  const wrong = new Uint8Array(32).fill(8);
  throwsCode(() => Session.open(blob, wrong), "AUTH_FAILED");
  throwsCode(() => Session.open(blob, new Uint8Array(constants().appKeyLength - 1)), "INVALID_ARGUMENT");
  const restored = Session.open(blob, key);
  assert.equal(dec.decode(restored.decrypt(b.encrypt(enc.encode("after load")))), "after load");
});

test("no wasm handle is reachable from the public objects", () => {
  const { a, store, alice } = pair();
  for (const o of [a, store, alice]) {
    const names = [...Object.getOwnPropertyNames(o), ...Object.getOwnPropertyNames(Object.getPrototypeOf(o))];
    assert.ok(!names.some((n) => /wasm|inner|handle/i.test(n)), names.join(","));
  }
});

test("oversized input is refused before it reaches wasm memory", () => {
  const { a } = pair();
  throwsCode(() => a.decrypt(new Uint8Array(constants().maxMessageLength + 1)), "TOO_LARGE");
  throwsCode(() => a.encrypt(new Uint8Array(constants().maxPlaintextLength + 1)), "TOO_LARGE");
  assert.equal(messageKind(Uint8Array.of(2, 4, 1, ...new Uint8Array(100))), "ratchet");
  throwsCode(() => messageKind(Uint8Array.of(1, 4, 1, ...new Uint8Array(100))), "UNSUPPORTED_VERSION");
});

test("disposed objects throw DISPOSED", () => {
  const { a } = pair();
  a.dispose();
  a.dispose();
  assert.equal(a.disposed, true);
  throwsCode(() => a.encrypt(enc.encode("x")), "DISPOSED");
  const id = Identity.generate();
  id[Symbol.dispose]();
  throwsCode(() => id.publicKey, "DISPOSED");
});

test("arguments of the wrong type are INVALID_ARGUMENT", () => {
  const { a } = pair();
  throwsCode(() => a.encrypt("text"), "INVALID_ARGUMENT");
  throwsCode(() => a.decrypt([1, 2, 3]), "INVALID_ARGUMENT");
  throwsCode(() => a.encrypt(enc.encode("x"), { now: -1 }), "INVALID_ARGUMENT");
});

test("the TypeScript error-code list is the set the wasm layer can throw", async () => {
  const wasm = await import("../../pkg/twofold_wasm.js");
  assert.deepEqual([...wasm.errorCodes()].sort(), ERROR_CODES.filter((c) => c !== "NOT_READY").sort());
});
