// The five attacks, one click each. Each runs real protocol operations through the demo
// model (messages go through the server queue and show up in the panes and the timeline) and
// returns an outcome: the steps observed and a plain-language explanation.

import { Identity, PrekeyStore, Session } from "twofold-pq";
import { explainError } from "./demo.js";
import { fmtBytes, fromUtf8, timed, utf8 } from "./format.js";
import { kemCiphertextBytes, kemOfferBytes } from "./server.js";

// Tones: "blocked" (the protocol stopped it), "breach" (the attacker got something),
// "detected" (visible to users who verify), "info".
const step = (tone, text) => ({ tone, text });

/** A quotation that ends a sentence: "Hi." rather than "Hi.". */
const quoted = (text) => (/[.!?]$/.test(text) ? `"${text}"` : `"${text}".`);

/** The counters that must not move when a message is rejected. */
function counters(session) {
  const i = session.info();
  return JSON.stringify([i.dhEpoch, i.pqEpoch, i.sendingIndex, i.receivingIndex, i.received, i.skippedKeys, i.skippedChains]);
}

function flushNote(demo, steps) {
  const n = demo.flushQueue();
  if (n > 0) steps.push(step("info", `The server first delivered the ${n} message${n === 1 ? "" : "s"} it was holding.`));
}

// ---- (a) the server swaps Bob's bundle ----

export function bundleSwap(demo) {
  const { alice, bob } = demo;
  const steps = [];
  const pqPolicy = demo.policy;

  // 1. A forged bundle: Bob's, with the signed X25519 prekey replaced by the server's own.
  const real = demo.takeBundle("the server, which forged it", { log: false });
  const forged = real.bytes.slice();
  const offset = bob.identity.publicKey.length + 4; // header + identity body, then the prekey id
  forged.set(crypto.getRandomValues(new Uint8Array(32)), offset);
  demo.log("Server", `Replaced the signed X25519 prekey in Bob's bundle #${real.id} (bytes ${offset}-${offset + 31}) with a key of its own and handed it to Alice`, {
    bytes: forged.length,
    tone: "attack",
  });
  try {
    const [r] = timed(() => Session.initiate(alice.identity, forged, utf8("Hi Bob"), { pqPolicy }));
    r.session.dispose();
    steps.push(step("breach", "Unexpected: Alice's app accepted the forged bundle."));
  } catch (e) {
    demo.log("Alice", `Refused the forged bundle: ${explainError(e)}`, { tone: "error" });
    steps.push(
      step("blocked", `Forged bundle: Alice's app refused it with ${e.code}. Bob's ML-DSA-65 signature no longer matches the prekey the server put in.`),
    );
  }

  // 2. The attacker's own, perfectly valid bundle, and a relay to the real Bob.
  const [mallory, msId] = timed(() => Identity.generate());
  const malStore = PrekeyStore.generate(mallory, { oneTime: 1 });
  const [malBundle, msBundle] = timed(() => malStore.bundle());
  demo.log("Attacker", "Generated an identity and a valid prekey bundle of its own, and handed that bundle to Alice as if it were Bob's", {
    bytes: malBundle.length,
    ms: msId + msBundle,
    tone: "attack",
  });
  const text = "Hi Bob, it's Alice. My new phone number is 555-0100.";
  const [toMallory, msInit] = timed(() => Session.initiate(alice.identity, malBundle, utf8(text), { pqPolicy }));
  demo.log("Alice", "Verified the attacker's bundle (its signatures are valid: they are the attacker's) and sent it an initial message, believing it is Bob's", {
    bytes: toMallory.message.length,
    ms: msInit,
  });
  const fromAlice = Session.accept(mallory, malStore, toMallory.message, { pqPolicy });
  const stolenText = fromUtf8(fromAlice.plaintext);
  const bobBundle = demo.takeBundle("the attacker");
  const toBob = Session.initiate(mallory, bobBundle.bytes, fromAlice.plaintext, { pqPolicy });
  const [atBob, msAccept] = timed(() => Session.accept(bob.identity, bob.store, toBob.message, { pqPolicy }));
  demo.log("Attacker", `Read Alice's message and relayed it to the real Bob in a session of its own`, {
    bytes: toBob.message.length,
    tone: "attack",
  });
  demo.log("Bob", "Accepted the relayed initial message: a valid handshake, with the attacker's identity", {
    bytes: toBob.message.length,
    ms: msAccept,
  });
  steps.push(
    step("breach", `Attacker's own bundle: the handshake succeeded, with the attacker. It read "${stolenText}" and passed it on to Bob, who read ${quoted(fromUtf8(atBob.plaintext))}`),
  );

  const aliceSees = toMallory.session.safetyNumber();
  const bobSees = atBob.session.safetyNumber();
  const qrMatches = atBob.session.matchesSafetyQr(toMallory.session.safetyQr());
  const sasA = toMallory.session.sas();
  const sasB = atBob.session.sas();
  steps.push(
    step(
      "detected",
      `But their codes differ: Bob's app scanning Alice's QR code says ${qrMatches ? "match" : "no match"} (matchesSafetyQr), and the emoji differ (${sasA.emoji.map((e) => e.emoji).join("")} vs ${sasB.emoji.map((e) => e.emoji).join("")}).`,
    ),
  );
  demo.log("Demo", `Alice's and Bob's safety numbers ${aliceSees === bobSees ? "match (unexpected)" : "differ: the attack is visible to users who compare"}`, {
    tone: aliceSees === bobSees ? "error" : "ok",
  });

  for (const s of [toMallory.session, fromAlice.session, toBob.session, atBob.session, malStore, mallory]) s.dispose();

  return {
    title: "Bundle swap",
    steps,
    numbers: { alice: aliceSees, bob: bobSees },
    explain: [
      "Every byte of a bundle is covered by a signature of the owner's ML-DSA-65 identity key, so the server cannot alter Bob's prekeys: a changed key fails with BAD_SIGNATURE.",
      "It can hand Alice a complete bundle of its own instead: those signatures are valid, they are just not Bob's. No protocol can tell a key is Bob's without help from the users. That is what the safety number is for: it is the fingerprints of both identities of the session side by side (30 digits each), so Alice's number is computed over (Alice, attacker) and Bob's over (attacker, Bob). Both contain the attacker's fingerprint, but only one of Alice's and Bob's. Comparing them in person or scanning the QR code exposes the attacker.",
      "This ran as a separate handshake with Alice's and Bob's real identities; your conversation above is untouched.",
    ],
  };
}

