// The demo's model: Alice, Bob and the server, driven through twofold-pq exactly as an app
// would drive it. Every protocol operation is timed with performance.now() and logged to the
// timeline. The view (view.js) renders this state; attacks live in attacks.js.

import { Identity, PrekeyStore, Session, TwofoldError } from "twofold-pq";
import { fmtBytes, fmtMs, fromUtf8, hexPreview, timed, utf8 } from "./format.js";
import { chunkName, describeMessage, leafName, pqChunkBytes, Server } from "./server.js";
import {
  RECORD_VERSION,
  clearRecord,
  decryptJson,
  demoKeys,
  encryptJson,
  forgetDemoSecret,
  loadRecord,
  saveRecord,
} from "./storage.js";

/** One-time leaves of Bob's upload (each an X25519 and an ML-KEM-768 one-time prekey). */
const UPLOAD_LEAVES = 10;
const KEEP_TIMELINE = 160;
const KEEP_CHAT = 120;

/** What an error code means, in one sentence for the chat and the status line. */
export const ERROR_MEANING = {
  AUTH_FAILED: "the message does not authenticate (modified, forged, or not for this session)",
  DUPLICATE_MESSAGE: "this message was already received (a replay)",
  CONFLICTING_MESSAGE: "a different message at a position already used: the sender restored an older state or runs a forked copy",
  UNKNOWN_EPOCH: "the message carries a post-quantum chunk of an epoch the sender cannot have reached (forged, forked or corrupted)",
  BAD_SIGNATURE: "a signature in the bundle does not verify (or its leaf's Merkle proof does not lead to the signed root)",
  STALE_PREKEY: "the bundle's signed prekeys are older than the maximum age: fetch a new bundle (Bob must rotate and upload)",
  WRONG_SESSION: "the message belongs to another session",
  REPLAYED_HANDSHAKE: "this initial message was already accepted (a replayed handshake)",
  PREKEY_ALREADY_USED: "the one-time prekey of this handshake was already used",
  UNKNOWN_PREKEY: "the message names a prekey Bob does not have",
  TOO_FAR_AHEAD: "the message is too far ahead of the chain",
  IDENTITY_REQUIRED: "the initial message names its sender by fingerprint only, and Bob's app had no identity for it (the directory has no entry): look it up and retry",
  INITIATOR_MISMATCH: "the identity the directory answered with does not have the X25519 key and fingerprint the initial message names",
};

/** "ab12cd34…": the first bytes of a hex fingerprint, for the timeline and the panes. */
export const shortFingerprint = (hex) => `${hex.slice(0, 8)}…`;

export const explainError = (e) =>
  e instanceof TwofoldError ? `${e.code}: ${ERROR_MEANING[e.code] ?? e.message}` : String(e?.message ?? e);

/** The chat tags of what a message carries for the PQ ratchet (anyone on the wire sees them). */
function pqTags(item) {
  const tags = [];
  if (item.pqChunk) tags.push(`${chunkName(item.pqChunk)} +${fmtBytes(pqChunkBytes())}`);
  if (item.pqMix) tags.push("chain mixes a PQ epoch");
  return tags;
}

/**
 * What one `encrypt` did for the PQ ratchet, from the chunk the message carries and the
 * sender's info before and after. `event`: worth a "pq" line even when routine ones are quiet.
 */
function pqSendNotes(peer, before, after, item) {
  const notes = [];
  const c = item.pqChunk;
  if (c?.index === 0 && c.kind === "key") {
    // Pipelining: the initiator starts a key once the previous one was acknowledged.
    notes.push(`started PQ epoch ${c.epoch}: generated a fresh ML-KEM-768 key and sent its first chunk${c.epoch > 1 ? ` (${peer} has begun answering epoch ${c.epoch - 1})` : ""}`);
  }
  if (c?.index === 0 && c.kind === "ciphertext") {
    notes.push(`sent the first chunk of the ML-KEM-768 ciphertext of PQ epoch ${c.epoch}, encapsulated to ${peer}'s key of that epoch`);
  }
  if (after.pqEpoch > before.pqEpoch) {
    notes.push(`this new chain mixes the secret of PQ epoch ${after.pqEpoch} into the root key (MIX)`);
  }
  return { notes, event: notes.length > 0 };
}

