// The seven attacks, one click each. Each runs real protocol operations through the demo
// model (messages go through the server queue and show up in the panes and the timeline) and
// returns an outcome: the steps observed and a plain-language explanation. Attacks that must
// not disturb the conversation run on copies of Alice's and Bob's stores (their storage and
// app key, opened in memory: demo.copyOf); the stolen state is such a copy too. The attacker's
// own identity and prekeys are plain twofold-pq objects: it is not an app with a store.

import { Identity, PrekeyStore, Session, constants } from "twofold-pq";
import { composeBundle } from "twofold-pq/server";
import { explainError, shortFingerprint } from "./demo.js";
import { fmtBytes, fmtMs, fromUtf8, nowSeconds, timed, timedAsync, utf8 } from "./format.js";
import { chunkName, describeMessage, overheadBytes, pqChunkBytes, ratchetOverheadBytes } from "./server.js";

// Tones: "blocked" (the protocol stopped it), "breach" (the attacker got something),
// "detected" (visible to users who verify), "info".
const step = (tone, text) => ({ tone, text });

/** A quotation that ends a sentence: "Hi." rather than "Hi.". */
const quoted = (text) => (/[.!?]$/.test(text) ? `"${text}"` : `"${text}".`);

/** The counters that must not move when a message is rejected. */
async function counters(party) {
  const i = await party.store.info(party.peer);
  return JSON.stringify([i.dhEpoch, i.pqEpoch, i.sendingIndex, i.receivingIndex, i.received, i.skippedKeys, i.skippedChains]);
}

async function flushNote(demo, steps) {
  const n = await demo.flushQueue();
  if (n > 0) steps.push(step("info", `The server first delivered the ${n} message${n === 1 ? "" : "s"} it was holding.`));
}

// ---- (a) the server swaps Bob's bundle ----

/**
 * Runs `fn(aliceCopy, bobCopy)` on copies of both parties' storage (demo.copyOf), closing
 * them (their secrets wiped) however `fn` ends.
 */
async function withCopies(demo, fn) {
  const copies = [];
  try {
    for (const party of [demo.alice, demo.bob]) copies.push(await demo.copyOf(party));
    return await fn(...copies);
  } finally {
    await Promise.all(copies.map((c) => c.store.close()));
  }
}

export const bundleSwap = (demo) => withCopies(demo, (aliceCopy, bobCopy) => bundleSwapOn(demo, aliceCopy, bobCopy));