// ---- (b) a message is tampered with ----

export function tamperMessage(demo) {
  const steps = [];
  flushNote(demo, steps);
  const text = "Please pay Carol 100";
  const item = demo.send("Alice", text, { deliver: false, attack: "b" });
  const fake = demo.server.enqueueTampered(item);
  const would = text.slice(0, -1) + String.fromCharCode(text.charCodeAt(text.length - 1) ^ 1);
  demo.log("Server", `Flipped one bit of byte ${fake.tamperedAt} of message #${item.id} and delivered the result as #${fake.id}`, {
    bytes: fake.bytes.length,
    tone: "attack",
  });
  steps.push(step("info", `Alice sent message #${item.id}: "${text}". The server flipped one bit of byte ${fake.tamperedAt} (the last encrypted character) and delivered that as #${fake.id}.`));
  const before = counters(demo.bob.session);
  const r1 = demo.deliver(fake.id, { attack: "b" });
  const unchanged = before === counters(demo.bob.session);
  if (r1?.ok) {
    steps.push(step("breach", `Unexpected: Bob's app accepted the tampered message ("${r1.text}").`));
  } else {
    steps.push(
      step("blocked", `Bob's app rejected it: ${r1?.code}. ${unchanged ? "His session is unchanged: epochs, counters and skipped keys are identical before and after." : "Unexpected: his session state changed."}`),
    );
  }
  const r2 = demo.deliver(item.id, { attack: "b" });
  steps.push(
    r2?.ok
      ? step("blocked", `The genuine message #${item.id} arrived next and decrypted normally: ${quoted(r2.text)}`)
      : step("breach", `Unexpected: the genuine message failed too (${r2?.code}).`),
  );
  return {
    title: "Tampered message",
    steps,
    explain: [
      `ChaCha20 on its own is malleable: flipping a ciphertext bit flips the same plaintext bit, so without authentication Bob would have read "${would}".`,
      "Every message is sealed with ChaCha20-Poly1305 under a key used once, and the header (ratchet key, counters, post-quantum data) is authenticated with it, so any change to any byte fails the tag check: AUTH_FAILED.",
      "A failed decryption changes nothing in the session, so a forged or damaged message cannot knock the conversation out of sync: the app drops it and the next real message decrypts.",
    ],
  };
}

