// twofold-pq/store in Node (issue 14): the memory and file backends, routing of every kind of
// incoming message by receive(), commits that happen before results are returned, refusals that
// change nothing, operations serialized across two stores on one backend, change notices.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { TwofoldError, sealBox } from "twofold-pq";
import { composeBundle } from "twofold-pq/server";
import { FileBackend, MemoryBackend, TwofoldStore } from "twofold-pq/store";

const enc = new TextEncoder();
const dec = new TextDecoder();
const isCode = (code) => (e) => e instanceof TwofoldError && e.code === code;
const key = (n = 7) => new Uint8Array(32).fill(n);

const dirs = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function fileBackend() {
  const d = await mkdtemp(join(tmpdir(), "twofold-store-"));
  dirs.push(d);
  return { dir: d, backend: await FileBackend.open(d) };
}

const backends = {
  memory: async () => ({ backend: new MemoryBackend() }),
  file: fileBackend,
};

/** Alice and Bob, each with a store, Bob's upload on the "server". */
async function parties(make) {
  const a = await make();
  const b = await make();
  const alice = await TwofoldStore.open(a.backend, { appKey: key(1), name: `alice-${Math.random()}` });
  const bob = await TwofoldStore.open(b.backend, { appKey: key(2), name: `bob-${Math.random()}` });
  const upload = await bob.upload({ oneTime: 4 });
  return { a, b, alice, bob, upload };
}

for (const [kind, make] of Object.entries(backends)) {
  test(`${kind}: a conversation through two stores, every message routed by receive()`, async () => {
    const { alice, bob, upload } = await parties(make);
    const { peer: bobPeer, message: m1 } = await alice.initiate(composeBundle(upload, 0), enc.encode("hello"));
    // Before Bob replies, each of Alice's messages repeats the handshake: receive() routes the
    // second one to the session the first one created (no REPLAYED_HANDSHAKE, no guesswork).
    const m2 = await alice.encrypt(bobPeer, enc.encode("still there?"));
    const first = await bob.receive(m1, { initiatorIdentity: alice.publicKey });
    assert.equal(first.isNew, true);
    assert.equal(dec.decode(first.plaintext), "hello");
    const second = await bob.receive(m2);
    assert.equal(second.isNew, false);
    assert.equal(second.peer, first.peer);
    assert.equal(dec.decode(second.plaintext), "still there?");
    assert.deepEqual(await bob.peers(), [first.peer]);
    // Replies and a burst both ways; Alice routes without `from`, Bob with it.
    for (let i = 0; i < 20; i++) {
      const r = await bob.encrypt(first.peer, enc.encode(`r${i}`));
      const got = await alice.receive(r);
      assert.equal(got.peer, bobPeer);
      assert.equal(dec.decode(got.plaintext), `r${i}`);
      const s = await alice.encrypt(bobPeer, enc.encode(`s${i}`));
      assert.equal(dec.decode((await bob.receive(s, { from: first.peer })).plaintext), `s${i}`);
    }
    assert.equal(await alice.safetyNumber(bobPeer), await bob.safetyNumber(first.peer));
    // Verification through the store: each side's QR payload matches on the other side only.
    const aliceQr = await alice.safetyQr(bobPeer);
    assert.equal(await bob.matchesSafetyQr(first.peer, aliceQr), true);
    assert.equal(await alice.matchesSafetyQr(bobPeer, await bob.safetyQr(first.peer)), true);
    const altered = aliceQr.slice();
    altered[altered.length - 1] ^= 1;
    assert.equal(await bob.matchesSafetyQr(first.peer, altered), false, "an altered code does not match");
    const [sasA, sasB] = [await alice.sas(bobPeer), await bob.sas(first.peer)];
    assert.deepEqual(sasA, sasB);
    assert.equal(sasA.emoji.length > 0 && sasA.decimal.length > 0, true);
    await assert.rejects(alice.sas("00".repeat(32)), isCode("NO_SESSION"));
    assert.equal((await alice.info(bobPeer)).role, "initiator");
    // The same message again is a duplicate, and changes nothing.
    const again = await bob.encrypt(first.peer, enc.encode("once"));
    await alice.receive(again);
    await assert.rejects(alice.receive(again), isCode("DUPLICATE_MESSAGE"));
    await alice.close();
    await bob.close();
  });

  test(`${kind}: state survives reopening; a wrong application key opens nothing`, async () => {
    const { a, alice, bob, upload } = await parties(make);
    const { peer } = await alice.initiate(composeBundle(upload, 0), enc.encode("x"));
    const publicKey = alice.publicKey;
    await alice.close();
    await assert.rejects(alice.encrypt(peer, enc.encode("y")), isCode("DISPOSED"));
    const backend = kind === "file" ? await FileBackend.open(a.dir) : a.backend;
    await assert.rejects(TwofoldStore.open(backend, { appKey: key(9) }), isCode("AUTH_FAILED"));
    const reopened = await TwofoldStore.open(backend, { appKey: key(1) });
    assert.deepEqual(reopened.publicKey, publicKey);
    assert.deepEqual(await reopened.peers(), [peer]);
    const m = await reopened.encrypt(peer, enc.encode("after reopening"));
    assert.equal(dec.decode((await bob.receive(m, { initiatorIdentity: publicKey })).plaintext), "after reopening");
    await reopened.close();
    await bob.close();
  });
}

