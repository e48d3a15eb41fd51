// The Worker helper in Node: `twofold-pq/worker-client` against the real `twofold-pq/worker`
// module, connected by a MessageChannel (real structured cloning and transfers), and the check
// that the Worker API offers everything the main API does.
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import * as api from "twofold-pq";
import {
  Identity,
  PrekeyStore,
  Session,
  TwofoldError,
  describeMessage,
  describeBox,
  inspectBundle,
  safetyNumberOf,
  constants,
  version,
} from "twofold-pq";
import { readFileSync } from "node:fs";
import { composeBundle, fingerprintOf, inspectUpload } from "twofold-pq/server";
import * as client from "twofold-pq/worker-client";
const { RemoteIdentity, RemoteObject, RemotePrekeyStore, RemoteSession, TwofoldWorker } = client;
import { handle, operations } from "twofold-pq/worker";
import { FakeWorker } from "../common/fake-worker.js";

const enc = new TextEncoder();
const dec = new TextDecoder();
const asyncDispose = Symbol.asyncDispose ?? Symbol.for("Symbol.asyncDispose");
const DAY = 86400;

const open = [];
afterEach(() => {
  for (const w of open.splice(0)) w.terminate();
});

function start(options) {
  const worker = new FakeWorker(options);
  open.push(worker);
  return { worker, tw: new TwofoldWorker(worker) };
}

async function rejectsWith(promise, check, what) {
  await assert.rejects(promise, (e) => {
    check(e);
    return true;
  }, what);
}

const isCode = (code) => (e) => {
  assert.ok(e instanceof TwofoldError, `expected a TwofoldError, got ${e?.name}: ${e?.message}`);
  assert.equal(e.code, code);
};

// ---------------------------------------------------------------------------------------------
// The two APIs offer the same things.

/** Own string and symbol keys along a prototype chain (stopping before `stop`), with descriptors. */
function members(proto, stop) {
  const out = new Map();
  for (let p = proto; p !== null && p !== stop; p = Object.getPrototypeOf(p)) {
    for (const key of Reflect.ownKeys(p)) {
      if (key === "constructor" || out.has(key)) continue;
      out.set(key, Object.getOwnPropertyDescriptor(p, key));
    }
  }
  return out;
}

const isClass = (f) => typeof f === "function" && /^class\b/.test(Function.prototype.toString.call(f));
const isErrorClass = (f) => f === Error || f.prototype instanceof Error;
const DISPOSE_SYMBOLS = new Set([Symbol.dispose, Symbol.for("Symbol.dispose")].filter(Boolean));
const INTERNAL = new Set(["bounded", "byteView", "callWhen", "isUint8Array", "readOptions", "toTwofoldError"]);

/**
 * The documented mapping from the main API to the Worker API, as a checker. Returns what the
 * Worker API lacks (empty when it covers everything):
 * - a class `X` (not an error class) → factories `tw.X.<static>` for each static method, and a
 *   class `RemoteX` exported by the client with every member of `X.prototype`: a method stays a
 *   method (returning a promise), an accessor stays an accessor except the ones listed in
 *   `accessorsAsMethods` (`Identity.publicKey` → `publicKey()`), and `[Symbol.dispose]` becomes
 *   `[Symbol.asyncDispose]`;
 * - a function `f` → the method `tw.f`;
 * - constants and error classes (`ERROR_CODES`, `TwofoldError`) are shared, not proxied;
 * - the helpers `twofold-pq/server` and the worker client share with the main module
 *   (`INTERNAL`: marked `@internal`, absent from its .d.ts) are not part of the API.
 */
