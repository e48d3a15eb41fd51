// The memory scan (issue 13 item 3), shared by Node (npm/test/node/zeroize.test.mjs) and
// Chromium (npm/test/browser/package.test.mjs): identities, a prekey store and sessions are
// created and used (messages both ways, skipped keys, a PQ epoch under way), then every secret
// they hold is read out of their own sealed state, which this module opens by the spec alone
// (docs/PROTOCOL.md section 10: HKDF-SHA-256 through WebCrypto, ChaCha20 written here, since
// WebCrypto has no ChaCha20-Poly1305). The whole WebAssembly linear memory is scanned for each:
// - before dispose, every live secret must be found (the negative control: the scan can see);
// - after dispose of everything, none may be found;
// - the application key and each plaintext must not be found right after the call that took or
//   returned it, before any other call (which could overwrite what it left): the wasm layer
//   wipes its copies, and each call zeroes the stack frames its callees used;
// - a freed block that was not wiped is found right after its call: 32 bytes of associated
//   data (not secret, so not wiped), copied into wasm memory and freed (the control for the
//   scan of freed memory, with a value of a secret's size).
// A value counts as found if any 8-byte window of it (at offsets 0, 8, 16, ...) occurs: the
// allocator writes its bookkeeping over the first and last words of a freed block, and 8
// random bytes occur by chance in a few megabytes with probability below 10^-12.
//
// `api` is the package's module namespace plus `composeBundle`; `memory()` returns a
// Uint8Array over the module's current linear memory. Returns a report; throws on failure.

// ---------------------------------------------------------------------------------------------
// ChaCha20 (RFC 8439 section 2.4), as ChaCha20-Poly1305 uses it: block counter from 1.

function rotl(x, n) {
  return ((x << n) | (x >>> (32 - n))) >>> 0;
}

function quarter(s, a, b, c, d) {
  s[a] = (s[a] + s[b]) >>> 0; s[d] = rotl(s[d] ^ s[a], 16);
  s[c] = (s[c] + s[d]) >>> 0; s[b] = rotl(s[b] ^ s[c], 12);
  s[a] = (s[a] + s[b]) >>> 0; s[d] = rotl(s[d] ^ s[a], 8);
  s[c] = (s[c] + s[d]) >>> 0; s[b] = rotl(s[b] ^ s[c], 7);
}

function chacha20(key, nonce, counter, input) {
  const k = new DataView(key.buffer, key.byteOffset, 32);
  const n = new DataView(nonce.buffer, nonce.byteOffset, 12);
  const init = new Uint32Array(16);
  init.set([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);
  for (let i = 0; i < 8; i++) init[4 + i] = k.getUint32(4 * i, true);
  for (let i = 0; i < 3; i++) init[13 + i] = n.getUint32(4 * i, true);
  const out = new Uint8Array(input.length);
  const s = new Uint32Array(16);
  const block = new Uint8Array(64);
  const bv = new DataView(block.buffer);
  for (let off = 0; off < input.length; off += 64, counter++) {
    init[12] = counter;
    s.set(init);
    for (let r = 0; r < 10; r++) {
      quarter(s, 0, 4, 8, 12); quarter(s, 1, 5, 9, 13); quarter(s, 2, 6, 10, 14); quarter(s, 3, 7, 11, 15);
      quarter(s, 0, 5, 10, 15); quarter(s, 1, 6, 11, 12); quarter(s, 2, 7, 8, 13); quarter(s, 3, 4, 9, 14);
    }
    for (let i = 0; i < 16; i++) bv.setUint32(4 * i, (s[i] + init[i]) >>> 0, true);
    for (let i = 0; i < 64 && off + i < input.length; i++) out[off + i] = input[off + i] ^ block[i];
  }
  return out;
}

/** The RFC 8439 section 2.4.2 test vector: the cipher above is ChaCha20. */
function checkChaCha20() {
  const key = Uint8Array.from({ length: 32 }, (_, i) => i);
  const nonce = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0x4a, 0, 0, 0, 0);
  const text = "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";
  const ct = chacha20(key, nonce, 1, new TextEncoder().encode(text));
  const hex = Array.from(ct.subarray(0, 16), (b) => b.toString(16).padStart(2, "0")).join("");
  if (hex !== "6e2e359a2568f98041ba0728dd0d6981") throw new Error(`ChaCha20 self-test failed: ${hex}`);
}

/**
 * The state plaintext of a blob sealed with an empty context (10.2): key = HKDF(salt, appKey,
 * "Twofold v1 sealed state" || inner type), nonce 0^12; the tag is not checked (the parse that
 * follows would fail on a wrong key).
 */
async function openSealed(blob, appKey) {
  const salt = blob.subarray(5, 37);
  const info = new Uint8Array([...new TextEncoder().encode("Twofold v1 sealed state"), blob[3]]);
  const ikm = await crypto.subtle.importKey("raw", appKey, "HKDF", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt, info }, ikm, 256);
  return chacha20(new Uint8Array(bits), new Uint8Array(12), 1, blob.subarray(37, blob.length - 16));
}