test("sealed boxes open against the stored prekeys, and opening commits nothing", async () => {
  const { alice, bob, upload, b } = await parties(backends.memory);
  const bundle = composeBundle(upload, null);
  const sealed = sealBox(bundle, enc.encode("boxed"));
  const before = await snapshot(b.backend);
  assert.deepEqual((await bob.openBox(sealed)).plaintext, enc.encode("boxed"));
  assert.equal(await bob.boxSender(sealed), null);
  assert.deepEqual(await snapshot(b.backend), before, "nothing written");
  await assert.rejects(alice.openBox(sealed), isCode("AUTH_FAILED"));
});

test("an upload is returned only after the prekeys behind it are stored", async () => {
  const backend = new MemoryBackend();
  const bob = await TwofoldStore.open(backend, { appKey: key(2) });
  const upload = await bob.upload({ oneTime: 2 });
  assert.equal((await bob.prekeyInfo()).oneTimeHeld, 2);
  await bob.close();
  // A store reopened from the backend (a restart) accepts handshakes on the uploaded leaves.
  const again = await TwofoldStore.open(backend, { appKey: key(2) });
  const alice = await TwofoldStore.open(new MemoryBackend(), { appKey: key(1) });
  const { message } = await alice.initiate(composeBundle(upload, 1), enc.encode("hi"));
  const r = await again.receive(message, { initiatorIdentity: alice.publicKey });
  assert.equal(dec.decode(r.plaintext), "hi");
  // The one-time prekey is consumed in the same commit as the session: a replay is refused.
  await again.forget(r.peer);
  await assert.rejects(again.receive(message, { initiatorIdentity: alice.publicKey }), isCode("PREKEY_ALREADY_USED"));
});

/** A memory backend whose commits can be made to fail. */
class FlakyBackend extends MemoryBackend {
  failNext = 0;
  async commit(writes) {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error("disk full");
    }
    return super.commit(writes);
  }
}

/** A generation log in memory (an app keeps it where the backend cannot roll it back). */
class Log {
  map = new Map();
  sets = 0;
  failNext = 0;
  failures = [];
  async get(k) {
    return this.map.get(k);
  }
  async set(k, g) {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error("log unreachable");
    }
    assert.ok(!(this.map.get(k) >= g), "an entry only grows");
    this.sets++;
    this.map.set(k, g);
  }
  failed(k, e) {
    this.failures.push([k, e.message]);
  }
  /** The one entry whose key ends with `suffix`'s pattern. */
  entry(pattern) {
    const keys = [...this.map.keys()].filter((k) => pattern.test(k));
    assert.equal(keys.length, 1, `one entry matches ${pattern}`);
    return this.map.get(keys[0]);
  }
}