function missingFromWorker(mainModule, clientModule, tw, accessorsAsMethods = new Set(["Identity.publicKey", "IdentityCache.size"])) {
  const missing = [];
  for (const [name, value] of Object.entries(mainModule)) {
    if (typeof value !== "function" || (isClass(value) && isErrorClass(value)) || INTERNAL.has(name)) continue;
    if (!isClass(value)) {
      if (typeof tw[name] !== "function") missing.push(`tw.${name}()`);
      continue;
    }
    const factories = tw[name];
    for (const [key, d] of members(value, Function.prototype)) {
      if (["length", "name", "prototype"].includes(key) || typeof d.value !== "function") continue;
      if (typeof factories?.[key] !== "function") missing.push(`tw.${name}.${String(key)}()`);
    }
    const remote = clientModule[`Remote${name}`];
    if (!isClass(remote)) {
      missing.push(`class Remote${name}`);
      continue;
    }
    const have = members(remote.prototype, Object.prototype);
    for (const [key, d] of members(value.prototype, Object.prototype)) {
      if (DISPOSE_SYMBOLS.has(key)) {
        if (typeof have.get(asyncDispose)?.value !== "function") missing.push(`Remote${name}[Symbol.asyncDispose]`);
        continue;
      }
      const r = have.get(key);
      const label = `Remote${name}.${String(key)}`;
      if (typeof d.value === "function" || accessorsAsMethods.has(`${name}.${String(key)}`)) {
        if (typeof r?.value !== "function") missing.push(`${label}()`);
      } else if (typeof r?.get !== "function") {
        missing.push(`${label} (accessor)`);
      }
    }
  }
  return missing;
}

test("the Worker API offers every class, method and function of the main API", () => {
  const { tw } = start();
  // Sanity of the enumeration: it sees what the README documents.
  const names = (c) => [...members(c.prototype, Object.prototype).keys()].filter((k) => typeof k === "string");
  for (const m of ["encrypt", "decrypt", "safetyQr", "matchesSafetyQr", "peerFingerprint", "handshakeId", "dispose"]) {
    assert.ok(names(Session).includes(m), m);
  }
  // The internal helpers are exported at run time only: the published types omit them.
  const dts = readFileSync(new URL("../../dist/index.d.ts", import.meta.url), "utf8");
  for (const name of INTERNAL) {
    assert.equal(typeof api[name], "function", name);
    assert.doesNotMatch(dts, new RegExp(`\\b${name}\\b`), `${name} in index.d.ts`);
  }
  for (const m of ["upload", "rotateSignedPrekeys", "prune", "identity"]) {
    assert.ok(names(PrekeyStore).includes(m), m);
  }
  for (const f of ["messageKind", "describeMessage", "safetyNumberOf", "inspectBundle", "version", "ready"]) {
    assert.equal(typeof api[f], "function", f);
  }
  assert.deepEqual(missingFromWorker(api, client, tw), []);
});

test("the comparison fails when the main API grows and the Worker API does not", () => {
  const { tw } = start();
  class Session2 extends Session {
    frobnicate() {}
    get epoch() {
      return 0;
    }
    static resume() {}
  }
  const grown = { ...api, Session: Session2, limits() {}, Group: class Group {} };
  assert.deepEqual(missingFromWorker(grown, client, tw).sort(), [
    "RemoteSession.epoch (accessor)",
    "RemoteSession.frobnicate()",
    "class RemoteGroup",
    "tw.Session.resume()",
    "tw.limits()",
  ]);
  // An accessor documented as becoming a method must be one.
  class AccessorOnly {
    get publicKey() {
      return new Uint8Array(0);
    }
  }
  assert.deepEqual(missingFromWorker({ Identity }, { RemoteIdentity: AccessorOnly }, tw).sort(), [
    "RemoteIdentity.dispose()",
    "RemoteIdentity.disposed (accessor)",
    "RemoteIdentity.publicKey()",
    "RemoteIdentity.seal()",
    "RemoteIdentity[Symbol.asyncDispose]",
  ]);
});

// ---------------------------------------------------------------------------------------------
// Behaviour.

