// The set-up the API loops share: two identities, a store, an upload of one leaf,
// composeBundle, initiate (compact initial message), accept with Alice's identity as a
// directory returns it, one reply. `api` and `server` are the modules of `twofold-pq` and
// `twofold-pq/server` (of any build). Returns [alice's session, bob's session, the rest].
export function setup({ Identity, PrekeyStore, Session }, { composeBundle }) {
  const enc = new TextEncoder();
  const bob = Identity.generate();
  const store = PrekeyStore.generate(bob);
  const bundle = composeBundle(store.upload({ oneTime: 1 }), 0);
  const alice = Identity.generate();
  const { session: a, message } = Session.initiate(alice, bundle, enc.encode("hi"));
  const { session: b } = Session.accept(bob, store, message, { initiatorIdentity: alice.publicKey });
  a.decrypt(b.encrypt(enc.encode("r")));
  return [a, b, alice, bob, store];
}