/** Bob's store on `backend` with a generation log, Alice's store, and a session between them. */
async function guardedSession(backend, oneTime) {
  const log = new Log();
  const bob = await TwofoldStore.open(backend, { appKey: key(2), generations: log });
  const alice = await TwofoldStore.open(new MemoryBackend(), { appKey: key(1) });
  const upload = await bob.upload({ oneTime });
  const { message } = await alice.initiate(composeBundle(upload, 0), enc.encode("hi"));
  const { peer } = await bob.receive(message, { initiatorIdentity: alice.publicKey });
  return { log, bob, alice, upload, peer };
}

/** Every entry of a memory backend, to put back later (a restored backup). */
async function snapshot(backend) {
  return Promise.all((await backend.keys("")).map(async (k) => [k, await backend.get(k)]));
}

test("with a generation log, a backend rolled back to an older copy is ROLLED_BACK, never reused", async () => {
  const log = new Log();
  const backend = new MemoryBackend();
  const bob = await TwofoldStore.open(backend, { appKey: key(2), generations: log });
  assert.equal(log.entry(/^[0-9a-f]{64}\/prekeys$/), 0, "the new prekey store is recorded");
  const upload = await bob.upload({ oneTime: 2 });
  const alice = await TwofoldStore.open(new MemoryBackend(), { appKey: key(1) });
  const first = await alice.initiate(composeBundle(upload, 0), enc.encode("hi"));
  // A backup of Bob's backend before the handshake: it still holds one-time prekey 0.
  const beforeHandshake = await snapshot(backend);
  const { peer: alicePeer } = await bob.receive(first.message, { initiatorIdentity: alice.publicKey });
  const slot = new RegExp(`/session/${alicePeer}/[0-9a-f]{64}$`);
  assert.equal(log.entry(slot), (await bob.info(alicePeer)).generation);
  for (let i = 0; i < 3; i++) await alice.receive(await bob.encrypt(alicePeer, enc.encode(`r${i}`)));
  const backup = await snapshot(backend);
  await alice.receive(await bob.encrypt(alicePeer, enc.encode("after the backup")));
  const recorded = log.entry(slot);
  assert.equal(recorded, (await bob.info(alicePeer)).generation);

  // The backup comes back: the session would reuse the position of "after the backup".
  await backend.commit(backup);
  const sets = log.sets;
  await assert.rejects(bob.encrypt(alicePeer, enc.encode("reused?")), isCode("ROLLED_BACK"));
  await assert.rejects(bob.info(alicePeer), isCode("ROLLED_BACK"));
  await assert.rejects(bob.receive(await alice.encrypt(first.peer, enc.encode("x")), { from: alicePeer }), isCode("ROLLED_BACK"));
  // Without `from` too (the only session is the rolled-back one).
  await assert.rejects(bob.receive(await alice.encrypt(first.peer, enc.encode("y"))), isCode("ROLLED_BACK"));
  // The older backup would bring back one-time prekey 0: the prekey store is refused too.
  await backend.commit(beforeHandshake);
  await assert.rejects(bob.prekeyInfo(), isCode("ROLLED_BACK"));
  await assert.rejects(bob.upload({ oneTime: 1 }), isCode("ROLLED_BACK"));
  assert.equal(log.sets, sets, "refusals record nothing");
  assert.equal(log.entry(slot), recorded);

  // The same rollback without a log goes unnoticed: what the option is for.
  const unguarded = new MemoryBackend();
  const carol = await TwofoldStore.open(unguarded, { appKey: key(3) });
  const old = await snapshot(unguarded);
  await carol.upload({ oneTime: 1 });
  await unguarded.commit(old);
  assert.equal((await carol.prekeyInfo()).oneTimeHeld, 0, "the old copy opens");
  await Promise.all([alice.close(), bob.close(), carol.close()]);
});