test("every operation round-trips through the worker", async () => {
  const { worker, tw } = start();
  const { Identity: RI, PrekeyStore: RP, Session: RS } = tw; // the factories destructure
  const key = () => new Uint8Array(32).fill(9);
  const now = Math.floor(Date.now() / 1000);

  await tw.ready();
  assert.equal(await tw.isInitialized(), true);
  assert.equal(await tw.version(), version());
  assert.deepEqual(await tw.constants(), constants());

  const bob = await RI.generate();
  assert.ok(bob instanceof RemoteIdentity && bob instanceof RemoteObject);
  const bobPub = await bob.publicKey();
  assert.equal(bobPub.length, 5296);
  const bob2 = await RI.open(await bob.seal(key()), key());
  assert.deepEqual(await bob2.publicKey(), bobPub);
  // Seal and open options cross to the worker: a blob bound to a context opens only with it.
  const slot = enc.encode("slot:bob");
  const bound = await bob.seal(key(), { context: slot });
  await rejectsWith(RI.open(bound, key()), isCode("AUTH_FAILED"));
  const bob3 = await RI.open(bound, key(), { context: slot });
  assert.deepEqual(await bob3.publicKey(), bobPub);
  await bob3.dispose();

  const store = await RP.generate(bob, { now });
  assert.ok(store instanceof RemotePrekeyStore);
  assert.equal(store.identity, bob);
  const info0 = await store.info();
  assert.deepEqual([info0.oneTimeHeld, info0.signedPrekeyCreatedAt, info0.nextBatchId], [0, now, 1]);
  const first = await store.upload({ oneTime: 2, kem: 1 });
  assert.deepEqual([(await store.info()).oneTimeHeld, (await store.info()).oneTimeKemHeld], [2, 1]);
  await store.rotateSignedPrekeys(now + 1);
  const rotated = await store.info();
  assert.equal(rotated.signedPrekeyId, info0.signedPrekeyId + 1);
  assert.equal(rotated.hasPreviousSignedPrekey, true);
  await store.prune(now + 30 * DAY);
  assert.equal((await store.info()).hasPreviousSignedPrekey, false);
  const reopened = await RP.open(await store.seal(key()), key(), bob2);
  assert.equal(reopened.identity, bob2);
  assert.deepEqual(await reopened.info(), await store.info());
  await reopened.dispose();
  const storeBlob = await store.seal(key(), { context: slot });
  const gen = (await store.info()).generation;
  assert.ok(gen > 0, "upload, rotation and pruning each advanced the generation");
  await rejectsWith(RP.open(storeBlob, key(), bob2, { context: slot, minGeneration: gen + 1 }), isCode("ROLLED_BACK"));
  await rejectsWith(RP.open(storeBlob, key(), bob2, { minGeneration: gen }), isCode("AUTH_FAILED"));
  const atGen = await RP.open(storeBlob, key(), bob2, { context: slot, minGeneration: gen });
  assert.equal((await atGen.info()).generation, gen);
  await atGen.dispose();

  // An upload made in the worker, composed by the server (twofold-pq/server, no secret).
  assert.equal(inspectUpload(first).leafCount, 2);
  const upload = await store.upload({ oneTime: 3 });
  const uploadInfo = inspectUpload(upload);
  assert.deepEqual([uploadInfo.batchId, uploadInfo.leafCount], [2, 3]);
  assert.deepEqual(uploadInfo.identity, bobPub);
  const bundle = composeBundle(upload, 0);
  const facts = await tw.inspectBundle(bundle);
  assert.deepEqual(facts, inspectBundle(bundle));
  assert.deepEqual(facts.identity, bobPub);

  const alice = await RI.generate();
  const alicePub = await alice.publicKey();
  // The initiator's maximum prekey age crosses as an option (null disables it).
  await rejectsWith(RS.initiate(alice, bundle, enc.encode("hi"), { now: now + 31 * DAY }), isCode("STALE_PREKEY"));
  const late = await RS.initiate(alice, bundle, enc.encode("late"), { now: now + 31 * DAY, maxPrekeyAge: null });
  await late.session.dispose();
  const { session: a, message } = await RS.initiate(alice, bundle, enc.encode("hi"));
  assert.ok(a instanceof RemoteSession);
  assert.equal(await tw.messageKind(message), "initial");
  const described = await tw.describeMessage(message);
  assert.deepEqual(described, describeMessage(message));
  assert.deepEqual(described.handshake.initiatorFingerprint, fingerprintOf(alicePub));
  assert.equal(described.handshake.selfContained, false);
  // The compact form needs Alice's identity (Bob's directory); the option crosses to the worker.
  await rejectsWith(RS.accept(bob, store, message), isCode("IDENTITY_REQUIRED"));
  await rejectsWith(RS.accept(bob, store, message, { initiatorIdentity: bobPub }), isCode("INITIATOR_MISMATCH"));
  const { session: b, plaintext } = await RS.accept(bob, store, message, { initiatorIdentity: alicePub });
  assert.equal(dec.decode(plaintext), "hi");
  // The self-contained form crosses too, and needs no identity at accept.
  const whole = await RS.initiate(alice, composeBundle(upload, 1), enc.encode("hi"), { selfContained: true });
  assert.equal((await tw.describeMessage(whole.message)).handshake.selfContained, true);
  // Her identity's body (all but its 3-byte header) instead of her X25519 key and fingerprint.
  assert.equal(whole.message.length - message.length, constants().identityLength - 3 - 64);
  const wholeB = await RS.accept(bob, store, whole.message);
  assert.equal(dec.decode(wholeB.plaintext), "hi");
  await Promise.all([whole.session.dispose(), wholeB.session.dispose()]);

  // Sealed boxes: sealed in the worker (anonymous, and from Alice's identity there), opened by
  // Bob's store in the worker; the sender travels as a handle and never as key material.
  const boxBundle = composeBundle(upload, null);
  const anonymous = await tw.sealBox(boxBundle, enc.encode("anon"), { associatedData: enc.encode("b") });
  assert.deepEqual(await tw.describeBox(anonymous), describeBox(anonymous));
  assert.equal(await store.boxSender(anonymous), null);
  assert.equal(dec.decode((await store.openBox(anonymous, { associatedData: enc.encode("b") })).plaintext), "anon");
  const fromAlice = await tw.sealBox(boxBundle, enc.encode("boxed"), { from: alice });
  assert.equal((await tw.describeBox(fromAlice)).authenticated, true);
  assert.deepEqual(await store.boxSender(fromAlice), fingerprintOf(alicePub));
  const openedBox = await store.openBox(fromAlice, { sender: alicePub });
  assert.equal(dec.decode(openedBox.plaintext), "boxed");
  assert.deepEqual(openedBox.sender, fingerprintOf(alicePub));
  await rejectsWith(store.openBox(fromAlice), isCode("IDENTITY_REQUIRED"));
  await rejectsWith(tw.sealBox(boxBundle, enc.encode("x"), { from: 1 }), isCode("INVALID_ARGUMENT"));

  const ad = enc.encode("channel");
  const r = await b.encrypt(enc.encode("hello Alice"), { associatedData: ad });
  assert.equal(await tw.messageKind(r), "ratchet");
  assert.equal(dec.decode(await a.decrypt(r, { associatedData: ad })), "hello Alice");
  assert.equal(dec.decode(await b.decrypt(await a.encrypt(enc.encode("hello Bob")))), "hello Bob");
  assert.equal((await a.info()).role, "initiator");
  assert.equal((await b.info()).role, "responder");

  const sn = await a.safetyNumber();
  assert.match(sn, /^(\d{5} ){11}\d{5}$/);
  assert.equal(sn, await b.safetyNumber());
  assert.equal(await tw.safetyNumberOf(alicePub, bobPub), sn);
  assert.equal(safetyNumberOf(alicePub, bobPub), sn);
  const qr = await a.safetyQr();
  assert.equal(qr.length, 65);
  assert.equal(await b.matchesSafetyQr(qr), true);
  assert.equal(await b.matchesSafetyQr(new Uint8Array(65)), false);
  assert.deepEqual(await a.sas(), await b.sas());
  assert.deepEqual(await a.peerFingerprint(), fingerprintOf(bobPub));
  assert.deepEqual(await b.peerFingerprint(), fingerprintOf(alicePub));
  assert.deepEqual(await a.handshakeId(), await b.handshakeId());

  // A session sealed in the worker opens in the worker and with the direct API alike.
  const blob = await a.seal(key());
  const a2 = await RS.open(blob, key());
  const m = await b.encrypt(enc.encode("after load"));
  assert.equal(dec.decode(await a2.decrypt(m)), "after load");
  const direct = Session.open(blob, key());
  assert.equal(dec.decode(direct.decrypt(m)), "after load");
  direct.dispose();
  const sessionGen = (await a.info()).generation;
  const boundSession = await a.seal(key(), { context: slot });
  await rejectsWith(RS.open(boundSession, key(), { context: slot, minGeneration: sessionGen + 1 }), isCode("ROLLED_BACK"));
  const a3 = await RS.open(boundSession, key(), { context: slot, minGeneration: sessionGen });
  assert.deepEqual(await a3.handshakeId(), await a.handshakeId());
  await a3.dispose();

  // An identity cache in the worker, given to initiate by handle.
  const cache = await tw.IdentityCache.create({ capacity: 4 });
  const cached = await RS.initiate(alice, composeBundle(upload, 2), enc.encode("hi"), { identityCache: cache });
  assert.equal(await cache.size(), 1);
  await cache.clear();
  assert.equal(await cache.size(), 0);

  for (const o of [a, a2, b, store, alice, bob, bob2, cached.session, cache]) await o.dispose();

  const served = new Set(worker.ops);
  assert.deepEqual(operations.filter((op) => !served.has(op)), [], "operations this test never exercised");
  assert.ok(operations.length >= 33);
});

