// The identity cache of the npm API and the Worker client (issue 12 item 2): what a cache
// changes is the number of ML-DSA verifications (counted in the Rust suite,
// tests/tests/integration/handshake.rs); here, that it is used and filled, that it never
// changes an outcome (a tampered bundle or a broken identity is refused with or without it),
// that it is bounded, and that wrong or disposed caches are refused with documented codes.
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import { Identity, IdentityCache, PrekeyStore, Session, TwofoldError, constants } from "twofold-pq";
import { composeBundle } from "twofold-pq/server";
import { RemoteIdentityCache, TwofoldWorker } from "twofold-pq/worker-client";
import { FakeWorker } from "../common/fake-worker.js";

const enc = new TextEncoder();

const isCode = (code) => (e) => e instanceof TwofoldError && e.code === code;

function responder(leaves = 4) {
  const bob = Identity.generate();
  const store = PrekeyStore.generate(bob);
  const upload = store.upload({ oneTime: leaves });
  return { bob, store, upload };
}

/** Two sessions answer each other. */
function talks(a, b) {
  assert.deepEqual(b.decrypt(a.encrypt(enc.encode("ping"))), enc.encode("ping"));
  assert.deepEqual(a.decrypt(b.encrypt(enc.encode("pong"))), enc.encode("pong"));
}

test("initiate and accept consult and fill the caller's cache; sessions work as without one", () => {
  const cache = new IdentityCache();
  assert.equal(cache.size, 0);
  const alice = Identity.generate();
  const r = responder();
  // Alice's cache: Bob's identity after her first bundle; the second bundle is a hit.
  for (const leaf of [0, 1]) {
    const { session: a, message } = Session.initiate(alice, composeBundle(r.upload, leaf), enc.encode("hi"), {
      identityCache: cache,
    });
    assert.equal(cache.size, 1, `after bundle ${leaf}`);
    // Bob's own cache: Alice, after the first accept.
    const bobs = new IdentityCache({ capacity: 2 });
    const { session: b, plaintext } = Session.accept(r.bob, r.store, message, {
      initiatorIdentity: alice.publicKey,
      identityCache: bobs,
    });
    assert.deepEqual(plaintext, enc.encode("hi"));
    assert.equal(bobs.size, 1);
    talks(a, b);
    bobs.dispose();
  }
  cache.clear();
  assert.equal(cache.size, 0);
});

test("the cache changes no outcome: a tampered bundle of a cached identity and a broken initiator are refused", () => {
  const cache = new IdentityCache();
  const alice = Identity.generate();
  const r = responder();
  Session.initiate(alice, composeBundle(r.upload, 0), enc.encode("x"), { identityCache: cache });
  // The same upload, another leaf, with a changed byte in its Merkle proof: refused.
  const tampered = composeBundle(r.upload, 1);
  tampered[tampered.length - 1] ^= 1;
  assert.throws(() => Session.initiate(alice, tampered, enc.encode("x"), { identityCache: cache }), isCode("BAD_SIGNATURE"));
  // The remembered upload's signature bytes changed (the identity still cached): refused.
  const resigned = composeBundle(r.upload, 1);
  const signatureAt = constants().identityLength + 4 + 32 + 4 + 1184 + 8 + 4 + 2;
  resigned[signatureAt + 100] ^= 1;
  assert.throws(() => Session.initiate(alice, resigned, enc.encode("x"), { identityCache: cache }), isCode("BAD_SIGNATURE"));
  // Bob has Alice cached; a directory answer with her keys and another (broken) binding is not
  // the cached identity, and is refused after authentication.
  const bobs = new IdentityCache();
  const { message } = Session.initiate(alice, composeBundle(r.upload, 2), enc.encode("x"));
  Session.accept(r.bob, r.store, message, { initiatorIdentity: alice.publicKey, identityCache: bobs });
  const broken = alice.publicKey;
  broken[broken.length - 50] ^= 1;
  const { message: again } = Session.initiate(alice, composeBundle(r.upload, 3), enc.encode("x"));
  assert.throws(
    () => Session.accept(r.bob, r.store, again, { initiatorIdentity: broken, identityCache: bobs }),
    isCode("BAD_SIGNATURE"),
  );
  // ... and the genuine identity still goes through (the store was left unchanged).
  Session.accept(r.bob, r.store, again, { initiatorIdentity: alice.publicKey, identityCache: bobs });
  assert.equal(bobs.size, 1);
});