test("with a generation log, a replaced or forgotten session cannot come back, and new ones work", async () => {
  const backend = new MemoryBackend();
  const { log, bob, alice, upload, peer } = await guardedSession(backend, 3);
  const early = await backend.get(`session/${peer}`);
  for (let i = 0; i < 5; i++) await alice.receive(await bob.encrypt(peer, enc.encode(`m${i}`)));
  // Alice starts over: the new session replaces the old one in the same slot, with an entry
  // of its own; the old one's entry stays.
  const two = await alice.initiate(composeBundle(upload, 1), enc.encode("two"));
  const r = await bob.receive(two.message, { initiatorIdentity: alice.publicKey });
  assert.equal(dec.decode(r.plaintext), "two");
  const entries = [...log.map.entries()].filter(([k]) => k.includes(`/session/${peer}/`));
  assert.equal(entries.length, 2, "one entry per handshake");
  assert.deepEqual(entries.map(([, g]) => g).sort((a, b) => a - b), [0, 5]);
  const current = await backend.get(`session/${peer}`);
  // An old copy of the replaced session, put back in the slot, is refused.
  await backend.commit([[`session/${peer}`, early]]);
  await assert.rejects(bob.encrypt(peer, enc.encode("old?")), isCode("ROLLED_BACK"));
  await backend.commit([[`session/${peer}`, current]]);
  assert.equal(dec.decode((await alice.receive(await bob.encrypt(peer, enc.encode("ok")))).plaintext), "ok");
  // Forgetting keeps the entry: the forgotten session, restored, is refused too.
  const forgotten = await backend.get(`session/${peer}`);
  const before = await bob.encrypt(peer, enc.encode("last"));
  await alice.receive(before);
  assert.equal(await bob.forget(peer), true);
  await backend.commit([[`session/${peer}`, forgotten]]);
  await assert.rejects(bob.encrypt(peer, enc.encode("again?")), isCode("ROLLED_BACK"));
  await bob.forget(peer);
  const three = await alice.initiate(composeBundle(upload, 2), enc.encode("three"));
  assert.equal(dec.decode((await bob.receive(three.message, { initiatorIdentity: alice.publicKey })).plaintext), "three");
  // A log that answers nonsense is a storage failure, not a silently disabled check.
  const prekeys = [...log.map.keys()].find((k) => k.endsWith("/prekeys"));
  log.map.set(prekeys, "7");
  await assert.rejects(bob.prekeyInfo(), isCode("STORAGE_FAILED"));
  await assert.rejects(TwofoldStore.open(new MemoryBackend(), { appKey: key(4), generations: {} }), isCode("INVALID_ARGUMENT"));
  await Promise.all([alice.close(), bob.close()]);
});

test("with a generation log: a failed commit records nothing; a failed record keeps the committed result", async () => {
  const flaky = new FlakyBackend();
  const { log, bob, alice, peer } = await guardedSession(flaky, 1);
  const slot = new RegExp(`/session/${peer}/`);
  const g0 = log.entry(slot);
  // The commit fails: nothing returned, the log unchanged (it must not run ahead of the backend).
  flaky.failNext = 1;
  await assert.rejects(bob.encrypt(peer, enc.encode("lost")), isCode("STORAGE_FAILED"));
  assert.equal(log.entry(slot), g0);
  // The log fails after the commit: the ciphertext is returned, the failure reported, and
  // the entry lags (it accepts the committed session).
  log.failNext = 1;
  const m = await bob.encrypt(peer, enc.encode("kept"));
  assert.equal(dec.decode((await alice.receive(m)).plaintext), "kept");
  assert.deepEqual(log.failures.map(([k, e]) => [slot.test(k), e]), [[true, "log unreachable"]]);
  assert.equal(log.entry(slot), g0, "lagging");
  // The next change records the newest generation again.
  await alice.receive(await bob.encrypt(peer, enc.encode("next")));
  assert.equal(log.entry(slot), (await bob.info(peer)).generation);
  assert.ok(log.entry(slot) > g0 + 1);
  await Promise.all([alice.close(), bob.close()]);
});

