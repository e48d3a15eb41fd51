// The demo's model: Alice, Bob and the server, driven through twofold-pq exactly as an app
// would drive it. Alice's and Bob's state lives in a twofold-pq store each (TwofoldStore of
// `twofold-pq/store`, in IndexedDB): every state-changing call goes through it and is
// committed before it returns. The model keeps only snapshots of what the page shows (session
// info, safety codes, prekey info), refreshed after each call. Every protocol operation is
// timed with performance.now() and logged to the timeline. The view (view.js) renders this
// state; attacks live in attacks.js.
//
// Tabs: every user action runs under one Web Lock for the whole demo (see main.js). It first
// catches up with what another tab saved (sync), then acts, then saves the page's record and
// tells the other tabs, which catch up in turn. The stores serialize their own operations
// across tabs by themselves; the demo's lock keeps its own record (chats, server, timeline)
// consistent with them.

import { TwofoldError } from "twofold-pq";
import { MemoryBackend, TwofoldStore } from "twofold-pq/store";
import { fmtBytes, fmtMs, fromUtf8, hexPreview, timed, timedAsync, utf8 } from "./format.js";
import { chunkName, describeMessage, leafName, pqChunkBytes, Server } from "./server.js";
import {
  DB,
  LEGACY_DB,
  RECORD_VERSION,
  decryptJson,
  demoKeys,
  encryptJson,
  forgetDemoSecret,
  isEmpty,
  loadRecord,
  openBackend,
  saveRecord,
  secretTag,
  storedBytes,
  wipeBackend,
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
  NO_SESSION: "there is no session this message belongs to",
  STORAGE_FAILED: "the browser's storage (IndexedDB) failed: nothing was committed, so the operation can be retried",
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
  // store: the party's TwofoldStore (null until created); the rest are snapshots of it.
  return { name, backend: null, store: null, publicKey: null, peer: null, info: null, safety: null, prekeys: null, chat: [] };
}

/** Whether a database the page no longer reads is left from an earlier version. */
async function legacyDatabase() {
  const list = (await indexedDB.databases?.()) ?? [];
  return list.some((d) => d.name === LEGACY_DB);
}

export class Demo {
  /** A demo with the keys derived from the saved demo secret (see storage.js). */
  static async create(onChange) {
    const [keys, alice, bob, page] = await Promise.all([demoKeys(), openBackend(DB.Alice), openBackend(DB.Bob), openBackend(DB.page)]);
    return new Demo(onChange, keys, { alice, bob, page });
  }

  /** `keys`: { appKey, transcriptKey }, each used for its purpose only; `backends`: IndexedDB. */
  constructor(onChange, keys, backends) {
    this.onChange = onChange;
    this.keys = keys;
    /** The demo secret these keys come from: another tab's reset replaces it. */
    this.secret = secretTag();
    this.backends = backends;
    this.saveState = { pending: 0, error: null, bytes: 0 };
    /** The sequence number of the page's record this tab shows (-1: none read yet). */
    this.seq = -1;
    /** What the last catch-up with another tab brought, for the page. */
    this.tabSync = null;
    this.reset();
  }