// ---------------------------------------------------------------------------------------------
// The plaintext layouts of 10.3-10.5, read for their secrets.

class Reader {
  constructor(bytes) {
    this.b = bytes;
    this.at = 0;
  }
  take(n) {
    if (this.at + n > this.b.length) throw new Error("memory scan: state plaintext too short");
    const v = this.b.slice(this.at, this.at + n);
    this.at += n;
    return v;
  }
  u8() { return this.take(1)[0]; }
  u16() { const v = this.take(2); return (v[0] << 8) | v[1]; }
  u32() { const v = this.take(4); return ((v[0] << 24) | (v[1] << 16) | (v[2] << 8) | v[3]) >>> 0; }
  skip(n) { this.take(n); }
  done() {
    if (this.at !== this.b.length) throw new Error(`memory scan: ${this.b.length - this.at} bytes left after the state`);
  }
}

/** Every secret of a session plaintext (10.3), by name. */
function sessionSecrets(plain, who) {
  const r = new Reader(plain);
  const out = [];
  const add = (name, bytes) => out.push([`${who} ${name}`, bytes]);
  r.skip(8 + 1 + 32 + 32 + 32 + 8 + 32);
  if (r.u8()) r.skip(r.u32());
  add("root key", r.take(32));
  if (r.u8()) add("own ratchet secret", r.take(32));
  const send = r.u8();
  if (send === 1) {
    add("sending chain key", r.take(32));
    r.skip(4 + 4 + 1);
  } else r.skip(32 + 4);
  if (r.u8()) {
    r.skip(32);
    add("receiving chain key", r.take(32));
    r.skip(4);
  }
  const skipped = r.u32();
  for (let i = 0; i < skipped; i++) {
    r.skip(32 + 4);
    add(`skipped message key ${i}`, r.take(32));
  }
  r.skip(32 * r.u32());
  r.skip(20 * r.u8());
  r.skip(4 + 4 + 8 + 4 + 4 + 4);
  const side = r.u8();
  if (side === 1) {
    r.skip(4 + 4 + 1);
    const awaiting = r.u8();
    for (let i = 0; i < awaiting; i++) {
      r.skip(4);
      add(`PQ key seed ${i}`, r.take(64));
    }
    r.skip((2 + 34) * r.u8());
    if (r.u8()) {
      r.skip(4);
      add("staged PQ epoch secret", r.take(32));
    }
  } else {
    r.skip(4);
    r.skip((2 + 34) * r.u8());
    if (r.u8()) r.skip(4 + 1184);
    const pending = r.u8();
    for (let i = 0; i < pending; i++) {
      r.skip(4);
      add(`pending PQ epoch secret ${i}`, r.take(32));
      r.skip(1088 + 32 + 4);
    }
  }
  r.skip(4 + 8 + 8);
  r.done();
  return out;
}

/** The secrets of an identity key pair plaintext (10.4). */
function identitySecrets(plain, who) {
  const r = new Reader(plain);
  const out = [[`${who} identity X25519 secret`, r.take(32)], [`${who} identity ML-DSA seed`, r.take(32)]];
  r.skip(3309);
  r.done();
  return out;
}

/** The secrets of a prekey store plaintext (10.5). */
function storeSecrets(plain) {
  const r = new Reader(plain);
  const out = [];
  r.skip(8 + 32);
  const record = (which) => {
    r.skip(4);
    out.push([`${which} signed prekey secret`, r.take(32)]);
    r.skip(4);
    out.push([`${which} last-resort ML-KEM seed`, r.take(64)]);
    r.skip(8);
  };
  record("current");
  if (r.u8()) {
    record("previous");
    r.skip(8);
  }
  r.skip(16);
  const x = r.u32();
  for (let i = 0; i < x; i++) {
    r.skip(4);
    out.push([`one-time X25519 prekey ${i}`, r.take(32)]);
  }
  const k = r.u32();
  for (let i = 0; i < k; i++) {
    r.skip(4);
    out.push([`one-time ML-KEM seed ${i}`, r.take(64)]);
  }
  r.skip(20 * r.u32());
  r.done();
  return out;
}

// ---------------------------------------------------------------------------------------------
// The scan

function occurs(haystack, needle) {
  let at = haystack.indexOf(needle[0]);
  while (at !== -1 && at + needle.length <= haystack.length) {
    let i = 1;
    while (i < needle.length && haystack[at + i] === needle[i]) i++;
    if (i === needle.length) return true;
    at = haystack.indexOf(needle[0], at + 1);
  }
  return false;
}