test("receive without `from`: a rolled-back session does not keep a message from its own session", async () => {
  const log = new Log();
  const backend = new MemoryBackend();
  const bob = await TwofoldStore.open(backend, { appKey: key(2), generations: log });
  const upload = await bob.upload({ oneTime: 2 });
  const peers = [];
  const others = [];
  for (const n of [1, 3]) {
    const other = await TwofoldStore.open(new MemoryBackend(), { appKey: key(n) });
    const { peer, message } = await other.initiate(composeBundle(upload, others.length), enc.encode("hi"));
    peers.push((await bob.receive(message, { initiatorIdentity: other.publicKey })).peer);
    others.push({ other, bobPeer: peer });
  }
  // Roll back the first session only.
  const old = await backend.get(`session/${peers[0]}`);
  await others[0].other.receive(await bob.encrypt(peers[0], enc.encode("moves on")));
  await backend.commit([[`session/${peers[0]}`, old]]);
  // A message of the second peer is received whichever slot is tried first.
  const m = await others[1].other.encrypt(others[1].bobPeer, enc.encode("for the healthy one"));
  const got = await bob.receive(m);
  assert.equal(got.peer, peers[1]);
  assert.equal(dec.decode(got.plaintext), "for the healthy one");
  // A message nobody takes reports the rollback first.
  const stray = await others[0].other.encrypt(others[0].bobPeer, enc.encode("stray"));
  await assert.rejects(bob.receive(stray), isCode("ROLLED_BACK"));
  await Promise.all([bob.close(), ...others.map((o) => o.other.close())]);
});

test("a failed commit returns nothing and leaves the stored state as it was", async () => {
  const flaky = new FlakyBackend();
  const alice = await TwofoldStore.open(flaky, { appKey: key(1) });
  const bob = await TwofoldStore.open(new MemoryBackend(), { appKey: key(2) });
  const upload = await bob.upload({ oneTime: 1 });
  const { peer, message } = await alice.initiate(composeBundle(upload, 0), enc.encode("0"));
  const { peer: alicePeer } = await bob.receive(message, { initiatorIdentity: alice.publicKey });
  await alice.receive(await bob.encrypt(alicePeer, enc.encode("reply")));
  const before = await flaky.get(`session/${peer}`);
  flaky.failNext = 1;
  await assert.rejects(alice.encrypt(peer, enc.encode("lost")), (e) => isCode("STORAGE_FAILED")(e) && e.cause.message === "disk full");
  assert.deepEqual(await flaky.get(`session/${peer}`), before);
  // The next message takes the position the failed one would have had; Bob sees no conflict.
  for (let i = 1; i <= 3; i++) {
    const m = await alice.encrypt(peer, enc.encode(String(i)));
    assert.equal(dec.decode((await bob.receive(m)).plaintext), String(i));
  }
  // A receive whose commit fails can be received again.
  const r = await bob.encrypt(alicePeer, enc.encode("retry me"));
  flaky.failNext = 1;
  await assert.rejects(alice.receive(r), isCode("STORAGE_FAILED"));
  assert.equal(dec.decode((await alice.receive(r)).plaintext), "retry me");
});

test("receive: `process` runs before the commit; if it throws nothing is committed", async () => {
  const alice = await TwofoldStore.open(new MemoryBackend(), { appKey: key(1) });
  const backend = new MemoryBackend();
  const bob = await TwofoldStore.open(backend, { appKey: key(2) });
  const upload = await bob.upload({ oneTime: 1 });
  const { message } = await alice.initiate(composeBundle(upload, 0), enc.encode("important"));
  const seen = [];
  await assert.rejects(
    bob.receive(message, {
      initiatorIdentity: alice.publicKey,
      process: (m) => {
        seen.push(dec.decode(m.plaintext));
        throw new Error("app database down");
      },
    }),
    /app database down/,
  );
  assert.deepEqual(await bob.peers(), [], "no session committed");
  assert.equal((await bob.prekeyInfo()).oneTimeHeld, 1, "no prekey consumed");
  const r = await bob.receive(message, {
    initiatorIdentity: alice.publicKey,
    process: async (m) => {
      seen.push(dec.decode(m.plaintext));
    },
  });
  assert.equal(r.isNew, true);
  assert.deepEqual(seen, ["important", "important"]);
});