test("arguments are copied (the caller's arrays stay intact), results transferred", async () => {
  const { worker, tw } = start();
  const bob = await tw.Identity.generate();
  const appKey = new Uint8Array(32).fill(5);
  const blob = await bob.seal(appKey);
  assert.deepEqual(appKey, new Uint8Array(32).fill(5));
  assert.ok(blob.length > 0);
  assert.deepEqual(worker.transfers, [0, 1], "a handle is cloned, the sealed blob's buffer transferred");
  const store = await tw.PrekeyStore.generate(bob);
  const upload = await store.upload({ oneTime: 0 });
  assert.equal(worker.transfers.at(-1), 1, "the upload's buffer");
  await tw.Session.initiate(await tw.Identity.generate(), composeBundle(upload, null), enc.encode("x"));
  assert.equal(worker.transfers.at(-1), 1, "{ session, message }: the message's buffer");
});

test("an error in the worker keeps its TwofoldError code", async () => {
  const { tw } = start();
  const bob = await tw.Identity.generate();
  // No one-time prekeys: the handshake is kept in the replay cache, and its replay refused.
  const store = await tw.PrekeyStore.generate(bob);
  const bundle = composeBundle(await store.upload({ oneTime: 0 }), null);
  const alice = await tw.Identity.generate();
  const { session: a, message } = await tw.Session.initiate(alice, bundle, enc.encode("x"));
  const initiatorIdentity = await alice.publicKey();
  const { session: b } = await tw.Session.accept(bob, store, message, { initiatorIdentity });
  await rejectsWith(tw.Session.accept(bob, store, message, { initiatorIdentity }), isCode("REPLAYED_HANDSHAKE"));
  const m = await b.encrypt(enc.encode("one"));
  const bad = m.slice();
  bad[bad.length - 1] ^= 1;
  await rejectsWith(a.decrypt(bad), isCode("AUTH_FAILED"));
  assert.equal(dec.decode(await a.decrypt(m)), "one");
  await rejectsWith(a.decrypt(m), isCode("DUPLICATE_MESSAGE"));
  await rejectsWith(a.encrypt("text"), isCode("INVALID_ARGUMENT"));
  await rejectsWith(tw.Identity.open(new Uint8Array(10), new Uint8Array(32)), (e) => {
    assert.ok(e instanceof TwofoldError);
    assert.notEqual(e.code, undefined);
  });
  await rejectsWith(tw.describeMessage(new Uint8Array(8 * 1024 * 1024)), isCode("TOO_LARGE"));
});

