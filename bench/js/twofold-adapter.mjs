// Benchmark adapter for twofold-pq. The modules are passed in, because they are imported by
// path: ../../npm/dist/node.js and server-node.js in Node, /npm/dist/index.js and server.js in
// the browser (never through npm).
// Bob's setup is what an app does on its first run: identity, store, an upload of one leaf
// (a one-time X25519 and a one-time ML-KEM prekey, like the bundles built for the peers; the
// default of `store.upload` (100) would time 200 key pairs) and the server's composeBundle.
// Alice sends the compact initial message (the default: it names her by fingerprint), so Bob's
// accept takes her identity as his directory holds it (the lookup is not timed, as a server's
// answer would not be). `knownPeer` is the same handshake between parties whose identity caches
// already hold each other (libsignal has no such cache: its cost does not change).

/**
 * Bytes of Alice's initial message in each form, with a 100 B plaintext and a bundle with both
 * one-time prekeys: `compact` (what the scenarios send) and `selfContained` (her identity
 * carried, for responders without a directory).
 */
function initialForms(tf, server, alice) {
  const bob = tf.Identity.generate();
  const store = tf.PrekeyStore.generate(bob);
  const upload = store.upload({ oneTime: 2 });
  const sizes = {};
  for (const [leaf, form] of ["compact", "selfContained"].entries()) {
    const r = tf.Session.initiate(alice, server.composeBundle(upload, leaf), new Uint8Array(100), {
      selfContained: form === "selfContained",
    });
    sizes[form] = r.message.length;
    r.session.dispose();
  }
  store.dispose();
  bob.dispose();
  return sizes;
}

/**
 * @param tf the twofold-pq module (already `ready()`)
 * @param server the twofold-pq/server module (already `ready()`), for `composeBundle`
 */
export function makeTwofoldAdapter(tf, server, { id = "twofold", label = "twofold-pq" } = {}) {
  // Alice's long-term identity exists before the benchmark (as for the other libraries).
  const alice = tf.Identity.generate();
  const initiatorIdentity = alice.publicKey;
  return {
    id,
    label,
    async: false,
    version: tf.version(),
    initialForms: initialForms(tf, server, alice),
    setup(ptA, ptB) {
      const t0 = performance.now();
      const bob = tf.Identity.generate();
      const store = tf.PrekeyStore.generate(bob);
      const bundle = server.composeBundle(store.upload({ oneTime: 1 }), 0);
      const t1 = performance.now();
      // initiate verifies the bundle (binding, upload signature, Merkle path) before its work.
      const { session: a, message } = tf.Session.initiate(alice, bundle, ptA);
      const t2 = performance.now();
      const { session: b, plaintext } = tf.Session.accept(bob, store, message, { initiatorIdentity });
      const phases = { bob: t1 - t0, initiate: t2 - t1, accept: performance.now() - t2 };
      if (plaintext.length !== ptA.length) throw new Error("twofold: initial message mismatch");
      if (a.decrypt(b.encrypt(ptB)).length !== ptB.length) throw new Error("twofold: reply mismatch");
      store.dispose();
      bob.dispose();
      const sessions = [a, b];
      const pair = {
        encrypt: (who, pt) => sessions[who].encrypt(pt),
        decrypt: (who, ct) => sessions[who].decrypt(ct),
        size: (ct) => ct.length,
        info: () => sessions.map((s) => s.info()),
        dispose() {
          a.dispose();
          b.dispose();
        },
      };
      return { pair, initialBytes: message.length, phases };
    },
    /**
     * A new session between parties who have verified each other once before: Bob and his
     * upload (of `leaves` leaves) exist, and each side's `IdentityCache` holds the other's
     * identity from a first, untimed handshake. `once(pt)` runs one handshake on the next leaf
     * and returns its phases { initiate, accept }; composing the bundle (the server's work) is
     * not timed.
     */
    knownPeer(leaves) {
      const bob = tf.Identity.generate();
      const store = tf.PrekeyStore.generate(bob);
      const composer = new server.BundleComposer(store.upload({ oneTime: leaves + 1 }));
      const caches = [new tf.IdentityCache(), new tf.IdentityCache()];
      let leaf = 0;
      const once = (pt) => {
        const bundle = composer.bundle(leaf++);
        const t0 = performance.now();
        const { session: a, message } = tf.Session.initiate(alice, bundle, pt, { identityCache: caches[0] });
        const t1 = performance.now();
        const { session: b, plaintext } = tf.Session.accept(bob, store, message, {
          initiatorIdentity,
          identityCache: caches[1],
        });
        const phases = { initiate: t1 - t0, accept: performance.now() - t1 };
        if (plaintext.length !== pt.length) throw new Error("twofold: initial message mismatch");
        a.dispose();
        b.dispose();
        return phases;
      };
      once(new Uint8Array(1));
      if (caches[0].size !== 1 || caches[1].size !== 1) throw new Error("twofold: the identity caches were not filled");
      return {
        once,
        dispose() {
          for (const o of [...caches, composer, store, bob]) o.dispose();
        },
      };
    },
  };
}