test("refusals: unknown peers, bad arguments, messages no session takes", async () => {
  const alice = await TwofoldStore.open(new MemoryBackend(), { appKey: key(1) });
  const stranger = "ab".repeat(32);
  await assert.rejects(alice.encrypt(stranger, enc.encode("x")), isCode("NO_SESSION"));
  await assert.rejects(alice.info(stranger), isCode("NO_SESSION"));
  assert.equal(await alice.forget(stranger), false);
  // Bad arguments reject (never throw) with INVALID_ARGUMENT.
  const bad = [
    () => alice.encrypt("not hex", enc.encode("x")),
    () => alice.encrypt(undefined, enc.encode("x")),
    () => alice.receive(new Uint8Array(10), { from: "AB".repeat(32) }),
    () => alice.receive(new Uint8Array(10), { form: stranger }),
    () => alice.receive(new Uint8Array(10), { process: "yes" }),
    () => alice.receive(new Uint8Array(10), { get from() { throw new Error("hostile getter"); } }),
    () => alice.receive("bytes"),
    () => alice.safetyNumber(42),
    () => TwofoldStore.open(new MemoryBackend(), { appKey: key(1), nmae: "typo" }),
    () => TwofoldStore.open({}, { appKey: key(1) }),
    () => TwofoldStore.open(new MemoryBackend()),
  ];
  for (const call of bad) {
    let p;
    assert.doesNotThrow(() => { p = call(); }, String(call));
    await assert.rejects(p, isCode("INVALID_ARGUMENT"), String(call));
  }
  await assert.rejects(TwofoldStore.open(new MemoryBackend(), { appKey: new Uint8Array(31) }), isCode("INVALID_ARGUMENT"));
  await assert.rejects(TwofoldStore.open(new MemoryBackend(), { appKey: 32 }), isCode("INVALID_ARGUMENT"));
  // A ratchet message of a conversation this store is not part of.
  const { alice: a2, bob: b2, upload } = await parties(backends.memory);
  const { message } = await a2.initiate(composeBundle(upload, 0), enc.encode("x"));
  const { peer: back } = await b2.receive(message, { initiatorIdentity: a2.publicKey });
  const reply = await b2.encrypt(back, enc.encode("y"));
  // No session at all; then a session (with the same Bob) that does not hold its keys.
  await assert.rejects(alice.receive(reply), isCode("NO_SESSION"));
  await alice.initiate(composeBundle(upload, 1), enc.encode("z"));
  await assert.rejects(alice.receive(reply), isCode("AUTH_FAILED"));
  // Its own conversation takes it.
  assert.equal(dec.decode((await a2.receive(reply)).plaintext), "y");
});

test("two stores on one backend: operations are serialized, no message position is used twice", async () => {
  const backend = new MemoryBackend();
  const name = "shared";
  const one = await TwofoldStore.open(backend, { appKey: key(1), name });
  const two = await TwofoldStore.open(backend, { appKey: key(1), name });
  assert.deepEqual(one.publicKey, two.publicKey);
  const bob = await TwofoldStore.open(new MemoryBackend(), { appKey: key(2) });
  const upload = await bob.upload({ oneTime: 1 });
  const { peer, message } = await one.initiate(composeBundle(upload, 0), enc.encode("start"));
  const { peer: back } = await bob.receive(message, { initiatorIdentity: one.publicKey });
  await two.receive(await bob.encrypt(back, enc.encode("go")));
  const notices = [];
  const stop = two.onChange((n) => notices.push(n));
  // 40 sends racing from the two stores, as two tabs would.
  const sends = [];
  for (let i = 0; i < 20; i++) {
    sends.push(one.encrypt(peer, enc.encode(`one ${i}`)), two.encrypt(peer, enc.encode(`two ${i}`)));
  }
  const messages = await Promise.all(sends);
  const got = new Set();
  for (const m of messages) got.add(dec.decode((await bob.receive(m)).plaintext));
  assert.equal(got.size, 40);
  // The other store heard of the changes one made (BroadcastChannel in Node too).
  await new Promise((r) => setTimeout(r, 50));
  stop();
  assert.ok(notices.some((n) => n.changed.includes(peer)), JSON.stringify(notices.slice(0, 3)));
  for (const s of [one, two, bob]) await s.close();
});

