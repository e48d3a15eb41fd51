// A small PQXDH + Double Ratchet in pure JavaScript on the noble libraries, used only as a
// reference for "what a pure-JS stack costs" in the benchmarks.
//
// NOT A SECURE IMPLEMENTATION. Do not use it for anything but benchmarks: no key erasure, no
// skipped message keys (in-order delivery only), no handshake retransmission, no replay cache,
// no state serialisation, no validation of low-order points, no constant-time anything, and the
// key schedule and encodings are ad hoc. It only does the same *kind* of work as twofold-pq:
//   identities: X25519 + ML-DSA-65; Bob signs (X25519 signed prekey || ML-KEM-768 prekey) with
//     one ML-DSA-65 signature and publishes one unsigned one-time X25519 prekey;
//   Alice: verifies, 4 X25519 DHs + one ML-KEM-768 encapsulation, HKDF-SHA-256 -> root key,
//     then a first DH ratchet step (ephemeral X25519 against Bob's signed prekey);
//   Bob: 4 DHs + decapsulation, same keys;
//   messages: HMAC-SHA-256 symmetric chain, ChaCha20-Poly1305 (key = message key, zero nonce:
//     each key encrypts one message), header (ratchet key, counters) as associated data;
//     DH ratchet on each change of direction: the sender makes a new X25519 key pair and one DH,
//     the receiver one DH. There is no post-quantum ratchet after the handshake.
import { x25519 } from "@noble/curves/ed25519.js";
import { ml_kem768 } from "@noble/post-quantum/ml-kem.js";
import { ml_dsa65 } from "@noble/post-quantum/ml-dsa.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";

const utf8 = (s) => new TextEncoder().encode(s);
const INFO_HANDSHAKE = utf8("noble-pqxdh-ref handshake");
const INFO_RATCHET = utf8("noble-pqxdh-ref ratchet");
const FF32 = new Uint8Array(32).fill(0xff);
const ZERO32 = new Uint8Array(32);
const NONCE = new Uint8Array(12);
const MK = Uint8Array.of(1);
const CK = Uint8Array.of(2);
const T_INITIAL = 1;
const T_RATCHET = 2;
const X = 32; // X25519 key
const DSA_PK = 1952; // ML-DSA-65 public key
const DSA_SIG = 3309; // ML-DSA-65 signature
const KEM_PK = 1184; // ML-KEM-768 encapsulation key
const KEM_CT = 1088; // ML-KEM-768 ciphertext
const HEADER = 1 + X + 4 + 4; // type, ratchet key, previous chain length, counter

