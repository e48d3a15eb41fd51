// Hostile JavaScript (issue 13 item 6): every exported function and method of `twofold-pq`,
// `twofold-pq/server` and `twofold-pq/worker-client`, called with wrong types, null and
// undefined, huge and empty arrays, detached buffers, SharedArrayBuffer views, Proxies that
// throw, look-alikes, disposed objects, getters that re-enter the library, and extreme numbers
// in options. Every call must succeed or throw (reject, for the Worker client) a TwofoldError
// with a documented code: never another error, never a wasm trap; afterwards every object
// still works (none is left borrowed) and the PQ ratchet still completes epochs.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import * as api from "twofold-pq";
import * as server from "twofold-pq/server";
import { TwofoldWorker } from "twofold-pq/worker-client";
import { FakeWorker } from "../common/fake-worker.js";

const { ERROR_CODES, Identity, IdentityCache, PrekeyStore, Session, TwofoldError, constants } = api;
const { BundleComposer, composeBundle } = server;
const enc = new TextEncoder();
const K = constants();

// ---------------------------------------------------------------------------------------------
// Outcomes

function isDocumented(e) {
  return e instanceof TwofoldError && ERROR_CODES.includes(e.code);
}

function describe(e) {
  return `${e?.constructor?.name ?? typeof e} ${e?.name ?? ""}: ${e?.message ?? String(e)}`;
}

/** "OK" or the documented code `fn` threw; any other exception fails the test, naming `what`. */
function outcome(fn, what) {
  try {
    fn();
    return "OK";
  } catch (e) {
    assert.ok(isDocumented(e), `${what}: threw ${describe(e)}`);
    return e.code;
  }
}

/** As {@link outcome} for a call that must return a promise (and never throw synchronously). */
async function outcomeAsync(fn, what) {
  let p;
  try {
    p = fn();
  } catch (e) {
    assert.fail(`${what}: threw synchronously ${describe(e)}`);
  }
  assert.ok(p instanceof Promise, `${what}: did not return a promise`);
  try {
    await p;
    return "OK";
  } catch (e) {
    assert.ok(isDocumented(e), `${what}: rejected with ${describe(e)}`);
    return e.code;
  }
}

function throwsCode(fn, code, what) {
  assert.equal(outcome(fn, what), code, what);
}

const workers = [];
after(() => {
  for (const w of workers.splice(0)) FakeWorker.prototype.terminate.call(w);
});

function remote(worker = new FakeWorker()) {
  workers.push(worker);
  return new TwofoldWorker(worker);
}

// ---------------------------------------------------------------------------------------------
// Hostile values

const throwing = () => {
  throw new Error("hostile trap");
};
const ALL_TRAPS = {
  get: throwing,
  has: throwing,
  ownKeys: throwing,
  getPrototypeOf: throwing,
  getOwnPropertyDescriptor: throwing,
};

function detached(n = 16) {
  const b = new Uint8Array(n);
  structuredClone(b.buffer, { transfer: [b.buffer] });
  assert.equal(b.length, 0);
  return b;
}

/** Values that are not byte arrays: each must be INVALID_ARGUMENT wherever bytes belong. */
function notBytes() {
  const lookalike = Object.setPrototypeOf({ length: 4, 0: 1, 1: 2, 2: 3, 3: 4 }, Uint8Array.prototype);
  return [
    ["undefined", undefined],
    ["null", null],
    ["a number", 7],
    ["a string", "bytes"],
    ["a BigInt", 5n],
    ["a symbol", Symbol("x")],
    ["a function", () => new Uint8Array(4)],
    ["an array", [1, 2, 3]],
    ["an ArrayBuffer", new ArrayBuffer(8)],
    ["a DataView", new DataView(new ArrayBuffer(8))],
    ["an Int8Array", new Int8Array(8)],
    ["a Uint8ClampedArray", new Uint8ClampedArray(8)],
    ["a Uint16Array", new Uint16Array(8)],
    ["a Uint16Array with Uint8Array's prototype", Object.setPrototypeOf(new Uint16Array(8), Uint8Array.prototype)],
    ["an object with Uint8Array's prototype", lookalike],
    ["a Proxy of a Uint8Array", new Proxy(new Uint8Array(8), {})],
    ["a Proxy whose every trap throws", new Proxy(new Uint8Array(8), ALL_TRAPS)],
    ["a detached Uint8Array", detached()],
  ];
}