/**
 * What one successful `decrypt` did for the PQ ratchet. A collection that empties without a
 * new fault was decoded (the library empties it on the last chunk, or on a conflict, which
 * it counts as a fault).
 */
function pqReceiveNotes(peer, before, after, item) {
  const notes = [];
  let fault = false;
  const decoded =
    after.pqReceivingEpoch > before.pqReceivingEpoch ||
    (before.pqChunksReceived > 0 && after.pqChunksReceived === 0 && after.pqFaults === before.pqFaults);
  if (item.pqChunk && decoded) {
    const epoch = before.pqReceivingEpoch;
    notes.push(
      after.role === "responder"
        ? `held ${before.pqChunksNeeded} chunks of ${peer}'s PQ epoch ${epoch} key and decoded it: the next message encapsulates to it`
        : `held ${before.pqChunksNeeded} ciphertext chunks of PQ epoch ${epoch}, decapsulated and checked the confirmation: the next new sending chain mixes the secret`,
    );
  }
  if (after.pqFaults > before.pqFaults) {
    fault = true;
    notes.push(`PQ_INCONSISTENT: a PQ object from ${peer} failed its checks (fault counted; the message itself is genuine and was delivered)`);
  }
  return { notes, event: notes.length > 0, fault };
}

function newParty(name) {
  return { name, identity: null, store: null, session: null, chat: [] };
}

export class Demo {
  /** A demo with the keys derived from the saved demo secret (see storage.js). */
  static async create(onChange) {
    return new Demo(onChange, await demoKeys());
  }

  /** `keys`: { appKey, transcriptKey }, each used for its purpose only. */
  constructor(onChange, keys) {
    this.onChange = onChange;
    this.keys = keys;
    this.saveState = { pending: 0, error: null, bytes: 0 };
    this.saveChain = Promise.resolve();
    this.reset();
  }

  /** Fresh in-memory state (does not touch storage). */
  reset() {
    for (const p of [this.alice, this.bob]) {
      p?.session?.dispose();
      p?.store?.dispose();
      p?.identity?.dispose();
    }
    this.hold = false;
    this.selfContained = false;
    this.alice = newParty("Alice");
    this.bob = newParty("Bob");
    this.server = new Server();
    this.timeline = [];
    this.nextStep = 1;
    this.verification = null;
    this.scan = null;
    this.attacks = {};
    this.status = { text: "", tone: "info" };
  }

  party(name) {
    return name === "Alice" ? this.alice : this.bob;
  }

  peerOf(name) {
    return name === "Alice" ? this.bob : this.alice;
  }

  get established() {
    return Boolean(this.alice.session && this.bob.session);
  }

  // ---- bookkeeping ----

  log(actor, text, { bytes, ms, tone = "ok" } = {}) {
    this.timeline.push({ n: this.nextStep++, actor, text, bytes, ms, tone });
    if (this.timeline.length > KEEP_TIMELINE) this.timeline.shift();
  }

  say(text, tone = "info") {
    this.status = { text, tone };
  }

  chat(party, entry) {
    party.chat.push(entry);
    if (party.chat.length > KEEP_CHAT) party.chat.shift();
  }

  /** Logs a PQ epoch that `party`'s session completed with its last operation. */
  logPqEpoch(party, before, after) {
    if (after.pqEpoch <= before.pqEpoch) return;
    const how =
      after.role === "initiator"
        ? `${party.name}'s new sending chain mixed it`
        : `${party.name} opened ${this.peerOf(party.name).name}'s chain that mixes it`;
    this.log(party.name, `PQ epoch ${after.pqEpoch} complete: the root key now depends on a fresh ML-KEM secret (${how})`, { tone: "pq" });
  }

  changed() {
    this.onChange?.();
  }

  // ---- the directory ----

  /** `party`'s app publishes its public identity; the server files it under its fingerprint. */
  register(party) {
    const bytes = party.identity.publicKey;
    const [fingerprint, ms] = timed(() => this.server.register(party.name, bytes));
    this.log("Server", `Filed ${party.name}'s public identity in its directory under its fingerprint ${shortFingerprint(fingerprint)} (fingerprintOf, after checking its binding signature)`, {
      bytes: bytes.length,
      ms,
    });
  }

