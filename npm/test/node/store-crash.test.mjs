// The crash test of twofold-pq/store (issue 14 item 3): Alice's writer is killed at every step
// boundary of its file operations (each open, write, fsync, close, rename, delete and read; a
// write at the kill point is torn: half its bytes reach the file), in a run that encrypts,
// receives and encrypts again. After each kill the process "restarts": the file backend is
// opened again with working file operations (recovering from its journal) and the store
// reopened. Then the conversation goes on, with at-least-once delivery as a transport gives it
// (what was not acknowledged is delivered again; what Alice was not given a ciphertext for she
// sends again). At every kill point:
// - no message position is used twice: Bob never sees CONFLICTING_MESSAGE;
// - no message key is lost: every ciphertext Alice was handed decrypts at Bob, and every
//   message Bob sent reaches Alice's `process` callback;
// - the sessions still work both ways afterwards.
import assert from "node:assert/strict";
import * as fs from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { TwofoldError } from "twofold-pq";
import { composeBundle } from "twofold-pq/server";
import { FileBackend, MemoryBackend, TwofoldStore } from "twofold-pq/store";

const enc = new TextEncoder();
const dec = new TextDecoder();
const ALICE_KEY = new Uint8Array(32).fill(1);
const BOB_KEY = new Uint8Array(32).fill(2);

const root = await fs.mkdtemp(join(tmpdir(), "twofold-crash-"));
after(() => fs.rm(root, { recursive: true, force: true }));

class Killed extends Error {}

/**
 * `node:fs/promises` that dies at operation number `killAt`: that operation fails (a write
 * first writes half its bytes), and so does every later one, as in a killed process.
 */
function mortalFs(killAt) {
  let n = 0;
  let dead = false;
  const step = () => {
    if (dead) throw new Killed("the process is gone");
    if (n++ === killAt) {
      dead = true;
      return true;
    }
    return false;
  };
  const guard = (fn) => async (...args) => {
    if (step()) throw new Killed(`killed at step ${killAt}`);
    return fn(...args);
  };
  return {
    get steps() {
      return n;
    },
    get dead() {
      return dead;
    },
    mkdir: guard(fs.mkdir),
    readFile: guard(fs.readFile),
    readdir: guard(fs.readdir),
    rename: guard(fs.rename),
    rm: guard(fs.rm),
    open: guard(async (path, flags) => {
      const f = await fs.open(path, flags);
      return {
        write: async (data) => {
          if (step()) {
            await f.write(data.subarray(0, data.length >> 1));
            throw new Killed(`killed at step ${killAt}, mid-write`);
          }
          return f.write(data);
        },
        sync: guard(() => f.sync()),
        close: async () => {
          // Closing a descriptor never fails for the test's purposes: a killed process's
          // descriptors are closed by the kernel.
          await f.close();
          if (step()) throw new Killed(`killed at step ${killAt}`);
        },
      };
    }),
  };
}

/** The starting point, made once: Alice and Bob in session, Bob's reply received. */
async function baseline() {
  const aliceDir = join(root, "base-alice");
  const bob = new MemoryBackend();
  const a = await TwofoldStore.open(await FileBackend.open(aliceDir), { appKey: ALICE_KEY, name: "base" });
  const b = await TwofoldStore.open(bob, { appKey: BOB_KEY, name: "base-bob" });
  const upload = await b.upload({ oneTime: 1 });
  const { peer, message } = await a.initiate(composeBundle(upload, 0), enc.encode("hello"));
  const { peer: alicePeer } = await b.receive(message, { initiatorIdentity: a.publicKey });
  await a.receive(await b.encrypt(alicePeer, enc.encode("welcome")));
  // Carol's first message to Alice, on a leaf of Alice's upload: accepting it commits Alice's
  // prekey store and the new session together.
  const aliceUpload = await a.upload({ oneTime: 1 });
  const carol = await TwofoldStore.open(new MemoryBackend(), { appKey: BOB_KEY, name: "carol" });
  const { message: carolFirst } = await carol.initiate(composeBundle(aliceUpload, 0), enc.encode("c1"), {
    selfContained: true,
  });
  await a.close();
  await b.close();
  await carol.close();
  return { aliceDir, bob, peer, alicePeer, carolFirst };
}