async function bundleSwapOn(demo, aliceCopy, bobCopy) {
  const { alice, bob } = demo;
  const steps = [];

  // 1. A forged bundle: Bob's, with the signed X25519 prekey replaced by the server's own.
  const real = demo.takeBundle("the server, which forged it", { log: false });
  const forged = real.bytes.slice();
  const offset = bob.publicKey.length + 4; // header + identity body, then the prekey id
  forged.set(crypto.getRandomValues(new Uint8Array(32)), offset);
  demo.log("Server", `Replaced the signed X25519 prekey in Bob's bundle #${real.id} (bytes ${offset}-${offset + 31}) with a key of its own and handed it to Alice`, {
    bytes: forged.length,
    tone: "attack",
  });
  try {
    await aliceCopy.store.initiate(forged, utf8("Hi Bob"));
    steps.push(step("breach", "Unexpected: Alice's app accepted the forged bundle."));
  } catch (e) {
    demo.log("Alice", `Refused the forged bundle: ${explainError(e)}`, { tone: "error" });
    steps.push(
      step("blocked", `Forged bundle: Alice's app refused it with ${e.code}. Bob's ML-DSA-65 signature no longer matches the prekey the server put in.`),
    );
  }

  // 2. The attacker's own, perfectly valid bundle, and a relay to the real Bob.
  const [mallory, msId] = timed(() => Identity.generate());
  const malStore = PrekeyStore.generate(mallory);
  const [malBundle, msBundle] = timed(() => composeBundle(malStore.upload({ oneTime: 1 }), 0));
  demo.log("Attacker", "Generated an identity and a valid prekey bundle of its own, and handed that bundle to Alice as if it were Bob's", {
    bytes: malBundle.length,
    ms: msId + msBundle,
    tone: "attack",
  });
  const text = "Hi Bob, it's Alice. My new phone number is 555-0100.";
  const [toMallory, msInit] = await timedAsync(() => aliceCopy.store.initiate(malBundle, utf8(text)));
  demo.log("Alice", "Verified the attacker's bundle (its signatures are valid: they are the attacker's) and sent it an initial message, believing it is Bob's", {
    bytes: toMallory.message.length,
    ms: msInit,
  });
  // The attacker runs the directory too: it has Alice's identity for her compact message.
  const aliceId = demo.server.lookup(describeMessage(toMallory.message).handshake.initiatorFingerprint);
  const fromAlice = Session.accept(mallory, malStore, toMallory.message, { initiatorIdentity: aliceId });
  const stolenText = fromUtf8(fromAlice.plaintext);
  const bobBundle = demo.takeBundle("the attacker");
  // To Bob it writes a self-contained initial message: its own identity travels with it.
  const toBob = Session.initiate(mallory, bobBundle.bytes, fromAlice.plaintext, { selfContained: true });
  const [atBob, msAccept] = await timedAsync(() => bobCopy.store.receive(toBob.message));
  demo.log("Attacker", `Read Alice's message and relayed it to the real Bob in a session of its own (a self-contained initial message carrying the attacker's identity)`, {
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

  const aliceSees = await aliceCopy.store.safetyNumber(toMallory.peer);
  const bobSees = await bobCopy.store.safetyNumber(atBob.peer);
  const qrMatches = await bobCopy.store.matchesSafetyQr(atBob.peer, await aliceCopy.store.safetyQr(toMallory.peer));
  const sasA = await aliceCopy.store.sas(toMallory.peer);
  const sasB = await bobCopy.store.sas(atBob.peer);
  steps.push(
    step(
      "detected",
      `But their codes differ: Bob's app scanning Alice's QR code says ${qrMatches ? "match" : "no match"} (matchesSafetyQr), and the emoji differ (${sasA.emoji.map((e) => e.emoji).join("")} vs ${sasB.emoji.map((e) => e.emoji).join("")}).`,
    ),
  );
  demo.log("Demo", `Alice's and Bob's safety numbers ${aliceSees === bobSees ? "match (unexpected)" : "differ: the attack is visible to users who compare"}`, {
    tone: aliceSees === bobSees ? "error" : "ok",
  });

  for (const s of [fromAlice.session, toBob.session, malStore, mallory]) s.dispose();

  return {
    title: "Bundle swap",
    steps,
    numbers: { alice: aliceSees, bob: bobSees },
    explain: [
      "Every byte of a bundle is covered by the signature of Bob's upload, made with his ML-DSA-65 identity key, so the server cannot alter Bob's prekeys: a changed key fails with BAD_SIGNATURE.",
      "It can hand Alice a complete bundle of its own instead: those signatures are valid, they are just not Bob's. No protocol can tell a key is Bob's without help from the users. That is what the safety number is for: it is the fingerprints of both identities of the session side by side (30 digits each), so Alice's number is computed over (Alice, attacker) and Bob's over (attacker, Bob). Both contain the attacker's fingerprint, but only one of Alice's and Bob's. Comparing them in person or scanning the QR code exposes the attacker.",
      "This ran on copies of Alice's and Bob's stores (their real identities, opened in memory): your conversation above and their stores in IndexedDB are untouched.",
    ],
  };
}

// ---- (b) a message is tampered with ----

export async function tamperMessage(demo) {
  const steps = [];
  await flushNote(demo, steps);
  const text = "Please pay Carol 100";
  const item = await demo.send("Alice", text, { deliver: false, attack: "b" });
  const fake = demo.server.enqueueTampered(item);
  const would = text.slice(0, -1) + String.fromCharCode(text.charCodeAt(text.length - 1) ^ 1);
  demo.log("Server", `Flipped one bit of byte ${fake.tamperedAt} of message #${item.id} and delivered the result as #${fake.id}`, {
    bytes: fake.bytes.length,
    tone: "attack",
  });
  steps.push(step("info", `Alice sent message #${item.id}: "${text}". The server flipped one bit of byte ${fake.tamperedAt} (the last encrypted character) and delivered that as #${fake.id}.`));
  const before = await counters(demo.bob);
  const r1 = await demo.deliver(fake.id, { attack: "b" });
  const unchanged = before === (await counters(demo.bob));
  if (r1?.ok) {
    steps.push(step("breach", `Unexpected: Bob's app accepted the tampered message ("${r1.text}").`));
  } else {
    steps.push(
      step("blocked", `Bob's app rejected it: ${r1?.code}. ${unchanged ? "His session is unchanged: epochs, counters and skipped keys are identical before and after." : "Unexpected: his session state changed."}`),
    );
  }
  const r2 = await demo.deliver(item.id, { attack: "b" });
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
      "Every message is encrypted with ChaCha20 under a key used once and authenticated with an HMAC-SHA-256 tag over the header (ratchet key, counters, post-quantum chunk) and the plaintext; the tag also serves as the ChaCha20 nonce (SIV). Any change to any byte fails the tag check: AUTH_FAILED.",
      "A failed decryption changes nothing in the session, so a forged or damaged message cannot knock the conversation out of sync: the app drops it and the next real message decrypts.",
    ],
  };
}