/** Whether any 8-byte window of `value` (every 8 bytes, and its last 8) occurs in `memory`. */
function found(memory, value) {
  const at = [];
  for (let i = 0; i + 8 <= value.length; i += 8) at.push(i);
  at.push(value.length - 8);
  return at.some((i) => occurs(memory, value.subarray(i, i + 8)));
}

export async function memoryScan(api, memory) {
  checkChaCha20();
  const { Identity, PrekeyStore, Session, composeBundle } = api;
  const random = (n) => crypto.getRandomValues(new Uint8Array(n));
  const appKey = random(32);

  // A conversation with every kind of secret state: one-time prekeys left in the store and
  // the previous signed pair after a rotation; skipped keys (messages held back), both chains,
  // a PQ epoch in flight.
  const bob = Identity.generate();
  const store = PrekeyStore.generate(bob);
  const upload = store.upload({ oneTime: 3 });
  store.rotateSignedPrekeys();
  const alice = Identity.generate();
  // Inputs that must be gone right after their call: checked before the next wasm call.
  const lingering = [];
  let checked = 0;
  const gone = (name, value) => {
    checked++;
    if (found(memory(), value)) lingering.push(name);
  };
  const first = random(40);
  const { session: a, message } = Session.initiate(alice, composeBundle(upload, 0), first.slice());
  gone("the first plaintext, after initiate", first);
  const { session: b } = Session.accept(bob, store, message, { initiatorIdentity: alice.publicKey });
  gone("the first plaintext, after accept", first);
  let n = 0;
  const send = (from) => {
    const p = random(48);
    const m = from.encrypt(p.slice());
    gone(`plaintext ${n}, after encrypt`, p);
    return { m, p, i: n++ };
  };
  const receive = (to, { m, p, i }) => {
    to.decrypt(m);
    gone(`plaintext ${i}, after decrypt`, p);
  };
  for (let turn = 0; turn < 12; turn++) {
    receive(a, send(b));
    receive(b, send(a));
  }
  const held = [send(b), send(b)];
  receive(a, send(b));
  receive(b, send(a));
  // One held message decrypted (its skipped key used up), one still skipped.
  receive(a, held[0]);

  // Sealed boxes, both modes: the plaintext is gone right after sealBox and right after
  // openBox. (The bundle's signed pair is Bob's previous one since the rotation: it still
  // opens.)
  const boxBundle = composeBundle(upload, null);
  for (const from of [undefined, alice]) {
    const p = random(48);
    const sealed = api.sealBox(boxBundle, p.slice(), from === undefined ? undefined : { from });
    gone(`a box's plaintext, after sealBox${from === undefined ? "" : " from Alice"}`, p);
    store.openBox(sealed, from === undefined ? undefined : { sender: alice.publicKey });
    gone(`a box's plaintext, after openBox${from === undefined ? "" : " from Alice"}`, p);
  }

  const seal = (o, what) => {
    const blob = o.seal(appKey);
    gone(`the application key, after sealing ${what}`, appKey);
    return openSealed(blob, appKey);
  };
  const secrets = [
    ...sessionSecrets(await seal(a, "Alice's session"), "Alice's"),
    ...sessionSecrets(await seal(b, "Bob's session"), "Bob's"),
    ...identitySecrets(await seal(alice, "Alice's identity"), "Alice's"),
    ...identitySecrets(await seal(bob, "Bob's identity"), "Bob's"),
    ...storeSecrets(await seal(store, "the store")),
  ];
  const names = secrets.map(([n]) => n);
  for (const kind of ["root key", "sending chain key", "receiving chain key", "skipped message key 0", "own ratchet secret", "one-time X25519 prekey 0", "one-time ML-KEM seed 0", "previous signed prekey secret"]) {
    if (!names.some((n) => n.includes(kind))) throw new Error(`memory scan: the conversation holds no ${kind}`);
  }
  if (!names.some((n) => /PQ (key seed|epoch secret)/.test(n))) throw new Error("memory scan: no PQ secret in flight");

  // Negative control: the scan sees every live secret.
  let mem = memory();
  const unseen = secrets.filter(([, s]) => !found(mem, s)).map(([n]) => n);
  if (unseen.length > 0) throw new Error(`memory scan: the control does not see live secrets: ${unseen.join(", ")}`);

  // Control for freed memory: 32 bytes of associated data are copied in and freed unwiped by
  // design; right after the call they are found.
  const ad = random(32);
  const m = a.encrypt(random(8), { associatedData: ad });
  if (!found(memory(), ad)) throw new Error("memory scan: the control does not see a freed, unwiped block");
  b.decrypt(m, { associatedData: ad });

  for (const o of [a, b, store, alice, bob]) o.dispose();
  mem = memory();
  const survivors = secrets.filter(([, s]) => found(mem, s)).map(([n]) => n);
  for (const [, s] of secrets) s.fill(0);
  return { secrets: secrets.length, inputs: checked, survivors, lingering, memoryBytes: mem.length };
}
