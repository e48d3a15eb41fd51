// Benchmark adapter for @signalapp/libsignal-client (native N-API addon, Node only): PQXDH with
// a signed Kyber-1024 prekey plus a one-time EC prekey, then the Double Ratchet. In 0.103.0 the
// SPQR sparse post-quantum ratchet is always on (SignalMessage.pqRatchet()); the session API
// takes no `usePqRatchet` flag any more. Every call is async (the stores are async callbacks).
//
// Minimal in-memory stores, as the .d.ts of 0.103.0 declares them.
import * as S from "@signalapp/libsignal-client";

class MemSessionStore extends S.SessionStore {
  #m = new Map();
  async saveSession(address, record) {
    this.#m.set(address.toString(), record);
  }
  async getSession(address) {
    return this.#m.get(address.toString()) ?? null;
  }
  async getExistingSessions(addresses) {
    return addresses.map((a) => {
      const r = this.#m.get(a.toString());
      if (!r) throw new Error(`no session for ${a.toString()}`);
      return r;
    });
  }
}

class MemIdentityStore extends S.IdentityKeyStore {
  #pair;
  #registrationId;
  #known = new Map();
  constructor(pair, registrationId) {
    super();
    this.#pair = pair;
    this.#registrationId = registrationId;
  }
  async getIdentityKey() {
    return this.#pair.privateKey;
  }
  async getIdentityKeyPair() {
    return this.#pair;
  }
  async getLocalRegistrationId() {
    return this.#registrationId;
  }
  async saveIdentity(address, key) {
    const k = address.toString();
    const old = this.#known.get(k);
    this.#known.set(k, key);
    return old && !old.equals(key) ? S.IdentityChange.ReplacedExisting : S.IdentityChange.NewOrUnchanged;
  }
  async isTrustedIdentity(address, key, _direction) {
    const old = this.#known.get(address.toString());
    return !old || old.equals(key); // trust on first use
  }
  async getIdentity(address) {
    return this.#known.get(address.toString()) ?? null;
  }
}

class MemPreKeyStore extends S.PreKeyStore {
  #m = new Map();
  async savePreKey(id, record) {
    this.#m.set(id, record);
  }
  async getPreKey(id) {
    const r = this.#m.get(id);
    if (!r) throw new Error(`no prekey ${id}`);
    return r;
  }
  async removePreKey(id) {
    this.#m.delete(id);
  }
}

class MemSignedPreKeyStore extends S.SignedPreKeyStore {
  #m = new Map();
  async saveSignedPreKey(id, record) {
    this.#m.set(id, record);
  }
  async getSignedPreKey(id) {
    const r = this.#m.get(id);
    if (!r) throw new Error(`no signed prekey ${id}`);
    return r;
  }
}

class MemKyberPreKeyStore extends S.KyberPreKeyStore {
  #m = new Map();
  async saveKyberPreKey(id, record) {
    this.#m.set(id, record);
  }
  async getKyberPreKey(id) {
    const r = this.#m.get(id);
    if (!r) throw new Error(`no kyber prekey ${id}`);
    return r;
  }
  async markKyberPreKeyUsed(id, _signedPreKeyId, _baseKey) {
    this.#m.delete(id); // a one-time Kyber prekey
  }
}

const ALICE = S.ProtocolAddress.new("alice", 1);
const BOB = S.ProtocolAddress.new("bob", 1);

function party(identity, registrationId) {
  return {
    identity,
    sessions: new MemSessionStore(),
    identities: new MemIdentityStore(identity, registrationId),
    prekeys: new MemPreKeyStore(),
    signedPrekeys: new MemSignedPreKeyStore(),
    kyberPrekeys: new MemKyberPreKeyStore(),
  };
}