function revoked() {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

/** Options arguments that are not options objects, or whose reading goes wrong. */
function badOptions() {
  return [
    ["null", null],
    ["a number", 1],
    ["a string", "now"],
    ["an array", []],
    ["a Proxy whose every trap throws", new Proxy({}, ALL_TRAPS)],
    ["a revoked Proxy", revoked()],
    ["a getter that throws", { get now() { throw new Error("hostile getter"); } }],
    ["a getter that throws a Proxy that throws", { get now() { throw new Proxy({}, ALL_TRAPS); } }],
    ["a getter that throws a forged TwofoldError", { get now() { throw Object.assign(Object.create(TwofoldError.prototype), { code: "AUTH_FAILED" }); } }],
    ["an unknown option", { pqRatchet: false }],
    ["a misspelt option", { associatedDta: new Uint8Array(1) }],
  ];
}

/** Numbers and near-numbers for every numeric option and argument. */
const EXTREME = [
  Infinity, -Infinity, NaN, -1, -0, 0.5, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 1e300, Number.MAX_VALUE,
  Number.MIN_VALUE, "5", 5n, true, null, {}, [],
];

// ---------------------------------------------------------------------------------------------
// Fixtures

function handshake(initiateOptions = {}) {
  const bob = Identity.generate();
  const store = PrekeyStore.generate(bob);
  const upload = store.upload({ oneTime: 4 });
  const alice = Identity.generate();
  const bundle = composeBundle(upload, 0);
  const { session: a, message } = Session.initiate(alice, bundle, enc.encode("hi"), initiateOptions);
  const { session: b } = Session.accept(bob, store, message, { initiatorIdentity: alice.publicKey });
  return { bob, store, upload, alice, bundle, a, b, message };
}

/** The two sessions still talk both ways (so no wasm object was left borrowed or broken). */
function roundTrip(a, b) {
  const m = a.encrypt(enc.encode("ping"));
  assert.deepEqual(b.decrypt(m), enc.encode("ping"));
  const r = b.encrypt(enc.encode("pong"));
  assert.deepEqual(a.decrypt(r), enc.encode("pong"));
}

/**
 * Every entry point of the synchronous API with valid arguments made afresh by `valid()`;
 * `bytes` names the positions that take bytes, `opts` the position of an options object.
 */
function entryPoints(f) {
  const session = () => handshake().a;
  return [
    { name: "Identity.generate", call: () => Identity.generate() },
    { name: "Identity.open", call: (blob, key, o) => Identity.open(blob, key, o), valid: () => [f.alice.seal(f.key), f.key, undefined], bytes: [0, 1], opts: 2 },
    { name: "identity.publicKey", call: (id) => Object.getOwnPropertyDescriptor(Identity.prototype, "publicKey").get.call(id), valid: () => [f.alice], objects: [0] },
    { name: "identity.seal", call: (key, o) => f.alice.seal(key, o), valid: () => [f.key, undefined], bytes: [0], opts: 1 },
    { name: "PrekeyStore.generate", call: (id, o) => PrekeyStore.generate(id, o), valid: () => [f.bob, undefined], objects: [0], opts: 1 },
    { name: "PrekeyStore.open", call: (blob, key, id, o) => PrekeyStore.open(blob, key, id, o), valid: () => [f.store.seal(f.key), f.key, f.bob, undefined], bytes: [0, 1], objects: [2], opts: 3 },
    { name: "store.upload", call: (o) => f.store.upload(o), valid: () => [{ oneTime: 1 }], opts: 0 },
    { name: "store.rotateSignedPrekeys", call: (t) => f.store.rotateSignedPrekeys(t), valid: () => [undefined], numbers: [0] },
    { name: "store.prune", call: (t) => f.store.prune(t), valid: () => [undefined], numbers: [0] },
    { name: "store.info", call: () => f.store.info() },
    { name: "store.identity", call: (s) => Object.getOwnPropertyDescriptor(PrekeyStore.prototype, "identity").get.call(s), valid: () => [f.store], objects: [0] },
    { name: "store.seal", call: (key, o) => f.store.seal(key, o), valid: () => [f.key, undefined], bytes: [0], opts: 1 },
    { name: "Session.initiate", call: (id, bundle, pt, o) => Session.initiate(id, bundle, pt, o), valid: () => [f.alice, f.bundle, enc.encode("x"), undefined], objects: [0], bytes: [1, 2], opts: 3 },
    { name: "Session.accept", call: (id, st, m, o) => Session.accept(id, st, m, o), valid: () => [f.bob, f.store, f.message, { initiatorIdentity: f.alice.publicKey }], objects: [0, 1], bytes: [2], opts: 3 },
    { name: "new IdentityCache", call: (o) => new IdentityCache(o), valid: () => [{ capacity: 2 }], opts: 0 },
    { name: "identityCache.size", call: (c) => Object.getOwnPropertyDescriptor(IdentityCache.prototype, "size").get.call(c), valid: () => [f.cache], objects: [0] },
    { name: "identityCache.clear", call: () => f.cache.clear() },
    { name: "Session.initiate with a cache", call: (id, bundle, pt, o) => Session.initiate(id, bundle, pt, o), valid: () => [f.alice, f.bundle, enc.encode("x"), { identityCache: f.cache }], objects: [0], bytes: [1, 2], opts: 3 },
    { name: "Session.accept with a cache", call: (id, st, m, o) => Session.accept(id, st, m, o), valid: () => [f.bob, f.store, f.message, { initiatorIdentity: f.alice.publicKey, identityCache: f.cache }], objects: [0, 1], bytes: [2], opts: 3 },
    { name: "Session.open", call: (blob, key, o) => Session.open(blob, key, o), valid: () => [session().seal(f.key), f.key, undefined], bytes: [0, 1], opts: 2 },
    { name: "session.encrypt", call: (pt, o) => f.a.encrypt(pt, o), valid: () => [enc.encode("x"), undefined], bytes: [0], opts: 1 },
    { name: "session.decrypt", call: (m, o) => f.b.decrypt(m, o), valid: () => [f.a.encrypt(enc.encode("x")), undefined], bytes: [0], opts: 1 },
    { name: "session.info", call: () => f.a.info() },
    { name: "session.safetyNumber", call: () => f.a.safetyNumber() },
    { name: "session.safetyQr", call: () => f.a.safetyQr() },
    { name: "session.matchesSafetyQr", call: (q) => f.a.matchesSafetyQr(q), valid: () => [f.b.safetyQr()], bytes: [0] },
    { name: "session.sas", call: () => f.a.sas() },
    { name: "session.peerFingerprint", call: () => f.a.peerFingerprint() },
    { name: "session.handshakeId", call: () => f.a.handshakeId() },
    { name: "messageKind", call: (m) => api.messageKind(m), valid: () => [f.message], bytes: [0] },
    { name: "describeMessage", call: (m) => api.describeMessage(m), valid: () => [f.message], bytes: [0] },
    { name: "safetyNumberOf", call: (x, y) => api.safetyNumberOf(x, y), valid: () => [f.alice.publicKey, f.bob.publicKey], bytes: [0, 1] },
    { name: "inspectBundle", call: (b) => api.inspectBundle(b), valid: () => [f.bundle], bytes: [0] },
    { name: "sealBox", call: (b, pt, o) => api.sealBox(b, pt, o), valid: () => [f.boxBundle, enc.encode("x"), undefined], bytes: [0, 1], opts: 2 },
    { name: "sealBox from", call: (b, pt, o) => api.sealBox(b, pt, o), valid: () => [f.boxBundle, enc.encode("x"), { from: f.alice, recipient: f.bobFingerprint }], bytes: [0, 1], opts: 2 },
    { name: "store.openBox", call: (b, o) => f.store.openBox(b, o), valid: () => [f.box, { sender: f.alice.publicKey }], bytes: [0], opts: 1 },
    { name: "store.boxSender", call: (b) => f.store.boxSender(b), valid: () => [f.box], bytes: [0] },
    { name: "describeBox", call: (b) => api.describeBox(b), valid: () => [f.box], bytes: [0] },
    { name: "server.describeBox", call: (b) => server.describeBox(b), valid: () => [f.box], bytes: [0] },
    { name: "constants", call: () => constants() },
    { name: "version", call: () => api.version() },
    { name: "server.inspectUpload", call: (u) => server.inspectUpload(u), valid: () => [f.upload], bytes: [0] },
    { name: "server.verifyUpload", call: (u) => server.verifyUpload(u), valid: () => [f.upload], bytes: [0] },
    { name: "server.fingerprintOf", call: (id) => server.fingerprintOf(id), valid: () => [f.alice.publicKey], bytes: [0] },
    { name: "server.composeBundle", call: (u, i) => composeBundle(u, i), valid: () => [f.upload, 1], bytes: [0], numbers: [1] },
    { name: "new BundleComposer", call: (u) => new BundleComposer(u), valid: () => [f.upload], bytes: [0] },
    { name: "composer.bundle", call: (i) => f.composer.bundle(i), valid: () => [1], numbers: [0] },
    { name: "composer.leafCount", call: () => f.composer.leafCount },
  ];
}

function fixture() {
  const f = handshake();
  f.key = new Uint8Array(K.appKeyLength).fill(7);
  f.composer = new BundleComposer(f.upload);
  f.cache = new IdentityCache({ capacity: 4 });
  f.boxBundle = composeBundle(f.upload, null);
  f.bobFingerprint = server.fingerprintOf(f.bob.publicKey);
  f.box = api.sealBox(f.boxBundle, enc.encode("boxed"), { from: f.alice });
  return f;
}

// ---------------------------------------------------------------------------------------------
// The synchronous API

test("every entry point: each byte argument refuses every non-byte value with INVALID_ARGUMENT", () => {
  const f = fixture();
  let checks = 0;
  for (const e of entryPoints(f)) {
    for (const pos of e.bytes ?? []) {
      for (const [what, value] of notBytes()) {
        const args = e.valid();
        args[pos] = value;
        // An optional byte argument may be absent; everything else is INVALID_ARGUMENT.
        const code = outcome(() => e.call(...args), `${e.name} argument ${pos} = ${what}`);
        assert.equal(code, "INVALID_ARGUMENT", `${e.name} argument ${pos} = ${what}`);
        checks++;
      }
    }
  }
  assert.ok(checks > 300, `${checks} checks`);
  roundTrip(f.a, f.b);
});

test("every entry point: every options argument refuses non-objects, throwing getters and Proxies, unknown keys", () => {
  const f = fixture();
  let checks = 0;
  for (const e of entryPoints(f)) {
    if (e.opts === undefined) continue;
    for (const [what, value] of badOptions()) {
      const args = e.valid();
      args[e.opts] = value;
      let err;
      try {
        e.call(...args);
      } catch (x) {
        err = x;
      }
      assert.ok(isDocumented(err), `${e.name} options = ${what}: ${err === undefined ? "accepted" : describe(err)}`);
      assert.equal(err.code, "INVALID_ARGUMENT", `${e.name} options = ${what}`);
      if (what === "a Proxy whose every trap throws") assert.ok(err.cause instanceof Error, `${e.name}: the cause is kept`);
      checks++;
    }
  }
  assert.ok(checks >= 100, `${checks} checks`);
  roundTrip(f.a, f.b);
});

test("every byte argument: its documented maximum is checked before the copy into wasm (TOO_LARGE)", () => {
  const f = fixture();
  const over = (limit) => new Uint8Array(K[limit] + 1);
  const cases = [
    ["identity.seal appKey", () => f.alice.seal(over("appKeyLength"))],
    ["identity.seal context", () => f.alice.seal(f.key, { context: over("maxSealContextLength") })],
    ["Identity.open blob", () => Identity.open(over("maxSealedLength"), f.key)],
    ["Identity.open appKey", () => Identity.open(f.alice.seal(f.key), over("appKeyLength"))],
    ["PrekeyStore.open blob", () => PrekeyStore.open(over("maxSealedLength"), f.key, f.bob)],
    ["Session.open blob", () => Session.open(over("maxSealedLength"), f.key)],
    ["Session.open context", () => Session.open(f.a.seal(f.key), f.key, { context: over("maxSealContextLength") })],
    ["Session.initiate bundle", () => Session.initiate(f.alice, over("maxBundleLength"), enc.encode("x"))],
    ["Session.initiate plaintext", () => Session.initiate(f.alice, f.bundle, over("maxPlaintextLength"))],
    ["Session.initiate associatedData", () => Session.initiate(f.alice, f.bundle, enc.encode("x"), { associatedData: over("maxAssociatedDataLength") })],
    ["Session.accept message", () => Session.accept(f.bob, f.store, over("maxMessageLength"))],
    ["Session.accept initiatorIdentity", () => Session.accept(f.bob, f.store, f.message, { initiatorIdentity: over("identityLength") })],
    ["Session.accept associatedData", () => Session.accept(f.bob, f.store, f.message, { associatedData: over("maxAssociatedDataLength") })],
    ["session.encrypt plaintext", () => f.a.encrypt(over("maxPlaintextLength"))],
    ["session.encrypt associatedData", () => f.a.encrypt(enc.encode("x"), { associatedData: over("maxAssociatedDataLength") })],
    ["session.decrypt message", () => f.b.decrypt(over("maxMessageLength"))],
    ["session.decrypt associatedData", () => f.b.decrypt(f.a.encrypt(enc.encode("x")), { associatedData: over("maxAssociatedDataLength") })],
    ["session.matchesSafetyQr", () => f.a.matchesSafetyQr(over("safetyQrLength"))],
    ["describeMessage", () => api.describeMessage(over("maxMessageLength"))],
    ["inspectBundle", () => api.inspectBundle(over("maxBundleLength"))],
    ["safetyNumberOf", () => api.safetyNumberOf(over("identityLength"), f.bob.publicKey)],
    ["server.inspectUpload", () => server.inspectUpload(over("maxUploadLength"))],
    ["server.composeBundle", () => composeBundle(over("maxUploadLength"), 0)],
    ["server.fingerprintOf", () => server.fingerprintOf(over("identityLength"))],
    ["sealBox bundle", () => api.sealBox(over("maxBundleLength"), enc.encode("x"))],
    ["sealBox plaintext", () => api.sealBox(f.boxBundle, over("maxPlaintextLength"))],
    ["sealBox associatedData", () => api.sealBox(f.boxBundle, enc.encode("x"), { associatedData: over("maxAssociatedDataLength") })],
    ["sealBox recipient", () => api.sealBox(f.boxBundle, enc.encode("x"), { recipient: over("fingerprintLength") })],
    ["store.openBox sealed", () => f.store.openBox(over("maxSealedBoxLength"))],
    ["store.openBox sender", () => f.store.openBox(f.box, { sender: over("identityLength") })],
    ["store.openBox associatedData", () => f.store.openBox(f.box, { associatedData: over("maxAssociatedDataLength") })],
    ["store.boxSender", () => f.store.boxSender(over("maxSealedBoxLength"))],
    ["describeBox", () => api.describeBox(over("maxSealedBoxLength"))],
    ["server.describeBox", () => server.describeBox(over("maxSealedBoxLength"))],
  ];
  for (const [what, fn] of cases) {
    // The package's own refusal, which names the argument, not the core's after a copy.
    assert.throws(fn, (e) => isDocumented(e) && e.code === "TOO_LARGE" && / is larger than the documented maximum$/.test(e.message), what);
  }
  // At the maximum, associated data is taken, on both sides.
  const ad = new Uint8Array(K.maxAssociatedDataLength).fill(1);
  const m = f.a.encrypt(enc.encode("x"), { associatedData: ad });
  assert.deepEqual(f.b.decrypt(m, { associatedData: ad }), enc.encode("x"));
  roundTrip(f.a, f.b);
});

test("empty arrays: every byte argument gives a documented code or succeeds", () => {
  const f = fixture();
  const codes = new Set();
  for (const e of entryPoints(f)) {
    for (const pos of e.bytes ?? []) {
      const args = e.valid();
      args[pos] = new Uint8Array(0);
      codes.add(outcome(() => e.call(...args), `${e.name} argument ${pos} empty`));
    }
  }
  // An empty plaintext is a message like any other; empty encodings are truncated.
  assert.ok(codes.has("OK") && codes.has("TRUNCATED"), [...codes].join(","));
  assert.deepEqual(f.b.decrypt(f.a.encrypt(new Uint8Array(0))), new Uint8Array(0));
  roundTrip(f.a, f.b);
});

test("lengths that lie, SharedArrayBuffer and other realms: the true bytes are what is used", async () => {
  const f = fixture();
  // An own `length` property that lies cannot change what is copied into wasm (it would make a
  // copy sized by one value and filled by another).
  const m = f.a.encrypt(enc.encode("true bytes"));
  const short = m.slice();
  Object.defineProperty(short, "length", { value: 1 });
  assert.deepEqual(f.b.decrypt(short), enc.encode("true bytes"));
  const huge = new Uint8Array(K.maxMessageLength + 1);
  Object.defineProperty(huge, "length", { value: 10 });
  throwsCode(() => f.b.decrypt(huge), "TOO_LARGE", "a huge array claiming 10 bytes");
  // SharedArrayBuffer views work like any other bytes.
  const shared = new Uint8Array(new SharedArrayBuffer(64), 7, 20);
  shared.set(enc.encode("shared plaintext"));
  const sm = f.a.encrypt(shared);
  const sharedMessage = new Uint8Array(new SharedArrayBuffer(sm.length + 3), 3);
  sharedMessage.set(sm);
  assert.deepEqual(f.b.decrypt(sharedMessage), shared.slice());
  // A Uint8Array of another realm (a vm context) is a Uint8Array.
  const { runInNewContext } = await import("node:vm");
  const foreign = runInNewContext("new Uint8Array(32).fill(7)");
  assert.ok(!(foreign instanceof Uint8Array));
  const blob = f.alice.seal(foreign);
  assert.equal(Identity.open(blob, f.key).disposed, false);
  // A Node Buffer is a Uint8Array, also as a view into Node's shared pool.
  assert.deepEqual(f.b.decrypt(Buffer.from(f.a.encrypt(enc.encode("buf")))), enc.encode("buf"));
  roundTrip(f.a, f.b);
});

test("detached buffers are INVALID_ARGUMENT, also when a getter detaches one during the call", () => {
  const f = fixture();
  throwsCode(() => f.a.encrypt(detached()), "INVALID_ARGUMENT", "detached plaintext");
  throwsCode(() => f.b.decrypt(detached()), "INVALID_ARGUMENT", "detached message");
  throwsCode(() => f.alice.seal(detached(32)), "INVALID_ARGUMENT", "detached appKey");
  if (typeof ArrayBuffer.prototype.resize === "function") {
    // A view past the end of a resizable buffer that shrank reads as empty; it is refused.
    const rb = new ArrayBuffer(64, { maxByteLength: 64 });
    const ad = new Uint8Array(rb, 32, 16);
    rb.resize(8);
    throwsCode(() => f.a.encrypt(enc.encode("x"), { associatedData: ad }), "INVALID_ARGUMENT", "shrunk associated data");
  }
  throwsCode(() => f.a.encrypt(enc.encode("x"), { associatedData: detached() }), "INVALID_ARGUMENT", "detached associated data");
  // Options are read before any byte argument is checked: a getter that detaches the
  // plaintext makes it a detached plaintext, never a half-checked one.
  const pt = enc.encode("detached by a getter");
  throwsCode(
    () => f.a.encrypt(pt, { get now() { structuredClone(pt.buffer, { transfer: [pt.buffer] }); return 1; } }),
    "INVALID_ARGUMENT",
    "plaintext detached by the now getter",
  );
  roundTrip(f.a, f.b);
});

test("getters that re-enter the library run before the call enters wasm", () => {
  const f = fixture();
  // A getter that encrypts on the same session: both messages are valid, in order.
  let inner;
  const outer = f.a.encrypt(enc.encode("outer"), {
    get now() {
      inner = f.a.encrypt(enc.encode("inner"));
      return 1;
    },
  });
  assert.deepEqual(f.b.decrypt(inner), enc.encode("inner"));
  assert.deepEqual(f.b.decrypt(outer), enc.encode("outer"));
  // A getter that disposes the object the call is on: DISPOSED, nothing half done.
  const g = fixture();
  throwsCode(() => g.a.encrypt(enc.encode("x"), { get now() { g.a.dispose(); return 1; } }), "DISPOSED", "disposed by a getter");
  throwsCode(
    () => Session.initiate(g.alice, g.bundle, enc.encode("x"), { get now() { g.alice.dispose(); return 1; } }),
    "DISPOSED",
    "identity disposed by a getter",
  );
  // A getter that seals and reopens the session it is an option of.
  let reopened;
  const key = new Uint8Array(32).fill(3);
  f.b.decrypt(f.a.encrypt(enc.encode("y")), {
    get associatedData() {
      reopened = Session.open(f.b.seal(key), key);
      return undefined;
    },
  });
  assert.equal(reopened.info().generation + 1, f.b.info().generation);
  roundTrip(f.a, f.b);
});

test("disposed objects: every method and every use as an argument is DISPOSED", () => {
  const f = fixture();
  const { a, alice, store } = handshake();
  a.dispose();
  store.dispose();
  alice.dispose();
  const key = f.key;
  const cases = [
    () => a.encrypt(enc.encode("x")), () => a.decrypt(f.message), () => a.info(), () => a.safetyNumber(),
    () => a.safetyQr(), () => a.matchesSafetyQr(new Uint8Array(65)), () => a.sas(), () => a.peerFingerprint(),
    () => a.handshakeId(), () => a.seal(key), () => store.upload(), () => store.rotateSignedPrekeys(),
    () => store.prune(), () => store.info(), () => store.seal(key), () => store.identity, () => alice.publicKey,
    () => alice.seal(key), () => PrekeyStore.generate(alice), () => Session.initiate(alice, f.bundle, enc.encode("x")),
    () => Session.accept(f.bob, store, f.message), () => Session.accept(alice, f.store, f.message),
    () => PrekeyStore.open(f.store.seal(key), key, alice),
  ];
  for (const [i, fn] of cases.entries()) throwsCode(fn, "DISPOSED", `case ${i}`);
  // dispose stays idempotent, and `using`'s symbol is the same method.
  a.dispose();
  a[Symbol.dispose]();
  assert.equal(a.disposed, true);
  f.composer.dispose();
  throwsCode(() => f.composer.bundle(0), "DISPOSED", "composer.bundle");
  throwsCode(() => f.composer.leafCount, "DISPOSED", "composer.leafCount");
  assert.equal(f.composer.disposed, true);
  roundTrip(f.a, f.b);
});

test("options are own properties: a polluted Object.prototype or a class getter cannot set one", async () => {
  const f = fixture();
  const bob = Identity.generate();
  const old = PrekeyStore.generate(bob, { now: 0 });
  const stale = composeBundle(old.upload({ oneTime: 0 }), null);
  const tw = remote();
  const remoteAlice = await tw.Identity.generate();
  Object.prototype.maxPrekeyAge = null;
  try {
    // Without options the default age applies; with options the inherited key is refused.
    throwsCode(() => Session.initiate(f.alice, stale, enc.encode("x")), "STALE_PREKEY", "no options");
    throwsCode(() => Session.initiate(f.alice, stale, enc.encode("x"), {}), "INVALID_ARGUMENT", "inherited maxPrekeyAge");
    assert.equal(await outcomeAsync(() => tw.Session.initiate(remoteAlice, stale, enc.encode("x"), {}), "worker, inherited"), "INVALID_ARGUMENT");
    assert.equal(await outcomeAsync(() => tw.Session.initiate(remoteAlice, stale, enc.encode("x")), "worker, none"), "STALE_PREKEY");
  } finally {
    delete Object.prototype.maxPrekeyAge;
  }
  class Options {
    get associatedData() {
      return enc.encode("ad");
    }
  }
  throwsCode(() => f.a.encrypt(enc.encode("x"), new Options()), "INVALID_ARGUMENT", "a class getter");
  assert.equal(await outcomeAsync(() => tw.Identity.generate().then((id) => id.seal(f.key, new Options())), "worker, class"), "INVALID_ARGUMENT");
  // Objects without a prototype are plain options.
  const bare = Object.assign(Object.create(null), { associatedData: enc.encode("ad") });
  assert.deepEqual(f.b.decrypt(f.a.encrypt(enc.encode("y"), bare), bare), enc.encode("y"));
  roundTrip(f.a, f.b);
});

test("wrong objects, foreign `this`, `new` on the classes: INVALID_ARGUMENT", () => {
  const f = fixture();
  const lookalike = Object.create(Session.prototype);
  throwsCode(() => Session.initiate(f.a, f.bundle, enc.encode("x")), "INVALID_ARGUMENT", "a session as the identity");
  throwsCode(() => Session.accept(f.bob, f.bob, f.message), "INVALID_ARGUMENT", "an identity as the store");
  throwsCode(() => PrekeyStore.generate(new Proxy(f.bob, {})), "INVALID_ARGUMENT", "a Proxy of an identity");
  throwsCode(() => PrekeyStore.open(f.store.seal(f.key), f.key, {}), "INVALID_ARGUMENT", "an object as the owner");
  throwsCode(() => lookalike.encrypt(enc.encode("x")), "INVALID_ARGUMENT", "a look-alike session");
  throwsCode(() => Session.prototype.info.call(f.store), "INVALID_ARGUMENT", "a store as `this`");
  throwsCode(() => Session.prototype.seal.call(new Proxy({}, ALL_TRAPS), f.key), "INVALID_ARGUMENT", "a Proxy as `this`");
  throwsCode(() => PrekeyStore.prototype.upload.call(undefined), "INVALID_ARGUMENT", "undefined as `this`");
  for (const C of [Identity, PrekeyStore, Session]) {
    throwsCode(() => new C(), "INVALID_ARGUMENT", `new ${C.name}()`);
    throwsCode(() => new C(Symbol("twofold-pq factory"), {}, C.name), "INVALID_ARGUMENT", `new ${C.name}(forged token)`);
  }
  const composer = Object.getOwnPropertyDescriptor(BundleComposer.prototype, "leafCount").get;
  throwsCode(() => composer.call({}), "INVALID_ARGUMENT", "leafCount of a plain object");
  throwsCode(() => BundleComposer.prototype.bundle.call(f.a, 0), "INVALID_ARGUMENT", "bundle of a session");
  throwsCode(() => BundleComposer.prototype.dispose.call(null), "INVALID_ARGUMENT", "dispose of null");
  throwsCode(() => Session.prototype.dispose.call({}), "INVALID_ARGUMENT", "dispose of a plain object");
  throwsCode(() => Session.prototype[Symbol.dispose].call(new Proxy({}, ALL_TRAPS)), "INVALID_ARGUMENT", "[Symbol.dispose] of a Proxy");
  const disposedGetter = (C) => {
    for (let p = C.prototype; p !== null; p = Object.getPrototypeOf(p)) {
      const d = Object.getOwnPropertyDescriptor(p, "disposed");
      if (d !== undefined) return d.get;
    }
    throw new Error(`no disposed accessor on ${C.name}`);
  };
  throwsCode(() => disposedGetter(Session).call({}), "INVALID_ARGUMENT", "disposed of a plain object");
  throwsCode(() => Object.getOwnPropertyDescriptor(IdentityCache.prototype, "size").get.call(f.a), "INVALID_ARGUMENT", "size of a session");
  throwsCode(() => IdentityCache.prototype.clear.call(new Proxy(new IdentityCache(), {})), "INVALID_ARGUMENT", "clear of a Proxy");
  throwsCode(() => Session.initiate(f.alice, f.bundle, enc.encode("x"), { identityCache: f.alice }), "INVALID_ARGUMENT", "an identity as the identity cache");
  throwsCode(() => Session.accept(f.bob, f.store, f.message, { identityCache: {}, initiatorIdentity: f.alice.publicKey }), "INVALID_ARGUMENT", "an object as the identity cache");
  const gone = new IdentityCache();
  gone.dispose();
  throwsCode(() => Session.initiate(f.alice, f.bundle, enc.encode("x"), { identityCache: gone }), "DISPOSED", "a disposed identity cache");
  roundTrip(f.a, f.b);
});

test("extreme numbers in every numeric option and argument: documented codes, and never the PQ ratchet off", () => {
  const f = fixture();
  // The initiators' responder, kept apart from the store whose numbers are tortured below.
  const r = { bob: Identity.generate() };
  r.store = PrekeyStore.generate(r.bob);
  r.bundle = composeBundle(r.store.upload({ oneTime: 0 }), null);
  const numeric = [
    ["PrekeyStore.generate now", (v) => PrekeyStore.generate(f.bob, { now: v })],
    ["store.rotateSignedPrekeys", (v) => f.store.rotateSignedPrekeys(v)],
    ["store.prune", (v) => f.store.prune(v)],
    ["store.upload oneTime", (v) => f.store.upload({ oneTime: v })],
    ["store.upload x25519", (v) => f.store.upload({ oneTime: 0, x25519: v })],
    ["store.upload kem", (v) => f.store.upload({ oneTime: 0, kem: v })],
    ["Session.initiate now", (v) => Session.initiate(f.alice, r.bundle, enc.encode("x"), { now: v, maxPrekeyAge: null })],
    ["Session.initiate maxPrekeyAge", (v) => Session.initiate(f.alice, r.bundle, enc.encode("x"), { maxPrekeyAge: v })],
    ["Session.initiate selfContained", (v) => Session.initiate(f.alice, r.bundle, enc.encode("x"), { selfContained: v })],
    ["Session.initiate identityCache", (v) => Session.initiate(f.alice, r.bundle, enc.encode("x"), { identityCache: v })],
    ["new IdentityCache capacity", (v) => new IdentityCache({ capacity: v })],
    ["session.encrypt now", (v) => f.a.encrypt(enc.encode("x"), { now: v })],
    ["session.decrypt now", (v) => f.b.decrypt(f.a.encrypt(enc.encode("x")), { now: v })],
    ["Session.open minGeneration", (v) => Session.open(f.a.seal(f.key), f.key, { minGeneration: v })],
    ["PrekeyStore.open minGeneration", (v) => PrekeyStore.open(f.store.seal(f.key), f.key, f.bob, { minGeneration: v })],
    ["server.composeBundle index", (v) => composeBundle(f.upload, v)],
    ["composer.bundle index", (v) => f.composer.bundle(v)],
  ];
  const sessions = [];
  let calls = 0;
  for (const [what, fn] of numeric) {
    for (const v of EXTREME) {
      let result;
      const code = outcome(() => {
        result = fn(v);
      }, `${what} = ${String(v)}`);
      calls++;
      if (code === "OK" && result?.session instanceof Session) sessions.push([`${what} = ${String(v)}`, result]);
    }
  }
  // The values that are not numbers of seconds are refused, never coerced.
  for (const v of [Infinity, NaN, -1, "5", 5n, true, {}]) {
    assert.equal(outcome(() => f.a.encrypt(enc.encode("x"), { now: v }), "now"), "INVALID_ARGUMENT", `now = ${String(v)}`);
    assert.equal(outcome(() => Session.open(f.a.seal(f.key), f.key, { minGeneration: v }), "min"), "INVALID_ARGUMENT", `minGeneration = ${String(v)}`);
  }
  assert.equal(outcome(() => f.store.upload({ oneTime: 2 ** 32 }), "upload"), "INVALID_ARGUMENT");
  assert.equal(outcome(() => f.store.upload({ oneTime: 2 ** 32 - 1 }), "upload"), "LIMIT_EXCEEDED");
  // Every session that some extreme value let through, with its responder, completes two PQ
  // epochs on both sides: no option value turns the PQ ratchet off.
  assert.ok(sessions.length >= 10, `${sessions.length} sessions from extreme options`);
  for (const [what, { session: a, message }] of sessions) {
    const { session: b } = Session.accept(r.bob, r.store, message, { initiatorIdentity: f.alice.publicKey });
    const start = Math.min(a.info().pqEpoch, b.info().pqEpoch);
    let turns = 0;
    while (Math.min(a.info().pqEpoch, b.info().pqEpoch) < start + 2 && turns < 1000) {
      b.decrypt(a.encrypt(enc.encode("p"), { now: 2 ** 53 }));
      a.decrypt(b.encrypt(enc.encode("q"), { now: 0 }));
      turns++;
    }
    assert.ok(Math.min(a.info().pqEpoch, b.info().pqEpoch) >= start + 2, `${what}: PQ epochs after ${turns} turns`);
    a.dispose();
    b.dispose();
  }
  assert.equal(calls, numeric.length * EXTREME.length);
});

// ---------------------------------------------------------------------------------------------
// The Worker client


test("Worker client: every method rejects hostile arguments with a documented code, never throws", async () => {
  const tw = remote();
  const bob = await tw.Identity.generate();
  const store = await tw.PrekeyStore.generate(bob);
  const upload = await store.upload({ oneTime: 2 });
  const alice = await tw.Identity.generate();
  const bundle = composeBundle(upload, 0);
  const { session: a, message } = await tw.Session.initiate(alice, bundle, enc.encode("hi"));
  const { session: b } = await tw.Session.accept(bob, store, message, { initiatorIdentity: await alice.publicKey() });
  const key = new Uint8Array(32).fill(9);
  const methods = [
    ["tw.Identity.open", (x, o) => tw.Identity.open(x, key, o)],
    ["tw.PrekeyStore.generate", (x, o) => tw.PrekeyStore.generate(x, o)],
    ["tw.PrekeyStore.open", (x, o) => tw.PrekeyStore.open(x, key, bob, o)],
    ["tw.Session.initiate", (x, o) => tw.Session.initiate(alice, x, enc.encode("x"), o)],
    ["tw.Session.accept", (x, o) => tw.Session.accept(bob, store, x, o)],
    ["tw.Session.open", (x, o) => tw.Session.open(x, key, o)],
    ["alice.seal", (x, o) => alice.seal(x, o)],
    ["store.upload", (x) => store.upload(x)],
    ["store.rotateSignedPrekeys", (x) => store.rotateSignedPrekeys(x)],
    ["store.prune", (x) => store.prune(x)],
    ["store.seal", (x, o) => store.seal(x, o)],
    ["a.encrypt", (x, o) => a.encrypt(x, o)],
    ["b.decrypt", (x, o) => b.decrypt(x, o)],
    ["a.matchesSafetyQr", (x) => a.matchesSafetyQr(x)],
    ["a.seal", (x, o) => a.seal(x, o)],
    ["tw.messageKind", (x) => tw.messageKind(x)],
    ["tw.describeMessage", (x) => tw.describeMessage(x)],
    ["tw.safetyNumberOf", (x) => tw.safetyNumberOf(x, x)],
    ["tw.inspectBundle", (x) => tw.inspectBundle(x)],
    ["tw.ready", (x) => tw.ready(x)],
  ];
  let checks = 0;
  const values = [...notBytes(), ...badOptions(), ...EXTREME.map((v) => [String(v), v])];
  for (const [name, fn] of methods) {
    for (const [what, v] of values) {
      await outcomeAsync(() => fn(v), `${name}(${what})`);
      await outcomeAsync(() => fn(new Uint8Array(4), v), `${name}(bytes, ${what})`);
      checks += 2;
    }
  }
  assert.ok(checks > 1000, `${checks} checks`);
  // A Proxy or a function cannot be cloned to the worker; a getter that throws while the
  // arguments are cloned: INVALID_ARGUMENT with the cause.
  for (const v of [new Proxy(new Uint8Array(4), {}), () => 1, { get now() { throw new Error("hostile getter"); } }]) {
    const code = await outcomeAsync(() => a.encrypt(enc.encode("x"), v), "clone");
    assert.equal(code, "INVALID_ARGUMENT");
  }
  // Foreign `this`, look-alikes and objects of another TwofoldWorker.
  const other = remote();
  const proto = Object.getPrototypeOf(a);
  const foreign = [
    () => proto.encrypt.call({}, enc.encode("x")),
    () => proto.info.call(store),
    () => TwofoldWorker.prototype.version.call({}),
    () => TwofoldWorker.prototype.constants.call(new Proxy({}, ALL_TRAPS)),
    () => other.Session.initiate(alice, bundle, enc.encode("x")),
    () => tw.Session.accept(bob, a, message),
    () => tw.PrekeyStore.generate(new Proxy(bob, {})),
  ];
  for (const [i, fn] of foreign.entries()) {
    assert.equal(await outcomeAsync(fn, `foreign ${i}`), "INVALID_ARGUMENT", `foreign ${i}`);
  }
  assert.throws(() => Object.getOwnPropertyDescriptor(Object.getPrototypeOf(store), "identity").get.call({}), isDocumented);
  assert.throws(() => Object.getOwnPropertyDescriptor(TwofoldWorker.prototype, "terminated").get.call({}), isDocumented);
  for (const w of [undefined, null, 5, {}, new Proxy({}, ALL_TRAPS), { postMessage() {}, addEventListener: throwing }]) {
    assert.throws(() => new TwofoldWorker(w), (e) => isDocumented(e) && e.code === "INVALID_ARGUMENT");
  }
  // A worker whose terminate throws still closes the client.
  const bad = remote(Object.assign(new FakeWorker(), { terminate: throwing }));
  bad.terminate();
  assert.equal(bad.terminated, true);
  assert.equal(await outcomeAsync(() => bad.version(), "after terminate"), "DISPOSED");
  // A foreign `this` for dispose and disposed.
  assert.equal(await outcomeAsync(() => proto.dispose.call({}), "dispose of {}"), "INVALID_ARGUMENT");
  assert.throws(() => Object.getOwnPropertyDescriptor(Object.getPrototypeOf(proto), "disposed").get.call({}), isDocumented);
  // Disposed remote objects.
  const c = (await tw.Session.initiate(alice, composeBundle(upload, 1), enc.encode("x"))).session;
  await c.dispose();
  for (const fn of [() => c.encrypt(enc.encode("x")), () => c.info(), () => c.seal(key), () => c.decrypt(message)]) {
    assert.equal(await outcomeAsync(fn, "disposed"), "DISPOSED");
  }
  // The caller's arrays stay intact, a SharedArrayBuffer's too (a clone would share it, and the
  // worker wipes what it receives); only the view's bytes are sent, not the buffer behind it.
  const sharedKey = new Uint8Array(new SharedArrayBuffer(32)).fill(9);
  const sharedAd = new Uint8Array(new SharedArrayBuffer(64), 16, 16).fill(5);
  const pooled = Buffer.from("a plaintext in Node's pool");
  const spy = new FakeWorker();
  const tw2 = remote(spy);
  const carol = await tw2.Identity.generate();
  await carol.seal(sharedKey);
  await outcomeAsync(() => tw2.describeMessage(pooled), "describeMessage of pooled bytes");
  assert.deepEqual([...new Set(sharedKey)], [9], "the caller's shared key is intact");
  await b.decrypt(await a.encrypt(pooled, { associatedData: sharedAd }), { associatedData: sharedAd });
  assert.deepEqual([...new Set(sharedAd)], [5], "the caller's shared associated data is intact");
  assert.ok(pooled.buffer.byteLength > pooled.length, "the Buffer is a view of Node's pool");
  const received = spy.requests.find((q) => q.op === "describeMessage").args[0];
  assert.equal(received.buffer.byteLength, pooled.length, "only the view's bytes reached the worker");
  assert.ok(spy.requests.find((q) => q.op === "identity.seal").args[1].buffer instanceof ArrayBuffer);
  // Everything still works.
  const m = await a.encrypt(enc.encode("still"));
  assert.deepEqual(await b.decrypt(m), enc.encode("still"));
  assert.deepEqual(await a.decrypt(await b.encrypt(enc.encode("fine"))), enc.encode("fine"));
});
