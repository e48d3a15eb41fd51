// Benchmark adapter for twofold-pq. The modules are passed in, because they are imported by
// path: ../../npm/dist/node.js and server-node.js in Node, /npm/dist/index.js and server.js in
// the browser (never through npm).
// Bob's setup is what an app does on its first run: identity, store, an upload of one leaf
// (a one-time X25519 and a one-time ML-KEM prekey, like the bundles built for the peers; the
// default of `store.upload` (100) would time 200 key pairs) and the server's composeBundle.

/**
 * @param tf the twofold-pq module (already `ready()`)
 * @param server the twofold-pq/server module (already `ready()`), for `composeBundle`
 */
export function makeTwofoldAdapter(tf, server, { id = "twofold", label = "twofold-pq" } = {}) {
  // Alice's long-term identity exists before the benchmark (as for the other libraries).
  const alice = tf.Identity.generate();
  return {
    id,
    label,
    async: false,
    version: tf.version(),
    setup(ptA, ptB) {
      const bob = tf.Identity.generate();
      const store = tf.PrekeyStore.generate(bob);
      const bundle = server.composeBundle(store.upload({ oneTime: 1 }), 0);
      const { session: a, message } = tf.Session.initiate(alice, bundle, ptA);
      const { session: b, plaintext } = tf.Session.accept(bob, store, message);
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
      return { pair, initialBytes: message.length };
    },
  };
}