test("receive without `from`: a failed commit is reported as such, whichever session is tried first", async () => {
  for (const carolFirst of [true, false]) {
    const flaky = new FlakyBackend();
    const alice = await TwofoldStore.open(flaky, { appKey: key(1) });
    const stores = {};
    for (const who of carolFirst ? ["carol", "bob"] : ["bob", "carol"]) {
      const s = await TwofoldStore.open(new MemoryBackend(), { appKey: key(3) });
      const upload = await s.upload({ oneTime: 1 });
      const { message } = await alice.initiate(composeBundle(upload, 0), enc.encode("hi"));
      const { peer } = await s.receive(message, { initiatorIdentity: alice.publicKey });
      stores[who] = { s, peer };
    }
    const m = await stores.bob.s.encrypt(stores.bob.peer, enc.encode("from Bob"));
    flaky.failNext = 1;
    // The session with Carol refuses the message; the one with Bob takes it, and its commit fails.
    await assert.rejects(alice.receive(m), isCode("STORAGE_FAILED"), `carol first: ${carolFirst}`);
    assert.equal(dec.decode((await alice.receive(m)).plaintext), "from Bob");
  }
});

test("a non-extractable WebCrypto key: the store keeps only a wrapped sealing key, unwrapped per operation", async () => {
  const { Identity } = await import("twofold-pq");
  const cryptoKey = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
  assert.equal(cryptoKey.extractable, false);
  const backend = new MemoryBackend();
  const alice = await TwofoldStore.open(backend, { appKey: cryptoKey });
  const bob = await TwofoldStore.open(new MemoryBackend(), { appKey: key(2) });
  const upload = await bob.upload({ oneTime: 1 });
  const { peer, message } = await alice.initiate(composeBundle(upload, 0), enc.encode("wrapped"));
  const { peer: back } = await bob.receive(message, { initiatorIdentity: alice.publicKey });
  assert.equal(dec.decode((await alice.receive(await bob.encrypt(back, enc.encode("ok")))).plaintext), "ok");
  const alicePublic = alice.publicKey;
  await alice.close();
  // What the backend holds: iv || AES-GCM(sealing key) under the CryptoKey, and blobs sealed
  // with the sealing key, which appears nowhere in the backend.
  const wrapped = await backend.get("sealing-key");
  assert.equal(wrapped.length, 12 + 32 + 16);
  const sealing = new Uint8Array(
    await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: wrapped.subarray(0, 12), additionalData: enc.encode("twofold-pq/store v1 sealing key") },
      cryptoKey,
      wrapped.subarray(12),
    ),
  );
  const identity = Identity.open(await backend.get("identity"), sealing, { context: enc.encode("twofold-pq/store v1 identity") });
  assert.deepEqual(identity.publicKey, alicePublic);
  identity.dispose();
  const hexOf = (b) => Buffer.from(b).toString("hex");
  for (const k of await backend.keys("")) {
    assert.ok(!hexOf(await backend.get(k)).includes(hexOf(sealing)), `the sealing key in ${k}`);
  }
  // Reopened with the same CryptoKey; refused with another one, or with raw bytes.
  const again = await TwofoldStore.open(backend, { appKey: cryptoKey });
  assert.deepEqual(await again.peers(), [peer]);
  await bob.receive(await again.encrypt(peer, enc.encode("again")));
  await again.close();
  const other = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
  await assert.rejects(TwofoldStore.open(backend, { appKey: other }), isCode("AUTH_FAILED"));
  await assert.rejects(TwofoldStore.open(backend, { appKey: key(1) }), isCode("INVALID_ARGUMENT"));
  // A key that cannot encrypt with AES-GCM is refused when the store is created.
  const hmac = await crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  await assert.rejects(TwofoldStore.open(new MemoryBackend(), { appKey: hmac }), isCode("INVALID_ARGUMENT"));
});

test("file backend: a commit that fails after its commit point is completed before anything else", async () => {
  const { dir } = await fileBackend();
  const real = await import("node:fs/promises");
  let failRenames = 0;
  const fsOnce = {
    ...real,
    rename: async (from, to) => {
      if (failRenames > 0 && to.includes("/data/")) {
        failRenames--;
        throw new Error("EIO");
      }
      return real.rename(from, to);
    },
  };
  const b = await FileBackend.open(dir, fsOnce);
  await b.commit([["a", enc.encode("old a")], ["b", enc.encode("old b")]]);
  // The journal is in place when the second rename into data/ fails.
  failRenames = 1;
  await assert.rejects(b.commit([["a", enc.encode("new a")], ["b", enc.encode("new b")]]), /EIO/);
  // The same object completes the commit before it answers: both new, never a mix.
  assert.equal(dec.decode(await b.get("a")), "new a");
  assert.equal(dec.decode(await b.get("b")), "new b");
  // And so does a restart.
  failRenames = 1;
  await assert.rejects(b.commit([["a", enc.encode("a3")], ["b", undefined]]), /EIO/);
  const again = await FileBackend.open(dir);
  assert.equal(dec.decode(await again.get("a")), "a3");
  assert.equal(await again.get("b"), undefined);
  assert.deepEqual(await again.keys(""), ["a"]);
});