// ---- (c) a message is replayed ----

export function replayMessage(demo) {
  const steps = [];
  flushNote(demo, steps);
  const text = "Meet me at 8, usual place.";
  const item = demo.send("Alice", text, { deliver: false, attack: "c" });
  const r1 = demo.deliver(item.id, { attack: "c" });
  steps.push(step("info", `Alice sent message #${item.id} and Bob read it once: ${quoted(r1?.text ?? "")}`));
  const copy = demo.server.enqueue(item.from, item.to, item.bytes.slice(), { replayOf: item.id, attack: "c" });
  demo.log("Server", `Delivered a copy of message #${item.id} again (replay) as #${copy.id}`, { bytes: copy.bytes.length, tone: "attack" });
  const before = counters(demo.bob.session);
  const r2 = demo.deliver(copy.id, { attack: "c" });
  const unchanged = before === counters(demo.bob.session);
  steps.push(
    r2?.ok
      ? step("breach", "Unexpected: Bob's app showed the replayed message a second time.")
      : step("blocked", `The server delivered the same bytes again as #${copy.id}: Bob's app rejected them with ${r2?.code}${unchanged ? ", and his session is unchanged" : ""}.`),
  );
  return {
    title: "Replay",
    steps,
    explain: [
      "Each message key is used once and then deleted: Bob's receiving chain has moved past this message, so the copy can never be decrypted again and an app never shows (or acts on) the same message twice.",
      "The error is DUPLICATE_MESSAGE rather than AUTH_FAILED, so an app can drop replays quietly and still flag forgeries.",
    ],
  };
}

// ---- (d) messages arrive out of order ----

export function reorderMessages(demo) {
  const steps = [];
  flushNote(demo, steps);
  const texts = ["1/3 Dinner is at seven", "2/3 at Luigi's", "3/3 Bring the cake!"];
  const items = texts.map((t) => demo.send("Alice", t, { deliver: false, attack: "d" }));
  steps.push(step("info", `Alice sent #${items[0].id}, #${items[1].id}, #${items[2].id}. The server delivers them in the order #${items[2].id}, #${items[0].id}, #${items[1].id}.`));
  const held = [];
  for (const item of [items[2], items[0], items[1]]) {
    const r = demo.deliver(item.id, { attack: "d" });
    const skipped = demo.bob.session.info().skippedKeys;
    held.push(skipped);
    steps.push(
      r?.ok
        ? step("blocked", `#${item.id}${item.index === undefined ? "" : ` (chain index ${item.index})`} decrypted: "${r.text}". Bob now holds ${skipped} skipped message key${skipped === 1 ? "" : "s"}.`)
        : step("breach", `#${item.id} failed: ${r?.code}.`),
    );
  }
  return {
    title: "Reordering",
    steps,
    explain: [
      "The message header carries its position in the sending chain (the server can see it; it is authenticated, not secret). When a later message arrives first, Bob's app derives the keys of the missing ones and keeps them as skipped keys.",
      `Here Bob held ${held.join(", then ")} skipped keys: each late message used its key and deleted it. The number held is bounded (2,000 per chain, 3,000 in total) so a malicious server cannot make Bob store keys without limit.`,
    ],
  };
}

// ---- (e) a state snapshot is stolen ----

