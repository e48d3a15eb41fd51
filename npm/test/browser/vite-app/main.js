// An app as a developer would write it: the package by name, bundled by Vite, plus a worker.
import { Identity, PrekeyStore, Session, ready } from "twofold-pq";
import { composeBundle, ready as serverReady } from "twofold-pq/server";
import { TwofoldWorker } from "twofold-pq/worker-client";

const enc = new TextEncoder();
const dec = new TextDecoder();

async function main() {
  await ready();
  await serverReady();
  const bob = Identity.generate();
  const store = PrekeyStore.generate(bob);
  const bundle = composeBundle(store.upload({ oneTime: 1 }), 0);
  const alice = Identity.generate();
  const { session: a, message } = Session.initiate(alice, bundle, enc.encode("bundled"));
  const { session: b, plaintext } = Session.accept(bob, store, message, { initiatorIdentity: alice.publicKey });
  const r = dec.decode(a.decrypt(b.encrypt(enc.encode("by vite"))));
  document.getElementById("result").textContent = `${dec.decode(plaintext)} ${r}`;

  const tw = new TwofoldWorker(new Worker(new URL("./twofold.worker.js", import.meta.url), { type: "module" }));
  const wb = await tw.Identity.generate();
  const ws = await tw.PrekeyStore.generate(wb);
  const wbundle = composeBundle(await ws.upload({ oneTime: 1 }), 0);
  const wa = await tw.Identity.generate();
  const i = await tw.Session.initiate(wa, wbundle, enc.encode("worker in vite"));
  const k = await tw.Session.accept(wb, ws, i.message, { initiatorIdentity: await wa.publicKey() });
  document.getElementById("worker").textContent = dec.decode(k.plaintext);
}

main().catch((e) => {
  document.getElementById("result").textContent = `error ${e.code ?? ""} ${e.message}`;
});