test("a backend that holds state but no identity is refused, never overwritten", async () => {
  const backend = new MemoryBackend();
  await backend.commit([["session/" + "cd".repeat(32), new Uint8Array(10)]]);
  await assert.rejects(TwofoldStore.open(backend, { appKey: key(1) }), isCode("STORAGE_FAILED"));
  assert.deepEqual(await backend.keys(""), ["session/" + "cd".repeat(32)]);
});

test("stores on one backend share its lock without being given a name", async () => {
  const backend = new MemoryBackend();
  const one = await TwofoldStore.open(backend, { appKey: key(1) });
  const two = await TwofoldStore.open(backend, { appKey: key(1) });
  const bob = await TwofoldStore.open(new MemoryBackend(), { appKey: key(2) });
  const { peer, message } = await one.initiate(composeBundle(await bob.upload({ oneTime: 1 }), 0), enc.encode("0"));
  await two.receive(await bob.encrypt((await bob.receive(message, { initiatorIdentity: one.publicKey })).peer, enc.encode("go")));
  const sends = [];
  for (let i = 0; i < 10; i++) sends.push(one.encrypt(peer, enc.encode(`${i}`)), two.encrypt(peer, enc.encode(`${i}'`)));
  const got = new Set();
  for (const m of await Promise.all(sends)) got.add(dec.decode((await bob.receive(m)).plaintext));
  assert.equal(got.size, 20);
});

test("both sides start a session at once: the tie-break puts both on one handshake", async () => {
  for (const winnerFirst of [true, false]) {
    const x = await TwofoldStore.open(new MemoryBackend(), { appKey: key(1) });
    const y = await TwofoldStore.open(new MemoryBackend(), { appKey: key(2) });
    const [ux, uy] = [await x.upload({ oneTime: 1 }), await y.upload({ oneTime: 1 })];
    const fromX = await x.initiate(composeBundle(uy, 0), enc.encode("x first"));
    const fromY = await y.initiate(composeBundle(ux, 0), enc.encode("y first"));
    // fromX.peer is y's fingerprint, fromY.peer is x's: the smaller one's handshake wins.
    const [winner, loser, winnerMsg, loserMsg, winnerPeer] =
      fromY.peer < fromX.peer
        ? [x, y, fromX.message, fromY.message, fromX.peer]
        : [y, x, fromY.message, fromX.message, fromY.peer];
    const deliveries = winnerFirst
      ? [() => loser.receive(winnerMsg, { initiatorIdentity: winner.publicKey }), () => winner.receive(loserMsg, { initiatorIdentity: loser.publicKey })]
      : [() => winner.receive(loserMsg, { initiatorIdentity: loser.publicKey }), () => loser.receive(winnerMsg, { initiatorIdentity: winner.publicKey })];
    const results = [];
    for (const d of deliveries) {
      try {
        results.push(await d());
      } catch (e) {
        results.push(e);
      }
    }
    const [toLoser, toWinner] = winnerFirst ? results : [results[1], results[0]];
    assert.ok(isCode("WRONG_SESSION")(toWinner), `winner refuses the losing handshake: ${toWinner}`);
    assert.equal(toLoser.isNew, true);
    assert.equal(toLoser.replaced, true, "the loser learns its own handshake was replaced");
    // One session on both sides: messages flow both ways.
    const loserPeer = toLoser.peer;
    assert.equal(dec.decode((await winner.receive(await loser.encrypt(loserPeer, enc.encode("resent")))).plaintext), "resent");
    assert.equal(dec.decode((await loser.receive(await winner.encrypt(winnerPeer, enc.encode("hi")))).plaintext), "hi");
    assert.equal(await winner.safetyNumber(winnerPeer), await loser.safetyNumber(loserPeer));
  }
});