function concat(...parts) {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
const u32 = (n) => Uint8Array.of(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
const readU32 = (b, o) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
const equal = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);
const dh = (secretKey, publicKey) => x25519.getSharedSecret(secretKey, publicKey);

/** A long-term identity: X25519 (for the DHs) and ML-DSA-65 (signs prekeys). */
export function generateIdentity() {
  const dhKey = x25519.keygen();
  const sigKey = ml_dsa65.keygen();
  return { dhKey, sigKey, publicKey: concat(dhKey.publicKey, sigKey.publicKey) };
}

/** Bob's prekeys: signed X25519 + signed ML-KEM-768 (one signature), one one-time X25519. */
export function generatePrekeys(identity) {
  const spk = x25519.keygen();
  const kem = ml_kem768.keygen();
  const opk = x25519.keygen();
  const signed = concat(u32(1), spk.publicKey, u32(1), kem.publicKey);
  const signature = ml_dsa65.sign(signed, identity.sigKey.secretKey);
  const bundle = concat(identity.publicKey, signed, signature, u32(1), opk.publicKey);
  return { spk: new Map([[1, spk]]), kem: new Map([[1, kem]]), opk: new Map([[1, opk]]), bundle };
}

function kdfRoot(rootKey, dhOut) {
  const okm = hkdf(sha256, dhOut, rootKey, INFO_RATCHET, 64);
  return [okm.subarray(0, 32), okm.subarray(32, 64)];
}

function newState(rootKey, ad, ownRatchet, peerRatchet) {
  return { rk: rootKey, ad, dhs: ownRatchet, dhr: peerRatchet, cks: null, ckr: null, ns: 0, nr: 0, pn: 0 };
}

function ratchetEncrypt(st, plaintext) {
  if (st.cks === null) {
    // First message after a change of direction: new ratchet key pair, one DH.
    st.dhs = x25519.keygen();
    [st.rk, st.cks] = kdfRoot(st.rk, dh(st.dhs.secretKey, st.dhr));
    st.pn = st.ns;
    st.ns = 0;
  }
  const mk = hmac(sha256, st.cks, MK);
  st.cks = hmac(sha256, st.cks, CK);
  const header = concat(Uint8Array.of(T_RATCHET), st.dhs.publicKey, u32(st.pn), u32(st.ns));
  st.ns += 1;
  const body = chacha20poly1305(mk, NONCE, concat(st.ad, header)).encrypt(plaintext);
  return concat(header, body);
}

function ratchetDecrypt(st, msg) {
  if (msg.length < HEADER + 16 || msg[0] !== T_RATCHET) throw new Error("noble-ref: bad message");
  const header = msg.subarray(0, HEADER);
  const ratchetKey = header.subarray(1, 1 + X);
  const n = readU32(header, 1 + X + 4);
  let { rk, ckr, nr } = st;
  if (st.dhr === null || !equal(ratchetKey, st.dhr)) {
    // The peer turned the ratchet: one DH with our current key, new receiving chain.
    [rk, ckr] = kdfRoot(rk, dh(st.dhs.secretKey, ratchetKey));
    nr = 0;
  }
  if (n !== nr) throw new Error("noble-ref: out-of-order messages are not supported");
  const mk = hmac(sha256, ckr, MK);
  const plaintext = chacha20poly1305(mk, NONCE, concat(st.ad, header)).decrypt(msg.subarray(HEADER));
  // Commit only after authentication.
  if (ckr !== st.ckr) {
    st.dhr = ratchetKey.slice();
    st.cks = null; // our next message turns the ratchet
  }
  st.rk = rk;
  st.ckr = hmac(sha256, ckr, CK);
  st.nr = nr + 1;
  return plaintext;
}

function handshakeSecret(dhs, kemSecret) {
  return hkdf(sha256, concat(FF32, ...dhs, kemSecret), ZERO32, INFO_HANDSHAKE, 32);
}

/** Alice: verify Bob's bundle, run PQXDH, encrypt the first message. */
export function initiate(identity, bundle, plaintext) {
  let o = 0;
  const take = (n) => bundle.subarray(o, (o += n));
  const bobIdentity = take(X + DSA_PK);
  const signed = take(4 + X + 4 + KEM_PK);
  const signature = take(DSA_SIG);
  const opkId = readU32(take(4), 0);
  const opk = take(X);
  if (o !== bundle.length) throw new Error("noble-ref: bad bundle");
  if (!ml_dsa65.verify(signature, signed, bobIdentity.subarray(X))) {
    throw new Error("noble-ref: bad prekey signature");
  }
  const spk = signed.subarray(4, 4 + X);
  const kemPk = signed.subarray(4 + X + 4);
  const ek = x25519.keygen();
  const { cipherText, sharedSecret } = ml_kem768.encapsulate(kemPk);
  const sk = handshakeSecret(
    [
      dh(identity.dhKey.secretKey, spk),
      dh(ek.secretKey, bobIdentity.subarray(0, X)),
      dh(ek.secretKey, spk),
      dh(ek.secretKey, opk),
    ],
    sharedSecret,
  );
  const ad = sha256(concat(identity.publicKey, bobIdentity));
  const st = newState(sk, ad, null, spk.slice());
  const first = ratchetEncrypt(st, plaintext);
  const message = concat(
    Uint8Array.of(T_INITIAL),
    identity.publicKey,
    ek.publicKey,
    signed.subarray(0, 4), // signed prekey id
    signed.subarray(4 + X, 4 + X + 4), // KEM prekey id
    u32(opkId),
    cipherText,
    first,
  );
  return { session: st, message };
}

/** Bob: run PQXDH against his prekeys and decrypt the first message. */
export function accept(identity, prekeys, message) {
  let o = 1;
  const take = (n) => message.subarray(o, (o += n));
  if (message[0] !== T_INITIAL) throw new Error("noble-ref: not an initial message");
  const aliceIdentity = take(X + DSA_PK);
  const ek = take(X);
  const spk = prekeys.spk.get(readU32(take(4), 0));
  const kem = prekeys.kem.get(readU32(take(4), 0));
  const opkId = readU32(take(4), 0);
  const opk = prekeys.opk.get(opkId);
  if (!spk || !kem || !opk) throw new Error("noble-ref: unknown prekey");
  const cipherText = take(KEM_CT);
  const sharedSecret = ml_kem768.decapsulate(cipherText, kem.secretKey);
  const sk = handshakeSecret(
    [
      dh(spk.secretKey, aliceIdentity.subarray(0, X)),
      dh(identity.dhKey.secretKey, ek),
      dh(spk.secretKey, ek),
      dh(opk.secretKey, ek),
    ],
    sharedSecret,
  );
  const ad = sha256(concat(aliceIdentity, identity.publicKey));
  const st = newState(sk, ad, spk, null);
  const plaintext = ratchetDecrypt(st, message.subarray(o));
  prekeys.opk.delete(opkId); // consumed only once the message authenticates
  return { session: st, plaintext };
}

export const encrypt = ratchetEncrypt;
export const decrypt = ratchetDecrypt;

/** Benchmark adapter (same shape as the others). */
export function makeNobleAdapter() {
  const alice = generateIdentity(); // exists before the benchmark, as for the other libraries
  return {
    id: "noble",
    label: "noble JS",
    async: false,
    version: null,
    setup(ptA, ptB) {
      const t0 = performance.now();
      const bob = generateIdentity();
      const prekeys = generatePrekeys(bob);
      const t1 = performance.now();
      const { session: a, message } = initiate(alice, prekeys.bundle, ptA); // verifies the bundle
      const t2 = performance.now();
      const { session: b, plaintext } = accept(bob, prekeys, message);
      const phases = { bob: t1 - t0, initiate: t2 - t1, accept: performance.now() - t2 };
      if (!equal(plaintext, ptA)) throw new Error("noble-ref: initial message mismatch");
      if (!equal(decrypt(a, encrypt(b, ptB)), ptB)) throw new Error("noble-ref: reply mismatch");
      const sessions = [a, b];
      const pair = {
        encrypt: (who, pt) => encrypt(sessions[who], pt),
        decrypt: (who, ct) => decrypt(sessions[who], ct),
        size: (ct) => ct.length,
        dispose() {},
      };
      return { pair, initialBytes: message.length, phases };
    },
  };
}