export function stealState(demo) {
  const steps = [];
  flushNote(demo, steps);
  const { bob } = demo;
  const [blob, msSeal] = timed(() => bob.session.seal(demo.keys.appKey));
  const [stolen, msOpen] = timed(() => Session.open(blob, demo.keys.appKey));
  demo.log("Attacker", "Copied Bob's sealed session and the app key off his device, and opened the copy", {
    bytes: blob.length,
    ms: msSeal + msOpen,
    tone: "attack",
  });
  steps.push(step("breach", `The attacker copied Bob's sealed session (${fmtBytes(blob.length)}) and the key that seals it, and opened its own copy.`));

  const attackerReads = (item) => {
    try {
      return { ok: true, text: fromUtf8(stolen.decrypt(item.bytes)) };
    } catch (e) {
      return { ok: false, code: e.code };
    }
  };

  const secret = "The door code is 4711.";
  const first = demo.send("Alice", secret, { deliver: false, attack: "e" });
  demo.deliver(first.id, { attack: "e" });
  const r0 = attackerReads(first);
  steps.push(
    r0.ok
      ? step("breach", `Before healing: Alice sent #${first.id}; Bob read it, and so did the attacker's copy: ${quoted(r0.text)}`)
      : step("blocked", `Before healing: the attacker's copy could not read #${first.id} (${r0.code}).`),
  );

  let classical = null;
  let pq = null;
  let freshOffer = null;
  for (let round = 1; round <= 8 && !(classical && pq); round++) {
    const b = demo.send("Bob", `Round trip ${round}: all good here.`, { deliver: false, attack: "e" });
    const bobStep = demo.lastSend;
    if (!freshOffer && bobStep.newChain && b.kemOffer) freshOffer = b;
    demo.deliver(b.id, { attack: "e" });
    const a = demo.send("Alice", `Round trip ${round}: still there?`, { deliver: false, attack: "e" });
    const aliceStep = demo.lastSend;
    demo.deliver(a.id, { attack: "e" });
    const r = attackerReads(a);
    const parts = [
      `Bob → Alice #${b.id}${bobStep.newChain ? " with a fresh X25519 ratchet key" : ""}${bobStep.newChain && b.kemOffer ? " and a fresh ML-KEM-768 key" : ""}`,
      `Alice → Bob #${a.id}${aliceStep.newChain ? " with a new DH step" : ""}${aliceStep.encapsulated ? " and an ML-KEM ciphertext" : ""}`,
    ];
    if (!classical && !r.ok) classical = { round, id: a.id, code: r.code };
    if (!pq && freshOffer && aliceStep.encapsulated) pq = { round, offer: freshOffer.id, ciphertext: a.id };
    steps.push(
      step(
        r.ok ? "breach" : "blocked",
        `Round trip ${round}: ${parts.join("; ")}. Attacker's copy on #${a.id}: ${r.ok ? `read "${r.text}"` : `${r.code}`}.${pq?.round === round ? " Post-quantum healing complete." : ""}`,
      ),
    );
  }
  stolen.dispose();

  if (classical) {
    steps.push(step("blocked", `Classical healing after round trip ${classical.round}: the attacker's copy fails with ${classical.code} on every new message.`));
  }
  if (pq) {
    steps.push(
      step("blocked", `Post-quantum healing after round trip ${pq.round}: Bob offered a fresh ML-KEM-768 key in #${pq.offer} (+${fmtBytes(kemOfferBytes())}) and Alice encapsulated a secret to it in #${pq.ciphertext} (+${fmtBytes(kemCiphertextBytes())}).`),
    );
  }
  demo.log("Demo", `Stolen state: readable before healing; classical healing after round trip ${classical?.round ?? "?"}, post-quantum healing after round trip ${pq?.round ?? "?"}`, {
    tone: "ok",
  });
  return {
    title: "Stolen state",
    steps,
    explain: [
      "A stolen snapshot reads what the ratchet can decrypt at that moment: messages already in flight, and new ones until the ratchet turns. Messages from before the theft stay safe: their keys were already deleted (forward secrecy).",
      "Classical healing: on each round trip Bob's app makes a fresh X25519 ratchet key the attacker never saw, and Alice's next message mixes a new Diffie-Hellman secret into the root key. A copy of the old state cannot compute it, so it fails with AUTH_FAILED from then on.",
      "Post-quantum healing: an attacker who records the traffic and later has a quantum computer could recover those X25519 secrets from the public ratchet keys and follow the conversation again. The sparse ML-KEM ratchet closes that gap: once Bob has offered a fresh ML-KEM-768 key and Alice has encapsulated a secret to it, the root key also depends on a secret no quantum computer is known to recover. With the every-step policy that takes one round trip; the sparse policy waits for its interval, trading about 2.3 KB per step for a slower heal.",
    ],
  };
}

export const ATTACKS = {
  a: bundleSwap,
  b: tamperMessage,
  c: replayMessage,
  d: reorderMessages,
  e: stealState,
};
