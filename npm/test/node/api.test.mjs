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
  inspectBundle,
  messageKind,
  constants,
  isInitialized,
  ready,
  version,
} from "twofold-pq";
import * as server from "twofold-pq/server";
const { BundleComposer, composeBundle, fingerprintOf, inspectUpload, verifyUpload } = server;

const enc = new TextEncoder();
const dec = new TextDecoder();
const DAY = 86400;

/** A handshake in the compact form: Bob's directory has Alice's identity. */
function pair() {
  const bob = Identity.generate();
  const store = PrekeyStore.generate(bob);
  const bundle = composeBundle(store.upload({ oneTime: 2 }), 0);
  const alice = Identity.generate();
  const { session: a, message } = Session.initiate(alice, bundle, enc.encode("hi"));
  const { session: b, plaintext } = Session.accept(bob, store, message, { initiatorIdentity: alice.publicKey });
  return { alice, bob, store, bundle, a, b, message, plaintext };
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

test("twofold-pq/server: ready() resolves in Node; its errors are the package's TwofoldError", async () => {
  const first = server.ready();
  assert.strictEqual(server.ready(), first);
  assert.equal(await first, undefined);
  // An error of the server's wasm module is the package's TwofoldError with its code.
  assert.throws(() => inspectUpload(Uint8Array.of(2, 2, 1)), (e) => e instanceof TwofoldError && e.code === "WRONG_OBJECT_TYPE");
  assert.deepEqual(Object.keys(server).sort(), ["BundleComposer", "composeBundle", "describeBox", "fingerprintOf", "inspectUpload", "ready", "verifyUpload"]);
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

test("upload -> composeBundle for every leaf, then none -> initiate and accept", () => {
  const now = Math.floor(Date.now() / 1000);
  const bob = Identity.generate();
  const store = PrekeyStore.generate(bob, { now });
  const fresh = store.info();
  assert.equal(fresh.signedPrekeyCreatedAt, now);
  assert.deepEqual([fresh.oneTimeHeld, fresh.oneTimeKemHeld, fresh.nextBatchId], [0, 0, 1]);
  assert.equal(fresh.hasPreviousSignedPrekey, false);
  for (const gone of ["oneTimeAvailable", "oneTimeIssued", "oneTimeKemAvailable", "oneTimeKemIssued"]) {
    assert.ok(!(gone in fresh), gone);
  }
  assert.equal(typeof store.bundle, "undefined");
  assert.equal(typeof store.addOneTimePrekeys, "undefined");

  // Three leaves, of which the first two have a one-time ML-KEM prekey.
  const upload = store.upload({ oneTime: 3, kem: 2 });
  assert.deepEqual(verifyUpload(upload), inspectUpload(upload));
  const u = inspectUpload(upload);
  assert.deepEqual(u.identity, bob.publicKey);
  assert.deepEqual([u.batchId, u.leafCount, u.createdAt, u.signedPrekeyId], [1, 3, now, fresh.signedPrekeyId]);
  assert.deepEqual([store.info().oneTimeHeld, store.info().oneTimeKemHeld, store.info().nextBatchId], [3, 2, 2]);

  const alice = Identity.generate();
  const initiatorIdentity = alice.publicKey;
  for (const index of [0, 1, 2, null, null]) {
    const bundle = composeBundle(upload, index);
    assert.deepEqual(composeBundle(upload, index), bundle, "composition is deterministic");
    const b = inspectBundle(bundle);
    assert.equal(b.batchId, 1);
    assert.equal(b.createdAt, now);
    assert.equal(b.oneTimePrekeyId, index === null ? null : index + 1);
    assert.equal(b.oneTimeKemPrekeyId, index === null || index >= 2 ? null : index + 1);
    const text = `leaf ${index}`;
    const { session: a, message } = Session.initiate(alice, bundle, enc.encode(text), { now });
    const { session: s, plaintext } = Session.accept(bob, store, message, { now, initiatorIdentity });
    assert.equal(dec.decode(plaintext), text);
    assert.equal(dec.decode(a.decrypt(s.encrypt(enc.encode("ok")))), "ok");
    a.dispose();
    s.dispose();
  }
  // Every one-time prekey was used; the two handshakes without one are in the replay cache.
  assert.deepEqual([store.info().oneTimeHeld, store.info().oneTimeKemHeld, store.info().replayCacheLength], [0, 0, 2]);

  // An empty batch is enough after a rotation: bundles without one-time prekeys, new ids.
  store.rotateSignedPrekeys(now + 1);
  const empty = store.upload({ oneTime: 0 });
  assert.deepEqual([inspectUpload(empty).leafCount, inspectUpload(empty).batchId], [0, 2]);
  assert.equal(inspectBundle(composeBundle(empty, null)).signedPrekeyId, fresh.signedPrekeyId + 1);
  assert.equal(inspectUpload(store.upload()).leafCount, constants().defaultOneTimePrekeys);
});

test("composeBundle: an index at or past the leaf count is LIMIT_EXCEEDED; bad indices INVALID_ARGUMENT", () => {
  const store = PrekeyStore.generate(Identity.generate());
  const upload = store.upload({ x25519: 2, kem: 0 });
  assert.equal(inspectUpload(upload).leafCount, 2);
  assert.equal(inspectBundle(composeBundle(upload, 1)).oneTimeKemPrekeyId, null);
  for (const index of [2, 3, 1000, 0xffff, 0x10000, 2 ** 40]) throwsCode(() => composeBundle(upload, index), "LIMIT_EXCEEDED");
  throwsCode(() => composeBundle(store.upload({ oneTime: 0 }), 0), "LIMIT_EXCEEDED");
  for (const index of [-1, 0.5, NaN, Infinity, "0", undefined]) throwsCode(() => composeBundle(upload, index), "INVALID_ARGUMENT");
  throwsCode(() => composeBundle(new Uint8Array(constants().maxUploadLength + 1), 0), "TOO_LARGE");
  throwsCode(() => inspectUpload(new Uint8Array(constants().maxUploadLength + 1)), "TOO_LARGE");
  throwsCode(() => inspectUpload(composeBundle(upload, 0)), "WRONG_OBJECT_TYPE");
  // The batch limit and the counts' range.
  const max = constants().maxBatchLeaves;
  throwsCode(() => store.upload({ oneTime: max + 1 }), "LIMIT_EXCEEDED");
  throwsCode(() => store.upload({ oneTime: 0, kem: max + 1 }), "LIMIT_EXCEEDED");
  for (const bad of [-1, 1.5, "3", 2 ** 32, NaN]) {
    throwsCode(() => store.upload({ oneTime: bad }), "INVALID_ARGUMENT");
    throwsCode(() => store.upload({ x25519: bad }), "INVALID_ARGUMENT");
    throwsCode(() => store.upload({ kem: bad }), "INVALID_ARGUMENT");
  }
  // A rejected upload() changed nothing.
  assert.equal(store.info().nextBatchId, 3);
});

test("BundleComposer composes what composeBundle does; disposed, it throws DISPOSED", () => {
  const upload = PrekeyStore.generate(Identity.generate()).upload({ oneTime: 5, kem: 3 });
  const composer = new BundleComposer(upload);
  assert.equal(composer.leafCount, 5);
  for (const index of [0, 1, 2, 3, 4, null]) assert.deepEqual(composer.bundle(index), composeBundle(upload, index));
  throwsCode(() => composer.bundle(5), "LIMIT_EXCEEDED");
  throwsCode(() => composer.bundle(-1), "INVALID_ARGUMENT");
  assert.equal(composer.disposed, false);
  composer[Symbol.dispose]();
  composer.dispose();
  assert.equal(composer.disposed, true);
  throwsCode(() => composer.bundle(0), "DISPOSED");
  throwsCode(() => composer.leafCount, "DISPOSED");
  throwsCode(() => new BundleComposer(upload.subarray(0, 50)), "TRUNCATED");
  throwsCode(() => new BundleComposer("upload"), "INVALID_ARGUMENT");
});

test("verifyUpload refuses a tampered upload with BAD_SIGNATURE", () => {
  const upload = PrekeyStore.generate(Identity.generate()).upload({ oneTime: 2 });
  const bad = upload.slice();
  bad[bad.length - 1] ^= 1; // inside the last leaf's ML-KEM key
  assert.equal(inspectUpload(bad).leafCount, 2, "it still decodes");
  throwsCode(() => verifyUpload(bad), "BAD_SIGNATURE");
  // A server that composes from it anyway hands out a bundle that initiators refuse.
  throwsCode(() => Session.initiate(Identity.generate(), composeBundle(bad, 1), enc.encode("x")), "BAD_SIGNATURE");
  throwsCode(() => verifyUpload(upload.subarray(0, upload.length - 1)), "TRUNCATED");
});

test("a bundle older than the maximum age is STALE_PREKEY; maxPrekeyAge: null accepts it", () => {
  const now = 1_800_000_000;
  const bob = Identity.generate();
  const store = PrekeyStore.generate(bob, { now });
  const bundle = composeBundle(store.upload({ oneTime: 1 }), 0);
  const alice = Identity.generate();
  const max = constants().defaultMaxPrekeyAge;
  assert.equal(max, 30 * DAY);
  const later = now + 31 * DAY;
  throwsCode(() => Session.initiate(alice, bundle, enc.encode("late"), { now: later }), "STALE_PREKEY");
  throwsCode(() => Session.initiate(alice, bundle, enc.encode("late"), { now: now + max + 1 }), "STALE_PREKEY");
  throwsCode(() => Session.initiate(alice, bundle, enc.encode("late"), { now: later, maxPrekeyAge: DAY }), "STALE_PREKEY");
  for (const bad of [-1, NaN, "1", {}]) {
    throwsCode(() => Session.initiate(alice, bundle, enc.encode("x"), { now, maxPrekeyAge: bad }), "INVALID_ARGUMENT");
  }
  Session.initiate(alice, bundle, enc.encode("x"), { now: now + max }).session.dispose();
  Session.initiate(alice, bundle, enc.encode("x"), { now: later, maxPrekeyAge: 32 * DAY }).session.dispose();
  const { session: a, message } = Session.initiate(alice, bundle, enc.encode("a year late"), {
    now: now + 365 * DAY,
    maxPrekeyAge: null,
  });
  const { session: b, plaintext } = Session.accept(bob, store, message, { now: now + 365 * DAY, initiatorIdentity: alice.publicKey });
  assert.equal(dec.decode(plaintext), "a year late");
  assert.equal(dec.decode(a.decrypt(b.encrypt(enc.encode("still works")))), "still works");
  // With the system clock, a bundle made now is fresh.
  Session.initiate(alice, composeBundle(PrekeyStore.generate(bob).upload({ oneTime: 0 }), null), enc.encode("x")).session.dispose();
});

test("describeMessage reads what a server sees", () => {
  const { alice, b, message } = pair();
  const d = describeMessage(message);
  assert.equal(d.kind, "initial");
  assert.deepEqual(d.handshake, {
    initiatorKey: alice.publicKey.subarray(3, 35), // the identity encoding: header (3), IK (32), …
    initiatorFingerprint: fingerprintOf(alice.publicKey),
    selfContained: false,
    signedPrekeyId: 1,
    oneTimePrekeyId: 1,
    kemPrekeyKind: "one-time",
    kemPrekeyId: 1,
  });
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

test("a compact initial message needs the initiator's identity from Bob's directory", () => {
  const bob = Identity.generate();
  const store = PrekeyStore.generate(bob);
  const bundle = composeBundle(store.upload({ oneTime: 1 }), 0);
  const alice = Identity.generate();
  const mallory = Identity.generate();
  // The 100-byte plaintext of the size figures, with a one-time X25519 prekey in the bundle.
  const { session: a, message } = Session.initiate(alice, bundle, new Uint8Array(100));
  assert.equal(message.length, 1400);
  // Bob's directory files identities under their fingerprint; the message names Alice's.
  const directory = new Map([alice, mallory].map((id) => [fingerprintOf(id.publicKey).join(), id.publicKey]));
  const { handshake } = describeMessage(message);
  assert.equal(handshake.selfContained, false);
  const before = store.info();
  throwsCode(() => Session.accept(bob, store, message), "IDENTITY_REQUIRED");
  throwsCode(() => Session.accept(bob, store, message, { initiatorIdentity: mallory.publicKey }), "INITIATOR_MISMATCH");
  assert.deepEqual(store.info(), before, "a refused message consumes no one-time prekey");
  const initiatorIdentity = directory.get(handshake.initiatorFingerprint.join());
  assert.deepEqual(initiatorIdentity, alice.publicKey);
  const { session: b, plaintext } = Session.accept(bob, store, message, { initiatorIdentity });
  assert.equal(plaintext.length, 100);
  assert.equal(store.info().oneTimeHeld, before.oneTimeHeld - 1);
  // Sessions keep the peer's fingerprint: what a directory files the identity under.
  assert.deepEqual(b.peerFingerprint(), fingerprintOf(alice.publicKey));
  assert.deepEqual(a.peerFingerprint(), fingerprintOf(bob.publicKey));
  assert.equal(typeof a.peerIdentity, "undefined");
  assert.equal(a.safetyNumber(), b.safetyNumber());
  assert.equal(dec.decode(a.decrypt(b.encrypt(enc.encode("ok")))), "ok");
});

test("selfContained: true carries the initiator's identity; accept needs no directory", () => {
  const bob = Identity.generate();
  const store = PrekeyStore.generate(bob);
  const upload = store.upload({ oneTime: 3 });
  const alice = Identity.generate();
  const { session: a, message } = Session.initiate(alice, composeBundle(upload, 0), new Uint8Array(100), {
    selfContained: true,
  });
  assert.equal(message.length, 6629);
  assert.equal(message.length - Session.initiate(alice, composeBundle(upload, 1), new Uint8Array(100)).message.length, 5229);
  const d = describeMessage(message).handshake;
  assert.equal(d.selfContained, true);
  assert.deepEqual(d.initiatorFingerprint, fingerprintOf(alice.publicKey));
  assert.deepEqual(d.initiatorKey, alice.publicKey.subarray(3, 35));
  // Another identity supplied is refused even for a self-contained message; none is needed.
  throwsCode(
    () => Session.accept(bob, store, message, { initiatorIdentity: Identity.generate().publicKey }),
    "INITIATOR_MISMATCH",
  );
  const { session: b, plaintext } = Session.accept(bob, store, message);
  assert.equal(plaintext.length, 100);
  assert.deepEqual(b.peerFingerprint(), fingerprintOf(alice.publicKey));
  assert.equal(dec.decode(a.decrypt(b.encrypt(enc.encode("ok")))), "ok");
  // With the matching identity it is accepted too.
  const again = Session.initiate(alice, composeBundle(upload, 2), enc.encode("x"), { selfContained: true });
  Session.accept(bob, store, again.message, { initiatorIdentity: alice.publicKey }).session.dispose();
  // The option is checked: a boolean, and bytes no longer than an identity.
  for (const bad of ["yes", 1, null, {}]) {
    throwsCode(() => Session.initiate(alice, composeBundle(upload, 0), enc.encode("x"), { selfContained: bad }), "INVALID_ARGUMENT");
  }
  for (const bad of [null, "id", [1, 2], new ArrayBuffer(8)]) {
    throwsCode(() => Session.accept(bob, store, message, { initiatorIdentity: bad }), "INVALID_ARGUMENT");
  }
  throwsCode(
    () => Session.accept(bob, store, message, { initiatorIdentity: new Uint8Array(constants().identityLength + 1) }),
    "TOO_LARGE",
  );
});

test("fingerprintOf verifies the identity's binding first", () => {
  const id = Identity.generate().publicKey;
  const fp = fingerprintOf(id);
  assert.equal(fp.length, 32);
  assert.deepEqual(fingerprintOf(id.slice()), fp);
  const bad = id.slice();
  bad[bad.length - 1] ^= 1; // inside the binding signature
  throwsCode(() => fingerprintOf(bad), "BAD_SIGNATURE");
  throwsCode(() => fingerprintOf(id.subarray(0, 100)), "TRUNCATED");
  throwsCode(() => fingerprintOf(new Uint8Array(constants().identityLength + 1)), "TOO_LARGE");
  throwsCode(() => fingerprintOf("id"), "INVALID_ARGUMENT");
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

test("a sealed blob is bound to its context; minGeneration refuses an older copy", () => {
  const { a, b, bob, store } = pair();
  const key = new Uint8Array(32).fill(7);
  const peer = enc.encode("peer:alice");
  // Each successful change moves the generation; a failed one does not.
  const g0 = a.info().generation;
  const m = b.encrypt(enc.encode("one"));
  assert.equal(dec.decode(a.decrypt(m)), "one");
  const g1 = a.info().generation;
  assert.ok(g1 > g0, `${g1} > ${g0}`);
  throwsCode(() => a.decrypt(m), "DUPLICATE_MESSAGE");
  assert.equal(a.info().generation, g1);

  const old = a.seal(key, { context: peer });
  a.encrypt(enc.encode("two"));
  const g2 = a.info().generation;
  assert.ok(g2 > g1);
  const current = a.seal(key, { context: peer });

  // Context: absent, different or one byte longer all fail like a wrong key.
  throwsCode(() => Session.open(current, key), "AUTH_FAILED");
  throwsCode(() => Session.open(current, key, { context: enc.encode("peer:alicf") }), "AUTH_FAILED");
  throwsCode(() => Session.open(current, key, { context: enc.encode("peer:alice\0") }), "AUTH_FAILED");
  const maxContext = constants().maxSealContextLength;
  assert.equal(maxContext, 1024);
  throwsCode(() => a.seal(key, { context: new Uint8Array(maxContext + 1) }), "TOO_LARGE");
  throwsCode(() => Session.open(current, key, { context: new Uint8Array(maxContext + 1) }), "TOO_LARGE");
  const big = new Uint8Array(maxContext);
  assert.ok(Session.open(a.seal(key, { context: big }), key, { context: big }));

  // Rollback: the older blob is refused once the app passes the generation it stored last.
  assert.equal(Session.open(old, key, { context: peer }).info().generation, g1);
  throwsCode(() => Session.open(old, key, { context: peer, minGeneration: g2 }), "ROLLED_BACK");
  assert.equal(Session.open(current, key, { context: peer, minGeneration: g2 }).info().generation, g2);
  for (const bad of [-1, 1.5, Number.NaN, Infinity, 2 ** 53 + 2, null, "5", true, 5n]) {
    throwsCode(() => Session.open(current, key, { context: peer, minGeneration: bad }), "INVALID_ARGUMENT");
  }

  // Prekey stores: accept consumed a one-time prekey and moved the generation.
  const storeGen = store.info().generation;
  assert.ok(storeGen > 0);
  const sealedStore = store.seal(key, { context: peer });
  throwsCode(
    () => PrekeyStore.open(sealedStore, key, bob, { context: peer, minGeneration: storeGen + 1 }),
    "ROLLED_BACK",
  );
  assert.equal(PrekeyStore.open(sealedStore, key, bob, { context: peer }).info().generation, storeGen);
  // Identities take a context too (they never change, so they have no generation).
  const sealedId = bob.seal(key, { context: peer });
  throwsCode(() => Identity.open(sealedId, key), "AUTH_FAILED");
  assert.deepEqual(Identity.open(sealedId, key, { context: peer }).publicKey, bob.publicKey);
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
  throwsCode(() => composeBundle([1, 2, 3], null), "INVALID_ARGUMENT");
  throwsCode(() => verifyUpload("upload"), "INVALID_ARGUMENT");
  throwsCode(() => PrekeyStore.generate(Identity.generate(), { now: -1 }), "INVALID_ARGUMENT");
});

test("the TypeScript error-code list is the set the wasm layer can throw, in its order", async () => {
  const wasm = await import("../../pkg/twofold_wasm.js");
  assert.deepEqual([...wasm.errorCodes()], ERROR_CODES.filter((c) => !["NOT_READY", "NO_SESSION", "STORAGE_FAILED"].includes(c)));
});