test("a non-Twofold error in the worker keeps its class, name and message", async () => {
  class QuotaError extends Error {
    name = "QuotaError";
  }
  const throwing = {
    TypeError: () => new TypeError("not a function"),
    RangeError: () => new RangeError("out of range"),
    RuntimeError: () => new WebAssembly.RuntimeError("unreachable"),
    QuotaError: () => new QuotaError("full"),
  };
  let raise = throwing.TypeError;
  // On the worker side (the same realm here), make the session's encrypt throw, as a bug would,
  // for the one call the transform sees. (A caller's throwing getter no longer gets this far:
  // it is INVALID_ARGUMENT, see hostile.test.mjs.)
  const original = Session.prototype.encrypt;
  const { tw } = start({
    transform: (data) => {
      if (data.op === "session.encrypt") {
        Session.prototype.encrypt = function () {
          Session.prototype.encrypt = original;
          throw raise();
        };
      }
      return data;
    },
  });
  const bob = await tw.Identity.generate();
  const store = await tw.PrekeyStore.generate(bob);
  const bundle = composeBundle(await store.upload({ oneTime: 0 }), null);
  const { session } = await tw.Session.initiate(await tw.Identity.generate(), bundle, enc.encode("x"));
  for (const [name, make] of Object.entries(throwing)) {
    raise = make;
    const expected = make();
    await rejectsWith(session.encrypt(enc.encode("y")), (e) => {
      assert.ok(!(e instanceof TwofoldError), `${name} became a TwofoldError`);
      assert.equal(e.code, undefined);
      assert.equal(e.name, name);
      assert.equal(e.message, expected.message);
      assert.ok(e instanceof Error);
      if (name !== "QuotaError") assert.ok(e instanceof expected.constructor, `${name} class`);
    });
  }
  // The worker's answer for a thrown non-Error value.
  raise = () => "a string";
  await rejectsWith(session.encrypt(enc.encode("y")), (e) => {
    assert.equal(e.name, "Error");
    assert.equal(e.message, "a string");
  });
});