  /**
   * What Bob's app passes to `accept` for an initial message: for the compact form, the
   * identity the directory holds for the fingerprint the message names (undefined if none); for
   * the self-contained form nothing (the message carries it). `answer` lets an attack replace
   * the directory's answer.
   */
  initiatorIdentityFor(bytes, { answer } = {}) {
    const handshake = describeMessage(bytes).handshake;
    if (!handshake || handshake.selfContained) return undefined;
    const fp = handshake.initiatorFingerprint;
    const [identity, ms] = timed(() => (answer ? answer(fp) : this.server.lookup(fp)));
    const entry = identity && Object.values(this.server.directory).find((e) => e.bytes === identity);
    this.log(
      "Bob's app",
      identity
        ? `Looked up the initiator fingerprint ${shortFingerprint(fp)} the initial message names in the server's directory: ${entry ? `${entry.user}'s identity` : "an identity"}`
        : `Looked up the initiator fingerprint ${shortFingerprint(fp)} the initial message names in the server's directory: no entry`,
      { bytes: identity?.length, ms, tone: identity ? "ok" : "error" },
    );
    return identity;
  }

  // ---- step 1: Bob publishes prekeys ----

  publishPrekeys() {
    const bob = this.bob;
    if (!bob.identity) {
      const [identity, ms] = timed(() => Identity.generate());
      bob.identity = identity;
      this.log("Bob", "Generated his long-term identity: X25519 and ML-DSA-65 key pairs, bound by a signature (public part shown)", {
        bytes: identity.publicKey.length,
        ms,
      });
      this.register(bob);
    }
    if (!bob.store) {
      const [store, ms] = timed(() => PrekeyStore.generate(bob.identity));
      bob.store = store;
      this.log("Bob", "Generated his prekey store: a signed X25519 prekey and a last-resort ML-KEM-768 prekey", { ms });
    }
    const upload = this.uploadPrekeys();
    this.say(
      `Bob uploaded ${fmtBytes(upload.bytes.length)} of prekeys (${upload.leafCount} one-time leaves under one signature); the server verified and stored it. Next: Alice fetches a bundle and sends her first message.`,
    );
  }

  /** Bob's app makes an upload; the server verifies it and keeps it in place of the last one. */
  uploadPrekeys() {
    const [bytes, ms] = timed(() => this.bob.store.upload({ oneTime: UPLOAD_LEAVES }));
    this.log(
      "Bob's app",
      `Made an upload: his identity, the signed prekeys and ${UPLOAD_LEAVES} one-time leaves (an X25519 and an ML-KEM-768 prekey each), under one ML-DSA-65 signature over their Merkle root`,
      { bytes: bytes.length, ms },
    );
    const [held, msVerify] = timed(() => this.server.storeUpload("Bob", bytes));
    this.log("Server", `Verified Bob's upload (identity binding, upload signature) and stored it: batch #${held.batchId}, ${held.leafCount} leaves, next leaf 0`, {
      bytes: bytes.length,
      ms: msVerify,
    });
    return held;
  }

  /**
   * A bundle the server composes from Bob's upload: the next leaf, or none once all are used
   * up. `to` names the recipient; with `log: false` the caller writes the timeline entry.
   */
  takeBundle(to, { log = true } = {}) {
    const [bundle, ms] = timed(() => this.server.takeBundle("Bob", to));
    if (log) {
      this.log("Server", `Composed Bob's bundle #${bundle.id} from his upload (${leafName(bundle)}) and handed it to ${to}`, {
        bytes: bundle.bytes.length,
        ms,
      });
    }
    return bundle;
  }

  // ---- step 2: Alice starts the session ----

  ensureIdentity(party) {
    if (party.identity) return;
    const [identity, ms] = timed(() => Identity.generate());
    party.identity = identity;
    this.log(party.name, "Generated her long-term identity: X25519 and ML-DSA-65 key pairs (public part shown)", {
      bytes: identity.publicKey.length,
      ms,
    });
    this.register(party);
  }