// ---- (c) a message is replayed ----

export async function replayMessage(demo) {
  const steps = [];
  await flushNote(demo, steps);
  const text = "Meet me at 8, usual place.";
  const item = await demo.send("Alice", text, { deliver: false, attack: "c" });
  const r1 = await demo.deliver(item.id, { attack: "c" });
  steps.push(step("info", `Alice sent message #${item.id} and Bob read it once: ${quoted(r1?.text ?? "")}`));
  const copy = demo.server.enqueue(item.from, item.to, item.bytes.slice(), { replayOf: item.id, attack: "c" });
  demo.log("Server", `Delivered a copy of message #${item.id} again (replay) as #${copy.id}`, { bytes: copy.bytes.length, tone: "attack" });
  const before = await counters(demo.bob);
  const r2 = await demo.deliver(copy.id, { attack: "c" });
  const unchanged = before === (await counters(demo.bob));
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

export async function reorderMessages(demo) {
  const steps = [];
  await flushNote(demo, steps);
  const texts = ["1/3 Dinner is at seven", "2/3 at Luigi's", "3/3 Bring the cake!"];
  const items = [];
  for (const t of texts) items.push(await demo.send("Alice", t, { deliver: false, attack: "d" }));
  steps.push(step("info", `Alice sent #${items[0].id}, #${items[1].id}, #${items[2].id}. The server delivers them in the order #${items[2].id}, #${items[0].id}, #${items[1].id}.`));
  const held = [];
  for (const item of [items[2], items[0], items[1]]) {
    const r = await demo.deliver(item.id, { attack: "d" });
    const skipped = demo.bob.info.skippedKeys;
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

// Round trips shown message by message (chat, timeline, a step each). The rest run quietly:
// post-quantum healing takes about a hundred of them, which would push the conversation out
// of the bounded chat and timeline.
const SHOWN_ROUNDS = 3;
// A whole PQ epoch with a key made after the theft needs about 70 to 105 round trips in
// ping-pong; the cap only stops a run that never heals.
const MAX_ROUNDS = 150;

const pqPart = (item) => `${item.pqChunk ? `, ${chunkName(item.pqChunk)}` : ", no PQ chunk"}${item.pqMix ? ", MIX" : ""}`;

/** The step of a round trip shown in full: what each message carried, and the attacker's try. */
function roundStep(round, b, bobStep, a, aliceStep, r) {
  const parts = [
    `Bob → Alice #${b.id}${bobStep.newChain ? " with a fresh X25519 ratchet key" : ""}${pqPart(b)}`,
    `Alice → Bob #${a.id}${aliceStep.newChain ? " with a new DH step" : ""}${pqPart(a)}`,
  ];
  return step(
    r.ok ? "breach" : "blocked",
    `Round trip ${round}: ${parts.join("; ")}. Attacker's copy on #${a.id}: ${r.ok ? `read "${r.text}"` : r.code}.`,
  );
}

/** The step of a PQ epoch that completed on both sides before the one that heals. */
function earlyEpochStep(round, epoch) {
  return step(
    "info",
    `Round trip ${round}: PQ epoch ${epoch} complete on both sides. Its ML-KEM key predates the theft and the stolen copy may already hold its secret, so it does not count as healing.`,
  );
}

/** How the attacker's copy fails after the first failure, if not always the same way. */
function laterFailures(codes, first) {
  const others = [...codes].filter((c) => c !== first);
  if (others.length === 0) return "";
  if (others.length === 1 && others[0] === "UNKNOWN_EPOCH") {
    return " (with UNKNOWN_EPOCH once Alice's key chunks belong to an epoch the old copy cannot have reached)";
  }
  return ` (later also with ${others.join(", ")})`;
}

/**
 * Round trips (Bob sends, Alice sends, both delivered) until both sessions mixed PQ epoch
 * `target`, at most MAX_ROUNDS. The attacker's copy tries every message of Alice's.
 */
async function healingRun(demo, attackerReads, target, steps) {
  const { alice, bob } = demo;
  const run = {
    rounds: 0,
    classical: null,
    healed: null,
    readLater: [],
    laterCodes: new Set(),
    quietMessages: 0,
    quietBytes: 0,
    maxOverhead: 0,
    targetChunks: { key: 0, ciphertext: 0 },
  };
  let mixed = Math.min(alice.info.pqEpoch, bob.info.pqEpoch);
  const t0 = performance.now();
  for (let round = 1; round <= MAX_ROUNDS && !run.healed; round++) {
    run.rounds = round;
    const quiet = round > SHOWN_ROUNDS;
    const b = await demo.send("Bob", `Round trip ${round}: all good here.`, { deliver: false, attack: "e", quiet });
    const bobStep = demo.lastSend;
    await demo.deliver(b.id, { attack: "e", quiet });
    const a = await demo.send("Alice", `Round trip ${round}: still there?`, { deliver: false, attack: "e", quiet });
    const aliceStep = demo.lastSend;
    await demo.deliver(a.id, { attack: "e", quiet });
    for (const item of [b, a]) {
      run.maxOverhead = Math.max(run.maxOverhead, overheadBytes(item) ?? 0);
      if (item.pqChunk?.epoch === target) run.targetChunks[item.pqChunk.kind]++;
      if (quiet) {
        run.quietMessages++;
        run.quietBytes += item.bytes.length;
      }
    }
    const r = await attackerReads(a);
    if (!run.classical && !r.ok) run.classical = { round, code: r.code };
    else if (run.classical && r.ok) run.readLater.push(a.id);
    else if (run.classical) run.laterCodes.add(r.code);
    if (!quiet) steps.push(roundStep(round, b, bobStep, a, aliceStep, r));
    // An epoch is complete once both sides mixed it: Alice in her new chain, Bob on opening it.
    const reached = Math.min(alice.info.pqEpoch, bob.info.pqEpoch);
    for (let e = mixed + 1; e <= reached && e < target; e++) steps.push(earlyEpochStep(round, e));
    mixed = reached;
    if (reached >= target) run.healed = { round };
  }
  run.ms = performance.now() - t0;
  return run;
}

/** Tells both chats that the quiet round trips ran (their messages have no chat entries). */
function noteQuietRounds(demo, run) {
  if (run.rounds <= SHOWN_ROUNDS) return;
  const text = `Attack (e): round trips ${SHOWN_ROUNDS + 1} to ${run.rounds} (${run.quietMessages} messages) ran without chat entries, until the ratchet healed post-quantum.`;
  for (const party of [demo.alice, demo.bob]) demo.chat(party, { kind: "note", text });
}

export async function stealState(demo) {
  const steps = [];
  await flushNote(demo, steps);
  const [stolen, ms] = await timedAsync(() => demo.copyOf(demo.bob));
  try {
    return await stealStateWith(demo, stolen, ms, steps);
  } finally {
    await stolen.store.close();
  }
}

async function stealStateWith(demo, stolen, ms, steps) {
  const { alice, bob } = demo;
  // Alice's key of the epoch she sends now predates the theft; the next one she generates
  // after it, so nothing of that epoch's secret can be in the stolen state.
  const target = alice.info.pqSendingEpoch + 1;
  demo.log("Attacker", "Copied Bob's storage (his store: identity, prekeys, sealed session) and the app key off his device, and opened the copy", {
    bytes: stolen.bytes,
    ms,
    tone: "attack",
  });
  steps.push(step("breach", `The attacker copied Bob's storage (${fmtBytes(stolen.bytes)}, his sealed session among it) and the key that seals it, and opened its own copy.`));

  const attackerReads = async (item) => {
    try {
      return { ok: true, text: fromUtf8((await stolen.store.receive(item.bytes, { from: stolen.peer })).plaintext) };
    } catch (e) {
      return { ok: false, code: e.code };
    }
  };

  const secret = "The door code is 4711.";
  const first = await demo.send("Alice", secret, { deliver: false, attack: "e" });
  await demo.deliver(first.id, { attack: "e" });
  const r0 = await attackerReads(first);
  steps.push(
    r0.ok
      ? step("breach", `Before healing: Alice sent #${first.id}; Bob read it, and so did the attacker's copy: ${quoted(r0.text)}`)
      : step("blocked", `Before healing: the attacker's copy could not read #${first.id} (${r0.code}).`),
  );

  const run = await healingRun(demo, attackerReads, target, steps);
  noteQuietRounds(demo, run);

  const { classical, healed } = run;
  if (classical) {
    steps.push(
      step("blocked", `Classical healing after round trip ${classical.round}: the attacker's copy fails with ${classical.code} from then on${laterFailures(run.laterCodes, classical.code)}.`),
    );
  }
  if (run.readLater.length) {
    steps.push(step("breach", `Unexpected: the attacker's copy still read #${run.readLater.join(", #")} after that.`));
  }
  if (run.rounds > SHOWN_ROUNDS) {
    steps.push(
      step("info", `Round trips ${SHOWN_ROUNDS + 1} to ${run.rounds} ran without chat entries: ${run.quietMessages} messages, ${fmtBytes(run.quietBytes)} in all, ${fmtMs(run.ms)} for the whole run in this browser. The timeline keeps their PQ events.`),
    );
  }
  if (healed) {
    steps.push(
      step(
        "blocked",
        `Post-quantum healing after round trip ${healed.round}: PQ epoch ${target}, the first whose ML-KEM-768 key Alice generated after the theft, is complete on both sides. Alice sent that key in ${run.targetChunks.key} chunks of ${fmtBytes(pqChunkBytes())} and Bob answered with the ciphertext in ${run.targetChunks.ciphertext} chunks; the root key now depends on a secret the stolen state never held. No message of the run carried more than ${fmtBytes(run.maxOverhead)} of overhead.`,
      ),
    );
  } else {
    const a = alice.info.pqEpoch;
    const b = bob.info.pqEpoch;
    steps.push(step("breach", `No post-quantum healing within ${MAX_ROUNDS} round trips: PQ epoch ${target} did not complete (Alice has mixed ${a} epochs, Bob ${b}).`));
  }
  // Chunks each object needs, as the sessions report them (each counts what it collects).
  const keyChunks = bob.info.pqChunksNeeded;
  const ciphertextChunks = alice.info.pqChunksNeeded;
  demo.log(
    "Demo",
    `Stolen state: readable before healing; classical healing after round trip ${classical?.round ?? "?"}, post-quantum healing after round trip ${healed?.round ?? "?"} (PQ epoch ${target})`,
    { tone: "ok" },
  );
  return {
    title: "Stolen state",
    steps,
    explain: [
      "A stolen snapshot reads what the ratchet can decrypt at that moment: messages already in flight, and new ones until the ratchet turns. Messages from before the theft stay safe: their keys were already deleted (forward secrecy).",
      "Classical healing: on each round trip Bob's app makes a fresh X25519 ratchet key the attacker never saw, and Alice's next message mixes a new Diffie-Hellman secret into the root key. A copy of the old state cannot compute it, so it fails with AUTH_FAILED from then on.",
      `Post-quantum healing: an attacker who records the traffic and later has a quantum computer could recover those X25519 secrets from the public ratchet keys and, starting from the stolen root key, follow the conversation again. The chunked ML-KEM ratchet closes that gap, slowly and cheaply. For every PQ epoch Alice's app makes a fresh ML-KEM-768 key and sends it erasure-coded, one ${fmtBytes(pqChunkBytes())} chunk in each of her messages; once Bob holds any ${keyChunks} chunks he encapsulates a secret to it and sends the ciphertext back the same way, any ${ciphertextChunks} of its chunks being enough. Alice's next new sending chain then mixes the secret into the root key, and Bob mixes it when he opens that chain. Alice starts the next key as soon as Bob's first ciphertext chunk arrives, so epochs overlap.`,
      `Only an epoch whose key Alice generated after the theft is sure to be out of the attacker's reach, so in ping-pong healing against a quantum attacker takes about 70 to 105 message pairs (here ${healed ? `${healed.round} round trips` : `more than ${MAX_ROUNDS} round trips`}), not one. In exchange no message carries more than ${ratchetOverheadBytes(true)} bytes of overhead (${ratchetOverheadBytes(false)} without a chunk), instead of bursts of about 2.3 KB whenever a whole ML-KEM key or ciphertext had to travel in one message.`,
    ],
  };
}

// ---- (f) the server serves an old or altered bundle ----

const DAY = 86400;

/** Alice's app (a copy of her store) tries a bundle; returns the error code, or "accepted" (and the message). */
async function aliceTries(demo, copy, bundle, text, options) {
  try {
    const r = await copy.store.initiate(bundle, utf8(text), options);
    return { code: "accepted", ...r };
  } catch (e) {
    demo.log("Alice", `Refused the bundle: ${explainError(e)}`, { tone: "error" });
    return { code: e.code };
  }
}

export const oldBundle = (demo) => withCopies(demo, (aliceCopy, bobCopy) => oldBundleOn(demo, aliceCopy, bobCopy));

async function oldBundleOn(demo, aliceCopy, bobCopy) {
  const steps = [];
  const maxDays = constants().defaultMaxPrekeyAge / DAY;
  // The bundle of Alice's first handshake: leaf 0 of Bob's upload, composed once more.
  const old = demo.server.composeAgain("Bob", 0);
  demo.log("Server", "Composed leaf 0 of Bob's upload again (the bundle Alice already used) to serve it once more", {
    bytes: old.length,
    tone: "attack",
  });

  // 1. Today its signatures still verify; Bob refuses the handshake (the leaf is used).
  const today = await aliceTries(demo, aliceCopy, old, "Hi Bob, is this you again?");
  if (today.code === "accepted") {
    let code = "accepted";
    try {
      const initiatorIdentity = demo.initiatorIdentityFor(today.message);
      await bobCopy.store.receive(today.message, { initiatorIdentity });
    } catch (e) {
      code = e.code;
      demo.log("Bob", `Refused the handshake from the replayed bundle: ${explainError(e)}`, { tone: "error" });
    }
    steps.push(
      code === "PREKEY_ALREADY_USED"
        ? step("blocked", `Replayed today: Alice's app accepts the bundle (its signatures are Bob's and it is fresh), but Bob's app refuses the handshake with ${code}: that leaf's one-time prekeys were used by Alice's first handshake.`)
        : step("breach", `Unexpected: Bob's app answered ${code} to a handshake from a used leaf.`),
    );
  } else {
    steps.push(step("info", `Replayed today: Alice's app refused it with ${today.code}.`));
  }

  // 2. The same bundle on a clock 31 days ahead: too old.
  const later = await aliceTries(demo, aliceCopy, old, "Hi Bob, a month later", { now: nowSeconds() + (maxDays + 1) * DAY });
  steps.push(
    later.code === "STALE_PREKEY"
      ? step("blocked", `With the clock ${maxDays + 1} days ahead, Alice's app refused the same bundle with STALE_PREKEY: Bob signed his prekeys' creation time, and they are older than ${maxDays} days.`)
      : step("breach", `Unexpected: with the clock ${maxDays + 1} days ahead, the bundle gave ${later.code}.`),
  );

  // 3. One byte of the leaf's Merkle proof changed (the bundle's last byte).
  const altered = old.slice();
  altered[altered.length - 1] ^= 0x01;
  demo.log("Server", `Flipped one bit of the last byte of the bundle (byte ${altered.length - 1}, inside the leaf's Merkle proof)`, {
    bytes: altered.length,
    tone: "attack",
  });
  const proof = await aliceTries(demo, aliceCopy, altered, "Hi Bob");
  steps.push(
    proof.code === "BAD_SIGNATURE"
      ? step("blocked", "One bit of the leaf's Merkle proof changed: Alice's app refused the bundle with BAD_SIGNATURE.")
      : step("breach", `Unexpected: the altered bundle gave ${proof.code}.`),
  );
  return {
    title: "Old or altered bundle",
    steps,
    explain: [
      `The server keeps Bob's upload and may compose any of its bundles again, or keep an old one. Bob's signature covers the creation time of his signed prekeys, so an old bundle cannot pass for a new one, and Alice's app refuses a bundle whose signed prekeys are older than ${maxDays} days (maxPrekeyAge, STALE_PREKEY): a server that withholds Bob's newer uploads, or whoever stole old prekey secrets, gets a month at most. Bob's app rotates its signed prekeys and uploads again well within that time.`,
      "A fresh replay verifies, since every byte is Bob's, but its one-time prekeys can be used once only: Bob's app refuses the second handshake with PREKEY_ALREADY_USED.",
      "Bob signs each batch of one-time prekeys once, over the root of a Merkle tree of its leaves; each bundle carries one leaf and the hashes that lead from it to that root. A changed leaf, index or hash leads to another root, and the signature no longer verifies: BAD_SIGNATURE. The server chooses which of Bob's leaves to hand out, never what they contain.",
    ],
  };
}

// ---- (g) the directory gives Bob the wrong identity, or none ----

/**
 * Bob's app (a copy of his store) receives an initial message with what the directory
 * answered; returns the code, and whether his prekey store is unchanged.
 */
async function bobTries(demo, copy, message, answer, what) {
  const before = JSON.stringify(await copy.store.prekeyInfo());
  let code = "accepted";
  try {
    const initiatorIdentity = demo.initiatorIdentityFor(message, { answer });
    await copy.store.receive(message, { initiatorIdentity });
  } catch (e) {
    code = e.code;
    demo.log("Bob", `Refused the initial message (${what}): ${explainError(e)}`, { bytes: message.length, tone: "error" });
  }
  return { code, unchanged: before === JSON.stringify(await copy.store.prekeyInfo()) };
}

export const wrongIdentity = (demo) => withCopies(demo, (aliceCopy, bobCopy) => wrongIdentityOn(demo, aliceCopy, bobCopy));

async function wrongIdentityOn(demo, aliceCopy, bobCopy) {
  const steps = [];
  // A new handshake of Alice's, compact (the form that needs the directory), from the next leaf.
  const bundle = demo.takeBundle("Alice");
  const text = "Hi Bob, it's Alice on my laptop.";
  const whole = await aliceCopy.store.initiate(bundle.bytes, utf8(text), { selfContained: true });
  const compact = await aliceCopy.store.initiate(bundle.bytes, utf8(text));
  const fp = describeMessage(compact.message).handshake.initiatorFingerprint;
  demo.log("Alice", `Started a second handshake from bundle #${bundle.id}: a compact initial message naming her fingerprint ${shortFingerprint(fp)} (the self-contained form would be ${fmtBytes(whole.message.length)})`, {
    bytes: compact.message.length,
  });
  steps.push(
    step("info", `Alice's app sent a new compact initial message (${fmtBytes(compact.message.length)}; self-contained it would be ${fmtBytes(whole.message.length)}). It names her by fingerprint ${shortFingerprint(fp)}, so Bob's app asks the directory for her identity.`),
  );

  // 1. The directory answers with another identity: the attacker's.
  const mallory = Identity.generate();
  const other = mallory.publicKey;
  mallory.dispose();
  demo.log("Server", `Answered Bob's directory lookup of ${shortFingerprint(fp)} with another identity (the attacker's)`, { bytes: other.length, tone: "attack" });
  const wrong = await bobTries(demo, bobCopy, compact.message, () => other, "the directory's answer is another identity");
  steps.push(
    wrong.code === "INITIATOR_MISMATCH"
      ? step("blocked", `The directory answered with another identity: Bob's app refused the message with INITIATOR_MISMATCH before any key agreement, and his prekey store is ${wrong.unchanged ? "unchanged" : "changed (unexpected)"}.`)
      : step("breach", `Unexpected: with another identity, Bob's app answered ${wrong.code}.`),
  );

  // 2. The directory has no entry for the fingerprint.
  demo.log("Server", `Answered Bob's directory lookup of ${shortFingerprint(fp)} with nothing (no entry)`, { tone: "attack" });
  const none = await bobTries(demo, bobCopy, compact.message, () => undefined, "no directory entry");
  steps.push(
    none.code === "IDENTITY_REQUIRED"
      ? step("blocked", `No directory entry: Bob's app refused the message with IDENTITY_REQUIRED (it never accepts a fingerprint nobody tied to an identity), and his prekey store is ${none.unchanged ? "unchanged" : "changed (unexpected)"}.`)
      : step("breach", `Unexpected: without an identity, Bob's app answered ${none.code}.`),
  );

  // 3. The honest answer: the same message is accepted (nothing was used up by the refusals).
  const honest = await bobTries(demo, bobCopy, compact.message, undefined, "the directory's own answer");
  if (honest.code === "accepted") demo.log("Bob", "Accepted the same initial message with Alice's identity from the directory (in the copy of his store: the real conversation goes on)", { bytes: compact.message.length });
  steps.push(
    honest.code === "accepted"
      ? step("info", "With the directory's honest answer, Bob's app accepts the very same message: the refusals used up nothing.")
      : step("breach", `Unexpected: with Alice's own identity, Bob's app answered ${honest.code}.`),
  );
  return {
    title: "Wrong or missing identity",
    steps,
    explain: [
      `A compact initial message names Alice by her X25519 identity key and the fingerprint of her identity (a SHA-256 hash over her X25519 and ML-DSA-65 public keys) instead of carrying her ${fmtBytes(constants().identityLength)} identity. Bob's app fetches the identity from the directory, and the library checks that it has exactly that key and that fingerprint: another identity is INITIATOR_MISMATCH. Without an identity it refuses the message (IDENTITY_REQUIRED) rather than create a session with a fingerprint nobody tied to a key. Both are decided from public bytes, before the message is authenticated, so they prove nothing about the sender and change nothing: Bob's app retries once the directory answers.`,
      "Her identity's binding signature is verified only after the message authenticated, so a forged message costs Bob no signature verification.",
      "A directory that lies consistently (it hands Alice a bundle of the attacker's, and the attacker writes to Bob under its own identity) is attack (a): the handshakes succeed, with the attacker, and the safety numbers expose it. The self-contained form (Alice's switch before her first message) carries her identity in every message until Bob replies, for apps without a directory.",
    ],
  };
}

export const ATTACKS = {
  a: bundleSwap,
  b: tamperMessage,
  c: replayMessage,
  d: reorderMessages,
  e: stealState,
  f: oldBundle,
  g: wrongIdentity,
};