/** A copy of Bob's memory backend (each run starts from the same Bob). */
async function copyOf(backend) {
  const copy = new MemoryBackend();
  const writes = [];
  for (const k of await backend.keys("")) writes.push([k, await backend.get(k)]);
  await copy.commit(writes);
  return copy;
}

/**
 * One run: Alice (files under `dir`, operations by `aliceFs`) sends, receives, sends; returns
 * what she handed out and what she processed.
 */
async function run(dir, aliceFs, base, bob, inbox, log) {
  const pending = ["a1", "a2", "a3", "a4"];
  let alice;
  try {
    alice = await TwofoldStore.open(await FileBackend.open(dir, aliceFs), { appKey: ALICE_KEY, name: dir });
    const script = [["send", "a1"], ["send", "a2"], ["receive"], ["send", "a3"], ["receive"], ["receive"], ["send", "a4"]];
    for (const step of script) {
      if (step[0] === "send") {
        const ct = await alice.encrypt(base.peer, enc.encode(step[1]));
        log.sent.push({ text: step[1], ct });
        pending.splice(pending.indexOf(step[1]), 1);
      } else {
        const m = inbox[0];
        await alice.receive(m, { process: (r) => log.processed.push(dec.decode(r.plaintext)) });
        inbox.shift(); // acknowledged to the transport only once receive resolved
      }
    }
  } catch (e) {
    if (!(e instanceof Killed) && !(e instanceof TwofoldError && e.cause instanceof Killed)) throw e;
  }
  // The killed process's memory goes with it.
  await alice?.close();
  return pending;
}

test("a writer killed at every step boundary never reuses a message key nor loses one", async (t) => {
  const base = await baseline();
  let killAt = 0;
  let clean = false;
  let points = 0;
  while (!clean) {
    const dir = join(root, `run-${killAt}`);
    await fs.cp(base.aliceDir, dir, { recursive: true });
    const bobBackend = await copyOf(base.bob);
    const bob = await TwofoldStore.open(bobBackend, { appKey: BOB_KEY, name: `bob-${killAt}` });
    // Bob's two messages and Carol's first, queued at Alice's transport.
    const inbox = [
      await bob.encrypt(base.alicePeer, enc.encode("b1")),
      base.carolFirst,
      await bob.encrypt(base.alicePeer, enc.encode("b2")),
    ];
    const log = { sent: [], processed: [] };
    const mortal = mortalFs(killAt);
    const unsent = await run(dir, mortal, base, bob, inbox, log);
    clean = !mortal.dead;
    // Restart: the real file operations, recovery from the journal, the store reopened.
    const alice = await TwofoldStore.open(await FileBackend.open(dir), { appKey: ALICE_KEY, name: `${dir}-after` });
    for (const m of inbox.splice(0)) {
      try {
        await alice.receive(m, { process: (r) => log.processed.push(dec.decode(r.plaintext)) });
      } catch (e) {
        // Delivered and committed before the kill, not yet acknowledged: a duplicate.
        assert.ok(e instanceof TwofoldError && e.code === "DUPLICATE_MESSAGE", `kill at ${killAt}: ${e}`);
      }
    }
    for (const text of unsent) log.sent.push({ text, ct: await alice.encrypt(base.peer, enc.encode(text)) });
    // Bob receives everything Alice was handed, in order: each exactly once, no conflict.
    const received = [];
    for (const { ct } of log.sent) received.push(dec.decode((await bob.receive(ct, { from: base.alicePeer })).plaintext));
    assert.deepEqual(received.sort(), ["a1", "a2", "a3", "a4"], `kill at ${killAt}`);
    assert.deepEqual([...new Set(log.processed)].sort(), ["b1", "b2", "c1"], `kill at ${killAt}: Alice lost a message`);
    // Both directions still work.
    const last = await alice.encrypt(base.peer, enc.encode("done"));
    assert.equal(dec.decode((await bob.receive(last)).plaintext), "done");
    assert.equal(dec.decode((await alice.receive(await bob.encrypt(base.alicePeer, enc.encode("ok")))).plaintext), "ok");
    await alice.close();
    await bob.close();
    await fs.rm(dir, { recursive: true, force: true });
    points++;
    killAt++;
  }
  // Every operation of the run was a kill point (opening the backend and the store included).
  t.diagnostic(`${points} kill points`);
  assert.ok(points > 150, `${points} kill points`);
});