test("handle(): unknown operations are INVALID_ARGUMENT; argument arrays are wiped", async () => {
  for (const bad of [{ id: 1, op: "nope", args: [] }, { id: 2, op: "version" }, null, { id: 3, op: "toString", args: [] }]) {
    const r = await handle(bad);
    assert.equal(r.ok, false);
    assert.equal(r.error.code, "INVALID_ARGUMENT");
  }
  const id = await handle({ id: 4, op: "identity.generate", args: [] });
  assert.equal(id.ok, true);
  const appKey = new Uint8Array(32).fill(3);
  const sealed = await handle({ id: 5, op: "identity.seal", args: [id.value, appKey] });
  assert.equal(sealed.id, 5);
  assert.equal(sealed.ok, true);
  assert.deepEqual(appKey, new Uint8Array(32), "the worker's copy of the key is wiped");
  const key2 = new Uint8Array(32).fill(4);
  const context = new Uint8Array(8).fill(5);
  const bound = await handle({ id: 10, op: "identity.seal", args: [id.value, key2, { context }] });
  assert.equal(bound.ok, true);
  assert.deepEqual([key2, context], [new Uint8Array(32), new Uint8Array(8)], "byte options are wiped too");
  const wrong = await handle({ id: 6, op: "session.encrypt", args: [id.value, new Uint8Array(1)] });
  assert.equal(wrong.error.code, "INVALID_ARGUMENT", "an identity handle is not a session");
  await handle({ id: 7, op: "dispose", args: [id.value] });
  const gone = await handle({ id: 8, op: "identity.publicKey", args: [id.value] });
  assert.equal(gone.error.code, "DISPOSED");
  const never = await handle({ id: 9, op: "identity.publicKey", args: [1e9] });
  assert.equal(never.error.code, "INVALID_ARGUMENT");
});

test("pending calls reject with DISPOSED when the worker emits error; later calls at once", async () => {
  const { worker, tw } = start();
  const id = await tw.Identity.generate();
  const pending = [tw.Identity.generate(), tw.version(), id.publicKey()];
  const e = new Event("error");
  e.message = "Uncaught SyntaxError: boom";
  worker.dispatchEvent(e);
  for (const p of pending) {
    await rejectsWith(p, (err) => {
      isCode("DISPOSED")(err);
      assert.match(err.message, /worker failed \(Uncaught SyntaxError: boom\)/);
    });
  }
  assert.equal(worker.terminated, true, "a failed worker is stopped");
  assert.equal(tw.terminated, true);
  assert.equal(id.disposed, true);
  await rejectsWith(tw.version(), isCode("DISPOSED"));
  await id.dispose(); // nothing left to wipe: resolves
});

