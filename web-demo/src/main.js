import { Identity, PrekeyStore, Session, ready } from "twofold-pq";

const status = document.getElementById("status");
const log = document.getElementById("log");
const enc = new TextEncoder();
const dec = new TextDecoder();

function line(text) {
  log.textContent += `${text}\n`;
}

async function main() {
  await ready();
  const t0 = performance.now();
  const bob = Identity.generate();
  const store = PrekeyStore.generate(bob, { oneTime: 2 });
  const bundle = store.bundle();
  line(`Bob published a bundle of ${bundle.length} bytes`);
  const alice = Identity.generate();
  const { session: a, message } = Session.initiate(alice, bundle, enc.encode("hello Bob"));
  line(`Alice sent an initial message of ${message.length} bytes`);
  const { session: b, plaintext } = Session.accept(bob, store, message);
  line(`Bob decrypted: ${dec.decode(plaintext)}`);
  const reply = b.encrypt(enc.encode("hello Alice"));
  line(`Alice decrypted: ${dec.decode(a.decrypt(reply))}`);
  const match = a.safetyNumber() === b.safetyNumber();
  line(`Safety numbers match: ${match}`);
  status.textContent = `Handshake complete in ${(performance.now() - t0).toFixed(0)} ms`;
}

main().catch((e) => {
  status.textContent = `Error: ${e.code ?? ""} ${e.message}`;
  console.error(e);
});