  startSession(text) {
    const alice = this.alice;
    if (alice.session) return this.send("Alice", text);
    if (!this.server.uploads.Bob) {
      this.say("The server has no upload of Bob's yet: Bob must publish his prekeys first (step 1).", "error");
      return undefined;
    }
    this.ensureIdentity(alice);
    const bundle = this.takeBundle("Alice");
    let result;
    let ms;
    const selfContained = this.selfContained;
    try {
      [result, ms] = timed(() => Session.initiate(alice.identity, bundle.bytes, utf8(text), { selfContained }));
    } catch (e) {
      this.log("Alice", `Rejected the bundle: ${explainError(e)}`, { tone: "error" });
      this.say(`Alice rejected the bundle: ${explainError(e)}`, "error");
      return undefined;
    }
    alice.session = result.session;
    const form = selfContained
      ? "a self-contained initial message carrying her whole public identity"
      : "a compact initial message naming her by her X25519 identity key and fingerprint";
    this.log(
      "Alice",
      `Verified the bundle's signatures, ran the hybrid handshake (X25519 with 4 DH + one ML-KEM-768 encapsulation) and encrypted her first message: ${form}, the handshake and chunk 0 of her PQ epoch 1 key (generated with the session)`,
      { bytes: result.message.length, ms, tone: "pq" },
    );
    const item = this.server.enqueue("Alice", "Bob", result.message);
    const tag = `initial message (${selfContained ? "self-contained" : "compact"})`;
    this.chat(alice, { kind: "sent", text, bytes: result.message.length, msgId: item.id, tags: [tag, ...pqTags(item)] });
    this.say(
      `Alice sent her first message through the server: ${form} (${fmtBytes(result.message.length)}). Bob accepts it when it is delivered.`,
    );
    if (!this.hold) this.deliver(item.id);
    return item;
  }

  // ---- messages ----

  /**
   * Encrypts `text` from `name` and queues it at the server; delivers unless held. `quiet`
   * (long automated runs): no chat entry, and only PQ events and errors in the timeline.
   */
  send(name, text, { deliver = !this.hold, attack, quiet = false } = {}) {
    const party = this.party(name);
    if (!party.session) {
      this.say(`${name} has no session yet.`, "error");
      return undefined;
    }
    const peer = this.peerOf(name).name;
    const before = party.session.info();
    const [bytes, ms] = timed(() => party.session.encrypt(utf8(text)));
    const after = party.session.info();
    const item = this.server.enqueue(name, peer, bytes, attack ? { attack } : {});
    const newChain = after.dhEpoch > before.dhEpoch;
    const pq = pqSendNotes(peer, before, after, item);
    const tags = [];
    if (item.kind === "initial") tags.push("initial message (no reply yet)");
    tags.push(...pqTags(item));
    const notes = [];
    if (newChain) notes.push("started a new sending chain with a fresh X25519 ratchet key (DH step)");
    notes.push(...pq.notes);
    this.lastSend = { newChain };
    if (!quiet) this.chat(party, { kind: "sent", text, bytes: bytes.length, msgId: item.id, tags, attack });
    if (!quiet || pq.event) {
      this.log(name, `Encrypted message #${item.id}${notes.length ? `; ${notes.join("; ")}` : ""}`, {
        bytes: bytes.length,
        ms,
        tone: pq.event ? "pq" : "ok",
      });
    }
    this.logPqEpoch(party, before, after);
    if (deliver) this.deliver(item.id, { quiet });
    return item;
  }