test("pending calls reject with DISPOSED on messageerror", async () => {
  const { worker, tw } = start();
  const p = tw.Identity.generate();
  worker.dispatchEvent(new Event("messageerror"));
  await rejectsWith(p, (err) => {
    isCode("DISPOSED")(err);
    assert.match(err.message, /could not be deserialized/);
  });
  await rejectsWith(tw.version(), isCode("DISPOSED"));
});

test("terminate(): pending calls reject with DISPOSED, later calls reject at once", async () => {
  const { worker, tw } = start();
  const s = await tw.Identity.generate();
  const p = tw.Identity.generate();
  tw.terminate();
  tw.terminate();
  assert.equal(worker.terminated, true);
  await rejectsWith(p, (err) => {
    isCode("DISPOSED")(err);
    assert.match(err.message, /terminated/);
  });
  const before = worker.ops.length;
  await rejectsWith(tw.Session.initiate(s, new Uint8Array(1), new Uint8Array(1)), isCode("DISPOSED"));
  await rejectsWith(s.seal(new Uint8Array(32)), isCode("DISPOSED"));
  assert.equal(worker.ops.length, before, "nothing was sent");
  assert.equal(s.disposed, true);
  await s.dispose();
  await s[asyncDispose]();
});

test("[Symbol.asyncDispose] disposes the object in the worker", async () => {
  const { worker, tw } = start();
  const bob = await tw.Identity.generate();
  const store = await tw.PrekeyStore.generate(bob);
  const bundle = composeBundle(await store.upload({ oneTime: 1 }), 0);
  const { session } = await tw.Session.initiate(await tw.Identity.generate(), bundle, enc.encode("x"));
  assert.equal(typeof session[asyncDispose], "function");
  const seen = worker.ops.length;
  const first = session[asyncDispose]();
  assert.equal(session.disposed, true);
  assert.equal(session.dispose(), first, "idempotent: the same promise");
  await first;
  assert.deepEqual(worker.ops.slice(seen), ["dispose"], "one dispose reached the worker");
  await rejectsWith(session.encrypt(enc.encode("x")), (e) => {
    isCode("DISPOSED")(e);
    assert.match(e.message, /^Session was disposed/);
  });
  // In the worker itself, the handle is dead.
  const [h] = worker.requests.at(-1).args;
  const r = await handle({ id: 0, op: "session.safetyNumber", args: [h] });
  assert.equal(r.ok, false);
  assert.equal(r.error.code, "DISPOSED");
  // A disposed store or identity passed as an argument is refused on this side.
  await store[asyncDispose]();
  await rejectsWith(tw.Session.accept(bob, store, new Uint8Array(1)), isCode("DISPOSED"));
});

test("arguments are checked on the main thread: kind, owner, cloneability", async () => {
  const { tw } = start();
  const { tw: other } = start();
  const mine = await tw.Identity.generate();
  const theirs = await other.Identity.generate();
  await rejectsWith(tw.PrekeyStore.generate(theirs), (e) => {
    isCode("INVALID_ARGUMENT")(e);
    assert.match(e.message, /another TwofoldWorker/);
  });
  await rejectsWith(tw.PrekeyStore.generate({ handle: 1 }), isCode("INVALID_ARGUMENT"));
  const store = await tw.PrekeyStore.generate(mine);
  await rejectsWith(tw.Session.accept(store, store, new Uint8Array(1)), isCode("INVALID_ARGUMENT"));
  await rejectsWith(store.upload({ oneTime: () => 1 }), (e) => {
    isCode("INVALID_ARGUMENT")(e);
    assert.match(e.message, /cannot be sent to the worker/);
  });
  await rejectsWith(RemoteSession.prototype.encrypt.call({}, new Uint8Array(1)), isCode("INVALID_ARGUMENT"));
  assert.throws(() => new RemoteSession(), TypeError);
  // One client per worker: a second one would take the first one's answers.
  const { worker } = start();
  assert.throws(() => new TwofoldWorker(worker), (e) => e instanceof TwofoldError && e.code === "INVALID_ARGUMENT");
});