  /** Fresh in-memory state (does not touch storage). */
  reset() {
    for (const p of [this.alice, this.bob]) void p?.store?.close();
    this.hold = false;
    this.selfContained = false;
    this.alice = newParty("Alice");
    this.bob = newParty("Bob");
    this.alice.backend = this.backends.alice;
    this.bob.backend = this.backends.bob;
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
    return Boolean(this.alice.info && this.bob.info);
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

  // ---- the stores ----

  /** Opens `party`'s store (creating its identity and prekey store on first use). */
  async openStore(party) {
    party.store = await TwofoldStore.open(party.backend, { appKey: this.keys.appKey, name: DB[party.name] });
    party.publicKey = party.store.publicKey;
    return party.store;
  }

  /**
   * The snapshots of `party`'s session (its one peer: the other party). The safety codes are
   * read again with `safety` (a new session, or another tab's changes), else only for a new peer.
   */
  async refreshSession(party, { safety = false } = {}) {
    if (!party.store) return;
    party.peer = (await party.store.peers())[0] ?? null;
    party.info = party.peer ? await party.store.info(party.peer) : null;
    if (!party.peer) party.safety = null;
    else if (safety || party.safety?.peer !== party.peer) {
      const s = party.store;
      const [number, qr, sas] = await Promise.all([s.safetyNumber(party.peer), s.safetyQr(party.peer), s.sas(party.peer)]);
      party.safety = { peer: party.peer, number, qr, sas };
    }
    if (party === this.bob) party.prekeys = await party.store.prekeyInfo();
  }

  /** Opens the stores another tab (or an earlier load) created, and refreshes the snapshots. */
  async refresh() {
    for (const party of [this.alice, this.bob]) {
      if (!party.store && !(await isEmpty(party.backend))) await this.openStore(party);
      await this.refreshSession(party, { safety: true });
    }
  }

  /**
   * A copy of `party`'s whole storage in memory, opened as a store of its own with the same
   * app key: what an attacker gets who copies the device's storage and its key, and what the
   * attacks run on when they must not touch the real conversation.
   */
  async copyOf(party) {
    const copy = new MemoryBackend();
    const keys = await party.backend.keys("");
    await copy.commit(await Promise.all(keys.map(async (k) => [k, await party.backend.get(k)])));
    const store = await TwofoldStore.open(copy, { appKey: this.keys.appKey, locks: null, broadcast: false });
    return { store, bytes: await storedBytes(copy), peer: party.peer };
  }

  // ---- the directory ----

  /** `party`'s app publishes its public identity; the server files it under its fingerprint. */
  register(party) {
    const bytes = party.publicKey;
    const [fingerprint, ms] = timed(() => this.server.register(party.name, bytes));
    this.log("Server", `Filed ${party.name}'s public identity in its directory under its fingerprint ${shortFingerprint(fingerprint)} (fingerprintOf, after checking its binding signature)`, {
      bytes: bytes.length,
      ms,
    });
  }

  /**
   * What Bob's app passes to `receive` for an initial message: for the compact form, the
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

  async publishPrekeys() {
    const bob = this.bob;
    if (!bob.store) {
      const [, ms] = await timedAsync(() => this.openStore(bob));
      this.log(
        "Bob",
        "Created his store: a long-term identity (X25519 and ML-DSA-65 key pairs, bound by a signature; public part shown) and a prekey store (a signed X25519 prekey and a last-resort ML-KEM-768 prekey), sealed and committed to IndexedDB",
        { bytes: bob.publicKey.length, ms },
      );
      this.register(bob);
    }
    const upload = await this.uploadPrekeys();
    await this.refreshSession(bob);
    this.say(
      `Bob uploaded ${fmtBytes(upload.bytes.length)} of prekeys (${upload.leafCount} one-time leaves under one signature); the server verified and stored it. Next: Alice fetches a bundle and sends her first message.`,
    );
  }

  /** Bob's app makes an upload; the server verifies it and keeps it in place of the last one. */
  async uploadPrekeys() {
    const [bytes, ms] = await timedAsync(() => this.bob.store.upload({ oneTime: UPLOAD_LEAVES }));
    this.log(
      "Bob's app",
      `Made an upload (returned once his store holding its secrets was committed): his identity, the signed prekeys and ${UPLOAD_LEAVES} one-time leaves (an X25519 and an ML-KEM-768 prekey each), under one ML-DSA-65 signature over their Merkle root`,
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

  async ensureIdentity(party) {
    if (party.store) return;
    const [, ms] = await timedAsync(() => this.openStore(party));
    this.log(party.name, "Created her store: a long-term identity (X25519 and ML-DSA-65 key pairs; public part shown), sealed and committed to IndexedDB", {
      bytes: party.publicKey.length,
      ms,
    });
    this.register(party);
  }

  async startSession(text) {
    const alice = this.alice;
    if (alice.peer) return this.send("Alice", text);
    if (!this.server.uploads.Bob) {
      this.say("The server has no upload of Bob's yet: Bob must publish his prekeys first (step 1).", "error");
      return undefined;
    }
    await this.ensureIdentity(alice);
    const bundle = this.takeBundle("Alice");
    let result;
    let ms;
    const selfContained = this.selfContained;
    try {
      [result, ms] = await timedAsync(() => alice.store.initiate(bundle.bytes, utf8(text), { selfContained }));
    } catch (e) {
      this.log("Alice", `Rejected the bundle: ${explainError(e)}`, { tone: "error" });
      this.say(`Alice rejected the bundle: ${explainError(e)}`, "error");
      return undefined;
    }
    await this.refreshSession(alice, { safety: true });
    const form = selfContained
      ? "a self-contained initial message carrying her whole public identity"
      : "a compact initial message naming her by her X25519 identity key and fingerprint";
    this.log(
      "Alice",
      `Verified the bundle's signatures, ran the hybrid handshake (X25519 with 4 DH + one ML-KEM-768 encapsulation) and encrypted her first message: ${form}, the handshake and chunk 0 of her PQ epoch 1 key (generated with the session), returned once the session was committed`,
      { bytes: result.message.length, ms, tone: "pq" },
    );
    const item = this.server.enqueue("Alice", "Bob", result.message);
    const tag = `initial message (${selfContained ? "self-contained" : "compact"})`;
    this.chat(alice, { kind: "sent", text, bytes: result.message.length, msgId: item.id, tags: [tag, ...pqTags(item)] });
    this.say(
      `Alice sent her first message through the server: ${form} (${fmtBytes(result.message.length)}). Bob accepts it when it is delivered.`,
    );
    if (!this.hold) await this.deliver(item.id);
    return item;
  }

  // ---- messages ----

  /**
   * Encrypts `text` from `name` (returned by the store once committed) and queues it at the
   * server; delivers unless held. `quiet` (long automated runs): no chat entry, and only PQ
   * events and errors in the timeline.
   */
  async send(name, text, { deliver = !this.hold, attack, quiet = false } = {}) {
    const party = this.party(name);
    if (!party.peer) {
      this.say(`${name} has no session yet.`, "error");
      return undefined;
    }
    const peer = this.peerOf(name).name;
    const before = party.info;
    const [bytes, ms] = await timedAsync(() => party.store.encrypt(party.peer, utf8(text)));
    party.info = await party.store.info(party.peer);
    const after = party.info;
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
    if (deliver) await this.deliver(item.id, { quiet });
    return item;
  }

  /**
   * The server delivers queued message `id` to its recipient, whose store receives it (an
   * initial message of a new peer is accepted, anything else decrypted by its session).
   * Returns { ok, text } or { ok: false, error }.
   */
  async deliver(id, { attack, quiet = false } = {}) {
    const item = this.server.take(id);
    if (!item) return undefined;
    const to = this.party(item.to);
    const from = item.from;
    let outcome;
    try {
      if (!to.store) throw new TwofoldError("NO_SESSION", `${item.to} has no session to decrypt this message`);
      // Only a new peer's compact initial message needs the directory.
      const initiatorIdentity = item.kind === "initial" && !to.peer ? this.initiatorIdentityFor(item.bytes) : undefined;
      const before = to.info;
      const [r, ms] = await timedAsync(() => to.store.receive(item.bytes, { initiatorIdentity, ...(to.peer ? { from: to.peer } : {}) }));
      await this.refreshSession(to, { safety: r.isNew });
      const after = to.info;
      const text = fromUtf8(r.plaintext);
      if (r.isNew) {
        const selfContained = item.handshake?.selfContained;
        const whose = selfContained ? "the identity the message carries" : "Alice's identity from the directory against the key and fingerprint the message names";
        this.log(
          to.name,
          `Accepted initial message #${item.id}: checked ${whose}, completed the handshake with his prekeys (one-time prekeys now used up), decrypted it, then verified her identity's binding signature; his store committed the new session and prekey store together`,
          { bytes: item.bytes.length, ms },
        );
        this.chat(to, { kind: "note", text: "Session established with Alice. Compare safety numbers to be sure it is her." });
        const tag = `initial message (${selfContained ? "self-contained" : "compact"})`;
        this.chat(to, { kind: "received", text, bytes: item.bytes.length, msgId: item.id, tags: [tag, ...pqTags(item)], attack });
        this.say("Bob accepted Alice's first message: the session is established. Chat away, then verify.", "ok");
      } else {
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
        if (item.kind === "initial") tags.push("initial message (no reply yet)");
        if (after.skippedKeys < before.skippedKeys) tags.push("arrived late: skipped key");
        tags.push(...pqTags(item));
        if (!quiet) this.chat(to, { kind: "received", text, bytes: item.bytes.length, msgId: item.id, tags, attack });
      }
      outcome = { ok: true, text };
    } catch (e) {
      const why = explainError(e);
      this.log(to.name, `Rejected message #${item.id}: ${why}`, { bytes: item.bytes.length, tone: "error" });
      const meaning = ERROR_MEANING[e.code] ?? e.message;
      this.chat(to, {
        kind: "rejected",
        code: e.code ?? "ERROR",
        text: `Message #${item.id} rejected: ${meaning}. ${to.peer ? "Session unchanged." : "No session was created."}`,
        msgId: item.id,
        attack,
      });
      this.say(`${to.name} rejected message #${item.id}: ${why}. ${to.peer ? "The session is unchanged." : "No session was created."}`, "error");
      outcome = { ok: false, error: e, code: e.code };
    }
    this.server.recordDelivery(item, outcome.ok ? "delivered" : `rejected: ${outcome.code}`);
    return outcome;
  }

  /** Delivers everything the server holds, oldest first. Returns how many. */
  async flushQueue() {
    const ids = this.server.queue.map((m) => m.id);
    for (const id of ids) await this.deliver(id);
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

  async replay(id) {
    const item = this.server.delivered.find((m) => m.id === id);
    if (!item) return undefined;
    const copy = this.server.enqueue(item.from, item.to, item.bytes.slice(), { replayOf: item.replayOf ?? item.id });
    this.log("Server", `Queued a copy of message #${item.id} again (replay) as #${copy.id}`, { bytes: copy.bytes.length, tone: "attack" });
    if (!this.hold) return this.deliver(copy.id);
    this.say(`The server queued a replay of message #${item.id}.`, "warn");
    return undefined;
  }

  // ---- verification ----

  async compare() {
    const { alice: a, bob: b } = this;
    if (!a.peer || !b.peer) return;
    const [result, ms] = await timedAsync(async () => {
      const numbers = (await a.store.safetyNumber(a.peer)) === (await b.store.safetyNumber(b.peer));
      const qrBobScansAlice = await b.store.matchesSafetyQr(b.peer, await a.store.safetyQr(a.peer));
      const qrAliceScansBob = await a.store.matchesSafetyQr(a.peer, await b.store.safetyQr(b.peer));
      const sa = await a.store.sas(a.peer);
      const sb = await b.store.sas(b.peer);
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
  async scanQr(name, { bytes, error, file, decodeMs }) {
    const party = this.party(name);
    const other = this.peerOf(name).name;
    if (!party.peer) {
      this.say(`${name} has no session yet: there is no code to compare with.`, "error");
      return;
    }
    if (!bytes) {
      this.scan = { scanner: name, of: other, file, found: false, reason: String(error?.message ?? error) };
      this.log(name, `Found no QR code in the image ${file} (${fmtMs(decodeMs)} spent looking)`, { tone: "error" });
      this.say(`${name}'s app found no QR code in ${file}. Try a sharper or closer picture of ${other}'s code.`, "error");
      return;
    }
    const [match, ms] = await timedAsync(() => party.store.matchesSafetyQr(party.peer, bytes));
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

  // ---- the page's record, and other tabs ----

  /** The page's own state (everything but the stores), as saved. */
  pageState() {
    return {
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
      status: this.status,
    };
  }

  applyPageState(ui) {
    this.hold = ui.hold;
    this.selfContained = ui.selfContained;
    this.alice.chat = ui.aliceChat;
    this.bob.chat = ui.bobChat;
    this.server = Server.fromJSON(ui.server);
    this.verification = ui.verification;
    this.scan = ui.scan ?? null;
    this.attacks = ui.attacks ?? {};
    this.timeline = ui.timeline;
    this.nextStep = ui.nextStep;
  }

  /**
   * Saves the page's record (after the stores committed what the action changed: a crash
   * between the two loses a chat line or a timeline entry, never a key or a message's state).
   * Returns the new sequence number.
   */
  async save() {
    this.saveState.pending++;
    this.changed();
    try {
      const transcript = await encryptJson(this.keys.transcriptKey, this.pageState());
      const seq = this.seq + 1;
      await saveRecord(this.backends.page, { version: RECORD_VERSION, seq, savedAt: Date.now(), transcript });
      this.seq = seq;
      this.saveState.error = null;
      this.saveState.bytes = (await storedBytes(this.backends.alice)) + (await storedBytes(this.backends.bob));
      this.saveState.transcriptBytes = transcript.length;
    } catch (e) {
      this.saveState.error = String(e?.message ?? e);
    } finally {
      this.saveState.pending--;
    }
    return this.seq;
  }

  /**
   * Catches up with the saved state if another tab changed it since this tab last read or
   * wrote it. Returns whether anything changed. Runs under the demo's lock.
   */
  async sync() {
    const record = await loadRecord(this.backends.page);
    if (!record || record.version !== RECORD_VERSION || record.seq === this.seq) return false;
    const ui = await decryptJson(this.keys.transcriptKey, record.transcript);
    this.applyPageState(ui);
    this.seq = record.seq;
    await this.refresh();
    this.tabSync = { at: Date.now(), seq: record.seq, status: ui.status };
    this.status = ui.status ?? this.status;
    return true;
  }

  /** Wipes every store and the page's record. */
  async wipeStorage() {
    await Promise.all([this.alice.store?.close(), this.bob.store?.close()]);
    this.alice.store = null;
    this.bob.store = null;
    for (const b of Object.values(this.backends)) await wipeBackend(b);
  }

  /** Restores a saved demo. Returns false if there is none (or it cannot be opened). */
  async restore() {
    if (await legacyDatabase()) {
      // Earlier pages kept sealed objects of their own (of wire version 1, or under one key
      // for everything) in a database this page no longer reads: it goes.
      await new Promise((resolve) => {
        const req = indexedDB.deleteDatabase(LEGACY_DB);
        req.onsuccess = req.onerror = req.onblocked = () => resolve();
      });
      await this.wipeStorage();
      this.say("A demo saved by an earlier version of this page was found. It was sealed with keys or prekeys this version no longer uses, so it cannot be opened: starting fresh.", "warn");
      return false;
    }
    const record = await loadRecord(this.backends.page);
    if (!record) {
      // Stores without a record (the page closed before its first save): they are kept.
      await this.refresh();
      return false;
    }
    if (record.version !== RECORD_VERSION) {
      await this.wipeStorage();
      this.say("A demo saved by an earlier version of this page was found. It was sealed with keys or prekeys this version no longer uses, so it cannot be opened: starting fresh.", "warn");
      return false;
    }
    // Entries logged during this page load (before the restore) follow the saved ones.
    const thisLoad = this.timeline;
    let ms;
    try {
      [, ms] = await timedAsync(async () => {
        const ui = await decryptJson(this.keys.transcriptKey, record.transcript);
        this.applyPageState(ui);
        await this.refresh();
      });
    } catch (e) {
      // Only keys that do not open the saved state (a new demo secret) set it aside; any
      // other failure (storage) leaves it for the next load.
      const wrongKeys = e?.name === "OperationError" || e?.code === "AUTH_FAILED";
      this.reset();
      if (!wrongKeys) throw e;
      await this.wipeStorage();
      this.say(`A saved demo was found but the keys derived from the demo secret do not open it (${explainError(e)}; was localStorage cleared?). Starting fresh.`, "warn");
      return false;
    }
    this.seq = record.seq;
    for (const t of thisLoad) this.log(t.actor, t.text, t);
    const bytes = (await storedBytes(this.backends.alice)) + (await storedBytes(this.backends.bob));
    this.saveState.bytes = bytes;
    this.saveState.transcriptBytes = record.transcript.length;
    const opened = [this.alice, this.bob].filter((p) => p.store).map((p) => p.name);
    this.log("Demo", `Page loaded: opened the stores of ${opened.join(" and ") || "nobody"} from IndexedDB with the app key, and the page's record`, {
      bytes,
      ms,
    });
    this.say(
      `Restored from IndexedDB: the stores of ${opened.join(" and ") || "nobody"} (${fmtBytes(bytes)} sealed) and the conversation (${this.alice.chat.length + this.bob.chat.length} chat entries). Carry on where you left off.`,
      "ok",
    );
    return true;
  }

  /** Wipes the saved demo, the demo secret (so its keys too) and the in-memory state. */
  async wipe() {
    await this.wipeStorage();
    forgetDemoSecret();
    this.keys = await demoKeys();
    this.secret = secretTag();
    this.reset();
    this.seq = -1;
    this.saveState = { pending: 0, error: null, bytes: 0 };
  }
}