  /**
   * The server delivers queued message `id` to its recipient, who accepts (initial message,
   * no session yet) or decrypts it. Returns { ok, text } or { ok: false, error }.
   */
  deliver(id, { attack, quiet = false } = {}) {
    const item = this.server.take(id);
    if (!item) return undefined;
    const to = this.party(item.to);
    const from = item.from;
    let outcome;
    try {
      if (!to.session && item.to === "Bob" && item.kind === "initial") {
        const selfContained = item.handshake?.selfContained;
        const initiatorIdentity = this.initiatorIdentityFor(item.bytes);
        const [r, ms] = timed(() => Session.accept(to.identity, to.store, item.bytes, { initiatorIdentity }));
        to.session = r.session;
        const text = fromUtf8(r.plaintext);
        const whose = selfContained ? "the identity the message carries" : "Alice's identity from the directory against the key and fingerprint the message names";
        this.log(
          "Bob",
          `Accepted initial message #${item.id}: checked ${whose}, completed the handshake with his prekeys (one-time prekeys now used up), decrypted it, then verified her identity's binding signature`,
          { bytes: item.bytes.length, ms },
        );
        this.chat(to, { kind: "note", text: "Session established with Alice. Compare safety numbers to be sure it is her." });
        const tag = `initial message (${selfContained ? "self-contained" : "compact"})`;
        this.chat(to, { kind: "received", text, bytes: item.bytes.length, msgId: item.id, tags: [tag, ...pqTags(item)], attack });
        this.say("Bob accepted Alice's first message: the session is established. Chat away, then verify.", "ok");
        outcome = { ok: true, text };
      } else if (!to.session) {
        throw Object.assign(new Error(`${item.to} has no session to decrypt this message`), { code: "NO_SESSION" });
      } else {
        const before = to.session.info();
        const [plaintext, ms] = timed(() => to.session.decrypt(item.bytes));
        const after = to.session.info();
        const text = fromUtf8(plaintext);
        const pq = pqReceiveNotes(from, before, after, item);
        const notes = [];
        if (after.dhEpoch > before.dhEpoch) notes.push(`new ratchet key from ${from}: DH step`);
        notes.push(...pq.notes);
        if (after.skippedKeys > before.skippedKeys) notes.push(`holding ${after.skippedKeys} skipped key${after.skippedKeys === 1 ? "" : "s"} for messages still missing`);
        if (after.skippedKeys < before.skippedKeys) notes.push(`used a skipped key (${after.skippedKeys} still held)`);
        if (!quiet || pq.event) {
          this.log(to.name, `Decrypted message #${item.id}${item.replayOf ? " (replay)" : ""}${notes.length ? `; ${notes.join("; ")}` : ""}`, {
            bytes: item.bytes.length,
            ms,
            tone: pq.fault ? "error" : pq.event ? "pq" : "ok",
          });
        }
        this.logPqEpoch(to, before, after);
        const tags = [];
        if (after.skippedKeys < before.skippedKeys) tags.push("arrived late: skipped key");
        tags.push(...pqTags(item));
        if (!quiet) this.chat(to, { kind: "received", text, bytes: item.bytes.length, msgId: item.id, tags, attack });
        outcome = { ok: true, text };
      }
    } catch (e) {
      const why = explainError(e);
      this.log(to.name, `Rejected message #${item.id}: ${why}`, { bytes: item.bytes.length, tone: "error" });
      const meaning = ERROR_MEANING[e.code] ?? e.message;
      this.chat(to, {
        kind: "rejected",
        code: e.code ?? "ERROR",
        text: `Message #${item.id} rejected: ${meaning}. ${to.session ? "Session unchanged." : "No session was created."}`,
        msgId: item.id,
        attack,
      });
      this.say(`${to.name} rejected message #${item.id}: ${why}. ${to.session ? "The session is unchanged." : "No session was created."}`, "error");
      outcome = { ok: false, error: e, code: e.code };
    }
    this.server.recordDelivery(item, outcome.ok ? "delivered" : `rejected: ${outcome.code}`);
    return outcome;
  }

  /** Delivers everything the server holds, oldest first. Returns how many. */
  flushQueue() {
    const ids = this.server.queue.map((m) => m.id);
    for (const id of ids) this.deliver(id);
    return ids.length;
  }

  tamper(id) {
    const item = this.server.tamperInPlace(id);
    if (!item) return;
    this.log("Server", `Flipped one bit of byte ${item.tamperedAt} of message #${id}`, { bytes: item.bytes.length, tone: "attack" });
    this.say(`The server tampered with message #${id}. Deliver it to see what happens.`, "warn");
  }

  drop(id) {
    const item = this.server.take(id);
    if (!item) return;
    this.server.recordDelivery(item, "dropped");
    this.log("Server", `Dropped message #${id}`, { bytes: item.bytes.length, tone: "attack" });
    this.say(`The server dropped message #${id}. Later messages still decrypt.`, "warn");
  }

