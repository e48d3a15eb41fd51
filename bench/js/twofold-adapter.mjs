// Benchmark adapter for twofold-pq. The module is passed in, because it is imported by path:
// ../../npm/dist/node.js in Node, /npm/dist/index.js in the browser (never through npm).
// Bob's store holds one one-time prekey of each kind (X25519 and ML-KEM), like the bundles
// built for the peers; the default of `PrekeyStore.generate` (100) would time 200 key pairs.

/** @param tf the twofold-pq module (already `ready()`) */
export function makeTwofoldAdapter(tf, { id = "twofold", label = "twofold-pq" } = {}) {
  // Alice's long-term identity exists before the benchmark (as for the other libraries).
  const alice = tf.Identity.generate();
  return {
    id,
    label,
    async: false,
    version: tf.version(),
    setup(ptA, ptB) {
      const bob = tf.Identity.generate();
      const store = tf.PrekeyStore.generate(bob, { oneTime: 1 });
      const bundle = store.bundle();
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