test("the cache is bounded: the oldest identity goes first; capacity 0 keeps nothing", () => {
  const alice = Identity.generate();
  const one = new IdentityCache({ capacity: 1 });
  const none = new IdentityCache({ capacity: 0 });
  for (let i = 0; i < 3; i++) {
    const r = responder(1);
    Session.initiate(alice, composeBundle(r.upload, 0), enc.encode("x"), { identityCache: one });
    Session.initiate(alice, composeBundle(r.upload, 0), enc.encode("x"), { identityCache: none });
    assert.equal(one.size, 1);
    assert.equal(none.size, 0);
  }
  assert.equal(new IdentityCache().size, 0);
  assert.equal(constants().defaultIdentityCacheCapacity, 64);
});

test("wrong and disposed caches, and bad capacities, are refused with documented codes", () => {
  const alice = Identity.generate();
  const r = responder(1);
  const bundle = composeBundle(r.upload, 0);
  for (const bad of [null, 0, {}, alice, r.store, new Proxy(new IdentityCache(), {})]) {
    assert.throws(() => Session.initiate(alice, bundle, enc.encode("x"), { identityCache: bad }), isCode("INVALID_ARGUMENT"));
  }
  const gone = new IdentityCache();
  gone.dispose();
  assert.equal(gone.disposed, true);
  gone.dispose(); // idempotent
  assert.throws(() => gone.size, isCode("DISPOSED"));
  assert.throws(() => Session.initiate(alice, bundle, enc.encode("x"), { identityCache: gone }), isCode("DISPOSED"));
  assert.equal(new IdentityCache({ capacity: 1024 }).size, 0);
  for (const capacity of [-1, 0.5, 1025, 2 ** 32, NaN, "4", null]) {
    assert.throws(() => new IdentityCache({ capacity }), isCode("INVALID_ARGUMENT"), String(capacity));
  }
  assert.throws(() => new IdentityCache({ capcity: 4 }), isCode("INVALID_ARGUMENT"));
  // Nothing was consumed by the refusals: the bundle still starts a session.
  Session.initiate(alice, bundle, enc.encode("x"));
});

const workers = [];
afterEach(() => {
  for (const w of workers.splice(0)) w.terminate();
});

function remote() {
  const worker = new FakeWorker();
  workers.push(worker);
  return new TwofoldWorker(worker);
}

test("the Worker client: caches live in the worker and travel by handle", async () => {
  const tw = remote();
  const other = remote();
  const cache = await tw.IdentityCache.create({ capacity: 2 });
  assert.ok(cache instanceof RemoteIdentityCache);
  assert.equal(await cache.size(), 0);
  const alice = await tw.Identity.generate();
  const r = responder();
  const { session } = await tw.Session.initiate(alice, composeBundle(r.upload, 0), enc.encode("hi"), {
    identityCache: cache,
  });
  assert.equal(await cache.size(), 1);
  await session.dispose();
  // A cache of another worker, a plain object, a disposed cache.
  const foreign = await other.IdentityCache.create();
  await assert.rejects(
    tw.Session.initiate(alice, composeBundle(r.upload, 1), enc.encode("x"), { identityCache: foreign }),
    isCode("INVALID_ARGUMENT"),
  );
  await assert.rejects(
    tw.Session.initiate(alice, composeBundle(r.upload, 1), enc.encode("x"), { identityCache: { size: 0 } }),
    isCode("INVALID_ARGUMENT"),
  );
  await assert.rejects(tw.IdentityCache.create({ capacity: -1 }), isCode("INVALID_ARGUMENT"));
  // A bare handle number is not a cache, even one that names a live cache in the worker.
  for (const h of [1, 2, 3, 4]) {
    await assert.rejects(
      tw.Session.initiate(alice, composeBundle(r.upload, 1), enc.encode("x"), { identityCache: h }),
      isCode("INVALID_ARGUMENT"),
    );
  }
  await cache.clear();
  assert.equal(await cache.size(), 0);
  await cache.dispose();
  await assert.rejects(cache.size(), isCode("DISPOSED"));
  await assert.rejects(
    tw.Session.initiate(alice, composeBundle(r.upload, 1), enc.encode("x"), { identityCache: cache }),
    isCode("DISPOSED"),
  );
  // A worker-side cache at accept.
  const bob = await tw.Identity.generate();
  const store = await tw.PrekeyStore.generate(bob);
  const upload = await store.upload({ oneTime: 1 });
  const plain = Identity.generate();
  const { message } = Session.initiate(plain, composeBundle(upload, 0), enc.encode("hey"));
  const bobs = await tw.IdentityCache.create();
  const { plaintext } = await tw.Session.accept(bob, store, message, {
    initiatorIdentity: plain.publicKey,
    identityCache: bobs,
  });
  assert.deepEqual(plaintext, enc.encode("hey"));
  assert.equal(await bobs.size(), 1);
});