  replay(id) {
    const item = this.server.delivered.find((m) => m.id === id);
    if (!item) return undefined;
    const copy = this.server.enqueue(item.from, item.to, item.bytes.slice(), { replayOf: item.replayOf ?? item.id });
    this.log("Server", `Queued a copy of message #${item.id} again (replay) as #${copy.id}`, { bytes: copy.bytes.length, tone: "attack" });
    if (!this.hold) return this.deliver(copy.id);
    this.say(`The server queued a replay of message #${item.id}.`, "warn");
    return undefined;
  }

  // ---- verification ----

  compare() {
    const a = this.alice.session;
    const b = this.bob.session;
    if (!a || !b) return;
    const [result, ms] = timed(() => {
      const numbers = a.safetyNumber() === b.safetyNumber();
      const qrBobScansAlice = b.matchesSafetyQr(a.safetyQr());
      const qrAliceScansBob = a.matchesSafetyQr(b.safetyQr());
      const sa = a.sas();
      const sb = b.sas();
      const sas =
        sa.emoji.map((e) => e.name).join() === sb.emoji.map((e) => e.name).join() &&
        sa.decimal.join() === sb.decimal.join();
      return { numbers, qrBobScansAlice, qrAliceScansBob, sas };
    });
    const match = result.numbers && result.qrBobScansAlice && result.qrAliceScansBob && result.sas;
    this.verification = { ...result, match };
    this.log("Demo", `Compared safety numbers, QR payloads (matchesSafetyQr both ways) and SAS: ${match ? "they match" : "they differ"}`, {
      ms,
      tone: match ? "ok" : "error",
    });
    this.say(
      match
        ? "Verified: Alice and Bob see the same safety number, QR code and emoji. Nobody is in the middle."
        : "Mismatch: Alice and Bob do not see the same codes. Someone is in the middle.",
      match ? "ok" : "error",
    );
  }

  /**
   * `name`'s app scanned the other's QR code: `bytes` are what the image decoded to (or
   * `error` says why it did not), `file` names the image and `decodeMs` is the decoding time.
   */
  scanQr(name, { bytes, error, file, decodeMs }) {
    const party = this.party(name);
    const other = this.peerOf(name).name;
    if (!party.session) {
      this.say(`${name} has no session yet: there is no code to compare with.`, "error");
      return;
    }
    if (!bytes) {
      this.scan = { scanner: name, of: other, file, found: false, reason: String(error?.message ?? error) };
      this.log(name, `Found no QR code in the image ${file} (${fmtMs(decodeMs)} spent looking)`, { tone: "error" });
      this.say(`${name}'s app found no QR code in ${file}. Try a sharper or closer picture of ${other}'s code.`, "error");
      return;
    }
    const [match, ms] = timed(() => party.session.matchesSafetyQr(bytes));
    this.scan = { scanner: name, of: other, file, found: true, bytes: bytes.length, preview: hexPreview(bytes), match };
    this.log(
      name,
      `Scanned a QR code from ${file}: decoded ${bytes.length} bytes in ${fmtMs(decodeMs)}, then matchesSafetyQr: ${match ? "match" : "no match"}`,
      { bytes: bytes.length, ms, tone: match ? "ok" : "error" },
    );
    this.say(
      match
        ? `Match: the QR code ${name} scanned is ${other}'s code for their session. Nobody is in the middle.`
        : `No match: the QR code ${name} scanned is not ${other}'s code for their session. It belongs to another session, or someone is in the middle.`,
      match ? "ok" : "error",
    );
  }

  // ---- persistence ----