async function decryptAny(me, from, bytes, type) {
  if (type === S.CiphertextMessageType.PreKey) {
    return S.signalDecryptPreKey(
      S.PreKeySignalMessage.deserialize(bytes),
      from,
      me.address,
      me.p.sessions,
      me.p.identities,
      me.p.prekeys,
      me.p.signedPrekeys,
      me.p.kyberPrekeys,
    );
  }
  return S.signalDecrypt(S.SignalMessage.deserialize(bytes), from, me.address, me.p.sessions, me.p.identities);
}

export function makeLibsignalAdapter() {
  // Alice's long-term identity exists before the benchmark (as for the other libraries).
  const aliceIdentity = S.IdentityKeyPair.generate();
  return {
    id: "libsignal",
    label: "libsignal (native)",
    async: true,
    version: null,
    /** Full setup; returns an established pair, the initial message size and phase times. */
    async setup(ptA, ptB) {
      // Bob: identity, signed EC prekey, one-time EC prekey, signed Kyber prekey, bundle.
      const t0 = performance.now();
      const bobIdentity = S.IdentityKeyPair.generate();
      const bob = party(bobIdentity, 2);
      const now = Date.now();
      const spk = S.PrivateKey.generate();
      const spkSig = bobIdentity.privateKey.sign(spk.getPublicKey().serialize());
      await bob.signedPrekeys.saveSignedPreKey(1, S.SignedPreKeyRecord.new(1, now, spk.getPublicKey(), spk, spkSig));
      const opk = S.PrivateKey.generate();
      await bob.prekeys.savePreKey(1, S.PreKeyRecord.new(1, opk.getPublicKey(), opk));
      const kem = S.KEMKeyPair.generate();
      const kemSig = bobIdentity.privateKey.sign(kem.getPublicKey().serialize());
      await bob.kyberPrekeys.saveKyberPreKey(1, S.KyberPreKeyRecord.new(1, now, kem, kemSig));
      const bundle = S.PreKeyBundle.new(
        2, 1, 1, opk.getPublicKey(), 1, spk.getPublicKey(), spkSig, bobIdentity.publicKey,
        1, kem.getPublicKey(), kemSig,
      );
      // Alice: process the bundle (verifies its signatures), send; Bob: accept; Bob replies;
      // Alice decrypts.
      const t1 = performance.now();
      const alice = party(aliceIdentity, 1);
      await S.processPreKeyBundle(bundle, BOB, ALICE, alice.sessions, alice.identities);
      const me = [
        { address: ALICE, peer: BOB, p: alice },
        { address: BOB, peer: ALICE, p: bob },
      ];
      const first = await S.signalEncrypt(ptA, BOB, ALICE, alice.sessions, alice.identities);
      if (first.type() !== S.CiphertextMessageType.PreKey) throw new Error("expected a PreKey message");
      const firstBytes = first.serialize();
      const t2 = performance.now();
      const got = await decryptAny(me[1], ALICE, firstBytes, first.type());
      const phases = { bob: t1 - t0, initiate: t2 - t1, accept: performance.now() - t2 };
      if (got.length !== ptA.length) throw new Error("libsignal: initial message mismatch");
      const reply = await S.signalEncrypt(ptB, ALICE, BOB, bob.sessions, bob.identities);
      const got2 = await decryptAny(me[0], BOB, reply.serialize(), reply.type());
      if (got2.length !== ptB.length) throw new Error("libsignal: reply mismatch");
      // Messages carry their type out of band (as Signal's envelope does); after the reply
      // Alice sends Whisper messages, so the pair passes { type, bytes } around.
      const pair = {
        async encrypt(who, pt) {
          const m = me[who];
          const c = await S.signalEncrypt(pt, m.peer, m.address, m.p.sessions, m.p.identities);
          return { type: c.type(), bytes: c.serialize() };
        },
        decrypt(who, msg) {
          return decryptAny(me[who], me[who].peer, msg.bytes, msg.type);
        },
        size: (msg) => msg.bytes.length,
        dispose() {},
      };
      return { pair, initialBytes: firstBytes.length, phases };
    },
  };
}
