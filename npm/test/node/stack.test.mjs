// The wasm stack after each call that touches secrets: nothing the call's callees wrote stays
// in the dead stack below the call's own frames. Every export that touches secrets zeroes the
// stack below its frame before it returns (`scrubbed` in wasm/src/lib.rs, with a size per kind
// of call); this test fills the dead stack with a marker before each call and then requires
// every byte below the top few KiB (the export's own frames and the glue's) to be either the
// marker (never reached) or zero (scrubbed). A call whose stack use outgrows its scrub (a
// dependency that starts using more) fails here.
//
// Between calls the whole stack is dead, so writing the marker from JavaScript cannot disturb
// the module; the test first checks, from the module's own bytes, that the stack is the region
// below the initial stack pointer and that no data segment lies in it.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { Identity, PrekeyStore, Session, sealBox } from "twofold-pq";
import { composeBundle } from "twofold-pq/server";
import { initSync } from "../../pkg/twofold_wasm.js";

const bytes = readFileSync(new URL("../../pkg/twofold_wasm_bg.wasm", import.meta.url));
const exports = initSync({ module: bytes });
const memory = () => new Uint8Array(exports.memory.buffer);

/** The module's initial stack pointer (global 0, a mutable i32) and its data segments' offsets. */
function layout(wasm) {
  let at = 8;
  const leb = () => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = wasm[at++];
      result |= (b & 0x7f) << shift;
      shift += 7;
      if ((b & 0x80) === 0) return result >>> 0;
    }
  };
  const sleb = () => {
    let result = 0;
    let shift = 0;
    let b;
    do {
      b = wasm[at++];
      result |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    return shift < 32 && b & 0x40 ? result | (-1 << shift) : result;
  };
  const out = { stackPointer: undefined, dataOffsets: [] };
  while (at < wasm.length) {
    const id = wasm[at++];
    const size = leb();
    const end = at + size;
    if (id === 6) {
      leb(); // count
      const type = wasm[at++];
      const mutable = wasm[at++];
      assert.equal(type, 0x7f, "global 0 is an i32");
      assert.equal(mutable, 1, "global 0 is mutable: the stack pointer");
      assert.equal(wasm[at++], 0x41, "its initial value is an i32.const");
      out.stackPointer = sleb();
    } else if (id === 11) {
      const count = leb();
      for (let i = 0; i < count; i++) {
        const flags = leb();
        assert.equal(flags, 0, "active data segments of memory 0");
        assert.equal(wasm[at++], 0x41, "data offset is an i32.const");
        out.dataOffsets.push(sleb());
        assert.equal(wasm[at++], 0x0b);
        const length = leb();
        at += length;
      }
    }
    at = end;
  }
  return out;
}

const { stackPointer: top, dataOffsets } = layout(bytes);
const MARKER = 0xa5;
/** The export's own frames and the glue's, which the scrub does not cover (measured: under 2 KiB). */
const OWN_FRAMES = 4096;

test("the stack is the region below the initial stack pointer, with no data in it", () => {
  assert.ok(top >= 256 * 1024, `stack pointer ${top}`);
  assert.ok(dataOffsets.length > 0 && dataOffsets.every((o) => o >= top), `data at ${dataOffsets}`);
});

test("no call that touches secrets leaves anything in the dead stack below its own frames", () => {
  const enc = new TextEncoder();
  const calls = [];
  /** Runs `f` on a marked dead stack and records what it left below its own frames. */
  const check = (name, f) => {
    memory().fill(MARKER, 0, top);
    const r = f();
    const m = memory();
    let deepest = top;
    let residue = 0;
    for (let i = 0; i < top - OWN_FRAMES; i++) {
      if (m[i] !== MARKER) {
        deepest = Math.min(deepest, i);
        if (m[i] !== 0) residue++;
      }
    }
    calls.push([name, top - deepest, residue]);
    return r;
  };
  const bob = check("Identity.generate", () => Identity.generate());
  const store = check("PrekeyStore.generate", () => PrekeyStore.generate(bob));
  const upload = check("store.upload", () => store.upload({ oneTime: 2 }));
  check("store.rotateSignedPrekeys", () => store.rotateSignedPrekeys());
  check("store.prune", () => store.prune());
  const alice = Identity.generate();
  const bundle = composeBundle(upload, 0);
  const { session: a, message } = check("Session.initiate", () => Session.initiate(alice, bundle, enc.encode("hi")));
  const { session: b } = check("Session.accept", () => Session.accept(bob, store, message, { initiatorIdentity: alice.publicKey }));
  // Enough messages that ratchet steps with ML-KEM work (the deepest message calls) occur.
  for (let i = 0; i < 60; i++) {
    const m = check("session.encrypt", () => b.encrypt(enc.encode(`m${i}`)));
    check("session.decrypt", () => a.decrypt(m));
    const r = check("session.encrypt", () => a.encrypt(enc.encode(`r${i}`)));
    check("session.decrypt", () => b.decrypt(r));
  }
  const key = new Uint8Array(32).fill(1);
  const sessionBlob = check("session.seal", () => a.seal(key));
  const storeBlob = check("store.seal", () => store.seal(key));
  const idBlob = check("identity.seal", () => alice.seal(key));
  check("Session.open", () => Session.open(sessionBlob, key)).dispose();
  check("PrekeyStore.open", () => PrekeyStore.open(storeBlob, key, bob)).dispose();
  check("Identity.open", () => Identity.open(idBlob, key)).dispose();
  // Sealed boxes: both modes, opened, and the sender read.
  const boxBundle = composeBundle(store.upload({ oneTime: 0 }), null);
  const anon = check("sealBox", () => sealBox(boxBundle, enc.encode("box")));
  const auth = check("sealBox from", () => sealBox(boxBundle, enc.encode("box"), { from: alice }));
  check("store.openBox", () => store.openBox(anon));
  check("store.boxSender", () => store.boxSender(auth));
  check("store.openBox sender", () => store.openBox(auth, { sender: alice.publicKey }));
  for (const [name, o] of [["session.dispose", a], ["session.dispose", b], ["store.dispose", store], ["identity.dispose", alice], ["identity.dispose", bob]]) {
    check(name, () => o.dispose());
  }
  const worst = new Map();
  for (const [name, depth, residue] of calls) {
    const w = worst.get(name) ?? [0, 0];
    worst.set(name, [Math.max(w[0], depth), w[1] + residue]);
  }
  // The control: a call reaches deep (ML-DSA keeps its matrices on the stack), so the marker
  // really was overwritten, by zeros.
  assert.ok(worst.get("Identity.open")[0] > 100_000, `Identity.open reached ${worst.get("Identity.open")[0]} bytes`);
  const left = [...worst].filter(([, [, residue]]) => residue > 0).map(([name, [depth, residue]]) => `${name}: ${residue} bytes left, ${depth} deep`);
  assert.deepEqual(left, [], "bytes left in the dead stack");
});