  /** Seals everything now and writes it to IndexedDB in the background (in order). */
  persist() {
    const { appKey, transcriptKey } = this.keys;
    const seal = (obj) => (obj ? obj.seal(appKey) : null);
    const sealed = {
      aliceIdentity: seal(this.alice.identity),
      aliceSession: seal(this.alice.session),
      bobIdentity: seal(this.bob.identity),
      bobStore: seal(this.bob.store),
      bobSession: seal(this.bob.session),
    };
    const ui = {
      hold: this.hold,
      selfContained: this.selfContained,
      aliceChat: this.alice.chat,
      bobChat: this.bob.chat,
      server: this.server.toJSON(),
      timeline: this.timeline,
      nextStep: this.nextStep,
      verification: this.verification,
      scan: this.scan,
      attacks: this.attacks,
    };
    const sealedBytes = Object.values(sealed).reduce((n, b) => n + (b?.length ?? 0), 0);
    this.saveState.pending++;
    this.saveChain = this.saveChain
      .then(async () => {
        const transcript = await encryptJson(transcriptKey, ui);
        await saveRecord({ version: RECORD_VERSION, savedAt: Date.now(), sealed, transcript });
        this.saveState.error = null;
        this.saveState.bytes = sealedBytes;
        this.saveState.transcriptBytes = transcript.length;
      })
      .catch((e) => {
        this.saveState.error = String(e?.message ?? e);
      })
      .finally(() => {
        this.saveState.pending--;
        this.changed();
      });
    return this.saveChain;
  }

  /** Restores a saved demo. Returns false if there is none (or it cannot be opened). */
  async restore() {
    const record = await loadRecord();
    if (!record) return false;
    if (record.version !== RECORD_VERSION) {
      // Earlier pages used one key for everything (version 1), kept bundles and prekey stores
      // of wire version 1 (version 2), or sessions holding the peer's whole identity and no
      // directory (version 3): their records cannot be opened any more.
      this.say("A demo saved by an earlier version of this page was found. It was sealed with keys or prekeys this version no longer uses, so it cannot be opened: starting fresh.", "warn");
      await clearRecord();
      return false;
    }
    const { appKey: k, transcriptKey } = this.keys;
    let ui;
    try {
      ui = await decryptJson(transcriptKey, record.transcript);
    } catch {
      this.say("A saved demo was found but the keys derived from the demo secret do not open it (was localStorage cleared?). Starting fresh.", "warn");
      await clearRecord();
      return false;
    }
    const s = record.sealed;
    let count;
    let ms;
    try {
      [count, ms] = timed(() => {
        let n = 0;
        if (s.aliceIdentity) (this.alice.identity = Identity.open(s.aliceIdentity, k)), n++;
        if (s.aliceSession) (this.alice.session = Session.open(s.aliceSession, k)), n++;
        if (s.bobIdentity) (this.bob.identity = Identity.open(s.bobIdentity, k)), n++;
        if (s.bobStore) (this.bob.store = PrekeyStore.open(s.bobStore, k, this.bob.identity)), n++;
        if (s.bobSession) (this.bob.session = Session.open(s.bobSession, k)), n++;
        return n;
      });
    } catch (e) {
      this.reset();
      this.say(`The saved demo could not be opened (${explainError(e)}). Starting fresh.`, "warn");
      await clearRecord();
      return false;
    }
    // Records saved before the PQ policy was removed also hold a `policyId`: ignored.
    this.hold = ui.hold;
    this.selfContained = ui.selfContained;
    this.alice.chat = ui.aliceChat;
    this.bob.chat = ui.bobChat;
    this.server = Server.fromJSON(ui.server);
    this.verification = ui.verification;
    this.scan = ui.scan ?? null;
    this.attacks = ui.attacks ?? {};
    // Entries logged during this page load (before the restore) follow the saved ones.
    const thisLoad = this.timeline;
    this.timeline = ui.timeline;
    this.nextStep = ui.nextStep;
    for (const t of thisLoad) this.log(t.actor, t.text, t);
    const bytes = Object.values(s).reduce((n, b) => n + (b?.length ?? 0), 0);
    this.saveState.bytes = bytes;
    this.saveState.transcriptBytes = record.transcript.length;
    this.log("Demo", `Page loaded: opened ${count} sealed objects (identities, prekey store, sessions) from IndexedDB with the app key`, {
      bytes,
      ms,
    });
    this.say(
      `Restored from IndexedDB: ${count} sealed objects and the conversation (${this.alice.chat.length + this.bob.chat.length} chat entries). Carry on where you left off.`,
      "ok",
    );
    return true;
  }

  /** Wipes the saved demo, the demo secret (so its keys too) and the in-memory state. */
  async wipe() {
    await this.saveChain;
    await clearRecord();
    forgetDemoSecret();
    this.keys = await demoKeys();
    this.reset();
    this.saveState = { pending: 0, error: null, bytes: 0 };
  }
}
