// Renders the demo model into the static page of index.html. Text is always inserted as text
// (never as HTML), except the QR code SVG, which the qr library builds from the payload bytes
// (numbers only: no text of the page or of a message goes into it).

import { constants } from "twofold-pq";
import { shortFingerprint } from "./demo.js";
import { fmtAge, fmtBytes, fmtInt, fmtMs, hexPreview, nowSeconds } from "./format.js";
import { decodeQrImageFile, qrSvg, qrVersion } from "./qr.js";
import { chunkName, leafName, pqChunkBytes } from "./server.js";

const $ = (id) => document.getElementById(id);

/** Creates an element: el("p", { class: "x", "aria-label": "y" }, "text", child, …). */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") node.textContent = v;
    else if (k === "dataset") Object.assign(node.dataset, v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

function replace(node, ...children) {
  node.replaceChildren(...children.flat(Infinity).filter((c) => c !== undefined && c !== null && c !== false));
}

const lower = (name) => name.toLowerCase();
const possessive = (name) => `${name}'s`;

// ---- status and steps ----

function renderStatus(demo) {
  const status = $("status");
  status.textContent = demo.status.text;
  status.dataset.tone = demo.status.tone;
}

function renderSteps(demo) {
  const { alice, bob, verification } = demo;
  const done = [
    Boolean(demo.server.uploads.Bob),
    Boolean(alice.info),
    Boolean(bob.info),
    bob.chat.some((m) => m.kind === "sent") && alice.chat.some((m) => m.kind === "received"),
    Boolean(verification?.match),
    Object.keys(demo.attacks).length > 0,
  ];
  const current = done.indexOf(false);
  document.querySelectorAll("#steps li").forEach((li, i) => {
    li.dataset.state = done[i] ? "done" : i === current ? "current" : "todo";
    if (i === current) li.setAttribute("aria-current", "step");
    else li.removeAttribute("aria-current");
  });
}

// ---- Alice and Bob ----

function chatEntry(entry) {
  const meta = [];
  if (entry.msgId) meta.push(`#${entry.msgId}`);
  if (entry.bytes) meta.push(fmtBytes(entry.bytes));
  const tags = (entry.tags ?? []).map((t) => el("span", { class: "tag" }, t));
  if (entry.attack) tags.push(el("span", { class: "tag attack" }, `attack (${entry.attack})`));
  if (entry.kind === "note") return el("li", { class: "chat-note" }, entry.text);
  if (entry.kind === "rejected") {
    return el(
      "li",
      { class: "chat-rejected" },
      el("strong", {}, entry.code),
      " ",
      entry.text,
      tags.length ? el("span", { class: "meta" }, tags) : null,
    );
  }
  const label = entry.kind === "sent" ? "Sent" : "Received";
  return el(
    "li",
    { class: `chat-${entry.kind}` },
    el("span", { class: "sr-only" }, `${label}: `),
    el("span", { class: "bubble" }, entry.text),
    el("span", { class: "meta" }, meta.join(" · "), tags.length ? " " : "", tags),
  );
}

function renderChat(party) {
  const list = $(`${lower(party.name)}-chat`);
  const count = String(party.chat.length);
  if (list.dataset.count === count && list.dataset.last === JSON.stringify(party.chat.at(-1) ?? null)) return;
  list.dataset.count = count;
  list.dataset.last = JSON.stringify(party.chat.at(-1) ?? null);
  if (party.chat.length === 0) {
    replace(list, el("li", { class: "chat-empty" }, party.name === "Alice" ? "No messages yet." : "Nothing received yet."));
  } else {
    replace(list, party.chat.map(chatEntry));
  }
  list.scrollTop = list.scrollHeight;
}

const plural = (n, word) => `${fmtInt(n)} ${word}${n === 1 ? "" : "s"}`;

// The roles of the chunked PQ ratchet are fixed: the initiator sends an ML-KEM key per epoch
// and collects the ciphertexts, the responder the other way round.
const sends = (info) => (info.role === "initiator" ? "key" : "ciphertext");
const collects = (info) => (info.role === "initiator" ? "ciphertext" : "key");

/** The PQ object this side sends a chunk of in each message, if any. */
function pqOutgoing(info) {
  if (info.pqSendingEpoch === 0) return "nothing to send";
  return `sending ${sends(info)} of epoch ${info.pqSendingEpoch}: ${plural(info.pqChunksSent, "chunk")} sent`;
}

/** The PQ object this side collects from the peer's messages. */
function pqIncoming(info) {
  return `collecting ${collects(info)} of epoch ${info.pqReceivingEpoch}: ${fmtInt(info.pqChunksReceived)} of ${plural(info.pqChunksNeeded, "chunk")}`;
}

/**
 * What completes the next PQ epoch, as far as this side can tell from its own state: it does
 * not see how many chunks the peer holds. The epochs complete in order, so an object of a
 * later epoch than the next one means the next one's exchange is done on this side.
 */
function nextPqEpoch(info, name, peer) {
  const next = info.pqEpoch + 1;
  if (info.role === "initiator") {
    if (info.pqReceivingEpoch > next) return `epoch ${next}: its ciphertext is verified; ${possessive(name)} next new sending chain mixes it`;
    const left = info.pqChunksNeeded - info.pqChunksReceived;
    const wait = info.pqSendingEpoch === next ? ` (${peer} sends them once ${possessive(name)} key is complete there)` : "";
    return `epoch ${next}: ${plural(left, "more ciphertext chunk")} from ${peer}${wait}, then ${possessive(name)} next new sending chain mixes it`;
  }
  if (info.pqSendingEpoch > 0) {
    return `epoch ${info.pqSendingEpoch}: once ${peer} holds enough of its ciphertext chunks, ${possessive(peer)} next new chain mixes it; it completes here when ${name} opens that chain`;
  }
  if (info.pqReceivingEpoch > next) return `epoch ${next}: ${possessive(peer)} key is complete; ${possessive(name)} next message encapsulates to it`;
  const left = info.pqChunksNeeded - info.pqChunksReceived;
  return `epoch ${next}: ${plural(left, "more key chunk")} from ${peer}, then ${name} encapsulates and sends the ciphertext back`;
}

/** Messages and time since the last PQ epoch (or the handshake), as the session counts them. */
function sincePqEpoch(info) {
  const age = Math.max(0, nowSeconds() - info.lastPqEpochAt);
  return `${fmtInt(info.messagesSentSincePqEpoch)} sent / ${fmtInt(info.messagesReceivedSincePqEpoch)} received, ${fmtAge(age)}`;
}

function renderRatchet(demo, party) {
  const dl = $(`${lower(party.name)}-ratchet`);
  const peer = party.name === "Alice" ? "Bob" : "Alice";
  if (!party.info) {
    replace(dl, el("div", { class: "row muted" }, el("dt", {}, "Session"), el("dd", {}, "not started")));
    return;
  }
  const i = party.info;
  const row = (term, value, hint) =>
    el("div", { class: "row" }, el("dt", {}, term, hint ? el("small", {}, hint) : null), el("dd", {}, value));
  replace(
    dl,
    row("DH epoch", fmtInt(i.dhEpoch), "X25519 ratchet steps"),
    row("PQ epoch", fmtInt(i.pqEpoch), "ML-KEM secrets mixed in"),
    row("PQ sending", pqOutgoing(i), `one ${fmtBytes(pqChunkBytes())} chunk per message`),
    row("PQ receiving", pqIncoming(i), `from ${possessive(peer)} messages`),
    row("Next PQ epoch", nextPqEpoch(i, party.name, peer)),
    row("Since the last PQ epoch", sincePqEpoch(i), i.pqEpoch === 0 ? "or the handshake" : null),
    i.pqFaults
      ? row("PQ faults", fmtInt(i.pqFaults), `PQ_INCONSISTENT: objects from ${peer} that failed their checks (a forked or broken peer)`)
      : null,
    row("Messages sent / received", `${fmtInt(i.sent)} / ${fmtInt(i.received)}`),
    row("Chain index sending / receiving", `${fmtInt(i.sendingIndex)} / ${fmtInt(i.receivingIndex)}`),
    row("Skipped keys held", fmtInt(i.skippedKeys), i.skippedKeys ? `${i.skippedChains} chain(s)` : "for late messages"),
    i.awaitingReply ? row("Awaiting reply", "yes: each message still carries the handshake") : null,
    row(
      "Peer confirmed",
      i.peerConfirmed ? `yes: ${peer} answered ${possessive(party.name)} ratchet key` : "not yet: a replayed first message could look like this",
    ),
  );
}

const qrCache = new WeakMap();

function renderSafety(demo, party) {
  const box = $(`${lower(party.name)}-safety`);
  const s = party.safety;
  if (!s) {
    if (box.dataset.session !== "none") {
      box.dataset.session = "none";
      replace(box, el("p", { class: "muted" }, "Appears once the session exists."));
    }
    return;
  }
  if (qrCache.get(box) === s) {
    box.classList.toggle("verified", Boolean(demo.verification?.match));
    return;
  }
  qrCache.set(box, s);
  box.dataset.session = "open";
  const { number, qr: payload, sas } = s;
  const figure = el("figure", { class: "qr-figure" });
  figure.innerHTML = qrSvg(payload);
  const svg = figure.firstElementChild;
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `QR code of ${possessive(party.name)} safety number (${payload.length}-byte payload)`);
  figure.append(el("figcaption", {}, `${payload.length}-byte payload, QR version ${qrVersion(payload)}-M`));
  replace(
    box,
    el(
      "div",
      { class: "safety-row" },
      el(
        "div",
        {},
        el("p", { class: "sas-title" }, "Safety number"),
        el(
          "p",
          { class: "safety-number", "aria-label": `${possessive(party.name)} safety number` },
          number.split(" ").map((g, i) => [i ? " " : "", el("span", {}, g)]),
        ),
      ),
      figure,
    ),
    el(
      "div",
      { class: "sas" },
      el("p", { class: "sas-title" }, "Short authentication string (emoji or numbers)"),
        el(
          "ul",
          { class: "emoji", "aria-label": `${possessive(party.name)} emoji` },
          sas.emoji.map((e) => el("li", { title: e.name }, el("span", { "aria-hidden": "true" }, e.emoji), el("span", { class: "sr-only" }, e.name))),
        ),
        el("p", { class: "emoji-names", "aria-hidden": "true" }, sas.emoji.map((e) => e.name).join(" · ")),
        el("p", { class: "sas-decimal", "aria-label": `${possessive(party.name)} decimal code` }, sas.decimal.map((d) => String(d).padStart(4, "0")).join(" ")),
    ),
  );
  box.classList.toggle("verified", Boolean(demo.verification?.match));
}

function renderParty(demo, name) {
  const party = demo.party(name);
  const id = lower(name);
  $(`${id}-identity`).textContent = party.publicKey
    ? `Identity: ${fmtBytes(party.publicKey.length)} public key (X25519 + ML-DSA-65), in ${possessive(name)} store.`
    : "No identity yet.";
  $(`${id}-verified`).hidden = !demo.verification?.match;
  renderChat(party);
  renderRatchet(demo, party);
  renderSafety(demo, party);
}

function renderAliceControls(demo) {
  const started = Boolean(demo.alice.peer);
  $("alice-start").hidden = started;
  $("alice-send").hidden = !started;
  $("alice-start").disabled = !demo.server.uploads.Bob;
  $("alice-setup").hidden = started;
  $("alice-self-contained").checked = demo.selfContained;
  const identity = fmtBytes(constants().identityLength);
  $("alice-form-hint").textContent = demo.selfContained
    ? `Self-contained: her first message carries her whole ${identity} public identity, so Bob's app needs no directory.`
    : `Compact (the default): her first message names her by her X25519 identity key and fingerprint; Bob's app fetches her ${identity} identity from the server's directory.`;
}

function renderBobControls(demo) {
  const { bob } = demo;
  $("bob-setup").hidden = Boolean(demo.server.uploads.Bob);
  const input = $("bob-input");
  input.disabled = !bob.peer;
  $("bob-send").disabled = !bob.peer;
  input.placeholder = bob.peer ? "Reply to Alice" : "Bob can reply once he has accepted Alice's first message";
  if (bob.prekeys) {
    const info = bob.prekeys;
    const age = fmtAge(Math.max(0, nowSeconds() - info.signedPrekeyCreatedAt));
    $("bob-store").textContent = `Prekey store: signed prekey #${info.signedPrekeyId} (created ${age}), ${info.oneTimeHeld} one-time X25519 and ${info.oneTimeKemHeld} one-time ML-KEM prekeys held (uploaded, not yet used: which leaves the server handed out only the server knows), next upload batch #${info.nextBatchId}; the signed prekey takes ${info.replayCacheRemaining} more handshakes without one-time prekeys before it must be rotated.`;
  } else {
    $("bob-store").textContent = "";
  }
}

// ---- the server ----

function messageFacts(m) {
  if (m.kind === "initial") {
    const h = m.handshake;
    const who = h?.selfContained
      ? `self-contained: ${m.from}'s public identity`
      : `compact: ${m.from}'s fingerprint ${shortFingerprint(h?.initiatorFingerprint ?? "")} and X25519 identity key`;
    return `initial message (${who}), the handshake (ephemeral X25519 key, ML-KEM-768 ciphertext) and an encrypted message`;
  }
  if (m.kind !== "ratchet") return "unrecognised bytes";
  const pq = [m.pqChunk ? `${chunkName(m.pqChunk)} (+${fmtBytes(pqChunkBytes())})` : null, m.pqMix ? "MIX (its chain mixes a PQ epoch)" : null].filter(Boolean);
  return `ratchet message: key ${m.ratchetKey}…, chain index ${m.index}, previous chain ${m.previousChainLength}${pq.length ? `, ${pq.join(", ")}` : ""}`;
}

function serverMessage(m, actions) {
  const flags = [];
  if (m.tamperedAt !== undefined) flags.push(el("span", { class: "tag attack" }, `tampered (byte ${m.tamperedAt})`));
  if (m.replayOf) flags.push(el("span", { class: "tag attack" }, `replay of #${m.replayOf}`));
  if (m.outcome) {
    flags.push(el("span", { class: `tag ${m.outcome === "delivered" ? "ok" : "bad"}` }, m.outcome));
  }
  return el(
    "li",
    { class: "server-msg" },
    el(
      "div",
      { class: "server-msg-head" },
      el("strong", {}, `#${m.id}`),
      ` ${m.from} → ${m.to} · `,
      el("span", { class: "size" }, fmtBytes(m.bytes.length)),
      " ",
      flags,
    ),
    el("p", { class: "facts" }, messageFacts(m)),
    el("code", { class: "hex", "aria-label": `First and last bytes of message #${m.id}` }, hexPreview(m.bytes)),
    actions ? el("div", { class: "actions" }, actions) : null,
  );
}

/** What the server stores for Bob: his latest upload, with its leaf counter. */
function uploadItem(u) {
  const left = u.leafCount - u.nextLeaf;
  return el(
    "li",
    { class: "bundle" },
    el(
      "div",
      { class: "server-msg-head" },
      el("strong", {}, "Bob's upload"),
      " · ",
      el("span", { class: "size" }, fmtBytes(u.bytes.length)),
      " ",
      el("span", { class: "tag ok" }, `batch #${u.batchId}`),
    ),
    el(
      "p",
      { class: "facts" },
      `Stored for Bob after verifyUpload: his identity, signed prekey #${u.signedPrekeyId} with the last-resort ML-KEM prekey, ${fmtInt(u.leafCount)} one-time ${u.leafCount === 1 ? "leaf" : "leaves"} and one ML-DSA-65 signature over their Merkle root. Next leaf: ${left > 0 ? `${u.nextLeaf} (${left} of ${u.leafCount} left)` : "none left, bundles without one-time prekeys"}.`,
    ),
    el("code", { class: "hex", "aria-label": "First and last bytes of Bob's upload" }, hexPreview(u.bytes)),
  );
}

/** The directory: each user's public identity under its fingerprint. */
function renderDirectory(server) {
  const entries = Object.entries(server.directory);
  replace(
    $("server-directory"),
    entries.length === 0
      ? el("li", { class: "muted" }, "No identity filed yet.")
      : entries.map(([fp, e]) =>
          el(
            "li",
            { class: "bundle" },
            el("div", { class: "server-msg-head" }, el("strong", {}, `${e.user}'s identity`), " · ", el("span", { class: "size" }, fmtBytes(e.bytes.length))),
            el("p", { class: "facts" }, `Filed under its fingerprint ${shortFingerprint(fp)} (fingerprintOf, after checking its binding signature).`),
          ),
        ),
  );
}

function renderServer(demo) {
  const { server } = demo;
  renderDirectory(server);
  const upload = server.uploads.Bob;
  const bundles = server.handedOut.map((b) =>
    el(
      "li",
      { class: "bundle" },
      el(
        "div",
        { class: "server-msg-head" },
        el("strong", {}, `Bob's bundle #${b.id}`),
        " · ",
        el("span", { class: "size" }, fmtBytes(b.bytes.length)),
        " ",
        el("span", { class: "tag" }, `handed to ${b.to}`),
      ),
      el("p", { class: "facts" }, `Composed from batch #${b.batchId}: ${leafName(b)}. Every byte is covered by the upload's signature.`),
      el("code", { class: "hex", "aria-label": `First and last bytes of bundle #${b.id}` }, hexPreview(b.bytes)),
    ),
  );
  replace(
    $("server-bundles"),
    upload ? uploadItem(upload) : el("li", { class: "muted" }, "No upload yet."),
    upload && bundles.length === 0 ? el("li", { class: "muted" }, "No bundle handed out yet.") : bundles,
  );
  $("hold").checked = demo.hold;
  replace(
    $("server-queue"),
    server.queue.length === 0
      ? el("li", { class: "muted" }, demo.hold ? "Nothing waiting." : "Nothing waiting: messages are delivered at once. Tick “Hold messages” to deliver, tamper, drop or reorder by hand.")
      : server.queue.map((m) =>
          serverMessage(m, [
            el("button", { type: "button", dataset: { action: "deliver", id: m.id }, "aria-label": `Deliver message #${m.id}` }, "Deliver"),
            el("button", { type: "button", class: "warn", dataset: { action: "tamper", id: m.id }, "aria-label": `Tamper with message #${m.id}` }, "Tamper"),
            el("button", { type: "button", class: "warn", dataset: { action: "drop", id: m.id }, "aria-label": `Drop message #${m.id}` }, "Drop"),
          ]),
        ),
  );
  replace(
    $("server-delivered"),
    server.delivered.length === 0
      ? el("li", { class: "muted" }, "Nothing delivered yet.")
      : server.delivered.map((m) =>
          serverMessage(m, [
            el("button", { type: "button", class: "warn", dataset: { action: "replay", id: m.id }, "aria-label": `Replay message #${m.id}` }, "Replay"),
          ]),
        ),
  );
}

// ---- verification, attacks, timeline ----

function renderVerification(demo) {
  $("compare").disabled = !demo.established;
  const out = $("verify-result");
  const v = demo.verification;
  if (!v) {
    replace(out, el("p", { class: "muted" }, demo.established ? "Not compared yet." : "Available once Bob has accepted the session."));
    return;
  }
  const yes = (b) => (b ? "match" : "differ");
  replace(
    out,
    el("p", { class: v.match ? "result ok" : "result bad" }, v.match ? "✔ Match: Alice and Bob see the same codes." : "✘ Mismatch: someone is in the middle."),
    el(
      "ul",
      { class: "checks" },
      el("li", {}, `Safety numbers (60 digits): ${yes(v.numbers)}`),
      el("li", {}, `Bob scans Alice's QR code (matchesSafetyQr): ${yes(v.qrBobScansAlice)}`),
      el("li", {}, `Alice scans Bob's QR code (matchesSafetyQr): ${yes(v.qrAliceScansBob)}`),
      el("li", {}, `Emoji and decimal SAS: ${yes(v.sas)}`),
    ),
  );
}

function renderScan(demo) {
  const who = $("scan-as").value;
  for (const id of ["scan-file", "scan-camera"]) $(id).disabled = !demo.established;
  $("scan-as").disabled = !demo.established;
  const out = $("scan-result");
  const r = demo.scan;
  if (!r) {
    const other = who === "Bob" ? "Alice" : "Bob";
    replace(
      out,
      el(
        "p",
        { class: "muted" },
        demo.established
          ? `Not scanned yet: pick a picture of ${possessive(other)} QR code (a photo of the screen or a screenshot).`
          : "Available once Bob has accepted the session.",
      ),
    );
    return;
  }
  if (!r.found) {
    replace(
      out,
      el("p", { class: "result bad" }, `✘ No QR code found in ${r.file}.`),
      el("p", { class: "muted" }, `${possessive(r.scanner)} app could not read one (${r.reason}): try a sharper or closer picture.`),
    );
    return;
  }
  replace(
    out,
    el(
      "p",
      { class: r.match ? "result ok" : "result bad" },
      r.match
        ? `✔ Match: ${r.scanner} scanned ${possessive(r.of)} code for this session.`
        : `✘ No match: the code ${r.scanner} scanned is not ${possessive(r.of)} code for this session.`,
    ),
    el(
      "ul",
      { class: "checks" },
      el("li", {}, `Image: ${r.file}`),
      el("li", {}, `Decoded: ${r.bytes} bytes: `, el("code", {}, r.preview)),
      el("li", {}, `${possessive(r.scanner)} session.matchesSafetyQr(bytes): ${r.match ? "true" : "false"}`),
    ),
  );
}

/** One safety number of the bundle-swap attack, its unshared half highlighted. */
function numberDiff(label, mine, other) {
  const groups = mine.split(" ");
  const halves = [groups.slice(0, 6), groups.slice(6)];
  return el(
    "p",
    { class: "diff" },
    el("span", { class: "diff-label" }, label),
    el(
      "span",
      { class: "safety-number small" },
      halves.map((half) => {
        const text = half.join(" ");
        return other.includes(text) ? el("span", { class: "half" }, text) : el("mark", { class: "half" }, text);
      }),
    ),
  );
}

function renderAttacks(demo) {
  for (const key of ["a", "b", "c", "d", "e", "f", "g"]) {
    $(`attack-${key}`).disabled = !demo.established;
    const out = $(`attack-${key}-out`);
    const r = demo.attacks[key];
    if (!r) {
      if (out.dataset.filled !== "no") {
        out.dataset.filled = "no";
        replace(out, el("p", { class: "muted" }, demo.established ? "Not run yet." : "Unlocks after the handshake."));
      } else {
        out.firstChild.textContent = demo.established ? "Not run yet." : "Unlocks after the handshake.";
      }
      continue;
    }
    if (out.dataset.filled === String(r.run)) continue;
    out.dataset.filled = String(r.run);
    replace(
      out,
      el("ol", { class: "attack-steps" }, r.steps.map((s) => el("li", { "data-tone": s.tone }, el("span", { class: "sr-only" }, `${s.tone}: `), s.text))),
      r.numbers
        ? el(
            "div",
            { class: "diffs" },
            numberDiff("Alice sees", r.numbers.alice, r.numbers.bob),
            numberDiff("Bob sees", r.numbers.bob, r.numbers.alice),
            el("p", { class: "diff-note" }, "Highlighted: the half found in only one of them. The half they share is the attacker's fingerprint."),
          )
        : null,
      el("div", { class: "explain" }, el("h4", {}, "What happened and why"), r.explain.map((p) => el("p", {}, p))),
    );
  }
}

function renderTimeline(demo) {
  const body = $("timeline-body");
  if (body.dataset.last === String(demo.timeline.at(-1)?.n ?? 0) && body.childElementCount === demo.timeline.length) return;
  body.dataset.last = String(demo.timeline.at(-1)?.n ?? 0);
  replace(
    body,
    demo.timeline.map((t) =>
      el(
        "tr",
        { "data-tone": t.tone },
        el("td", { class: "num" }, String(t.n)),
        el("td", { class: "actor" }, t.actor),
        el("td", {}, t.text),
        el("td", { class: "num" }, t.bytes === undefined ? "" : fmtBytes(t.bytes)),
        el("td", { class: "num" }, t.ms === undefined ? "" : fmtMs(t.ms)),
      ),
    ),
  );
  const wrap = $("timeline-wrap");
  wrap.scrollTop = wrap.scrollHeight;
}

function renderSaveState(demo) {
  const s = demo.saveState;
  const node = $("save-state");
  if (s.error) node.textContent = `Could not save: ${s.error}`;
  else if (s.pending > 0) node.textContent = "Saving…";
  else if (s.bytes === 0 && !demo.bob.store) node.textContent = "Nothing to save yet.";
  else {
    node.textContent = `All changes saved: ${fmtBytes(s.bytes)} in the two stores (sealed identities, prekeys and sessions), and a ${fmtBytes(s.transcriptBytes ?? 0)} encrypted transcript.`;
  }
}

function renderTabs(demo) {
  const t = demo.tabSync;
  $("tab-sync").textContent = t
    ? `Caught up with another tab at ${new Date(t.at).toLocaleTimeString("en-GB")} (saved state #${t.seq}): the same stores, chats and server as there.`
    : "";
}

export function render(demo) {
  renderStatus(demo);
  renderSteps(demo);
  renderParty(demo, "Alice");
  renderParty(demo, "Bob");
  renderAliceControls(demo);
  renderBobControls(demo);
  renderServer(demo);
  renderVerification(demo);
  renderScan(demo);
  renderAttacks(demo);
  renderTimeline(demo);
  renderSaveState(demo);
  renderTabs(demo);
}

/** Wires the controls to `actions` (each a function of the demo). */
export function bind(demo, act) {
  $("bob-publish").addEventListener("click", () => act(() => demo.publishPrekeys()));
  $("alice-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const input = $("alice-input");
    const text = input.value.trim();
    if (!text) return;
    // Cleared at once (the action may wait for another tab); given back if nothing was sent.
    input.value = "";
    act(async () => {
      const item = demo.alice.peer ? await demo.send("Alice", text) : await demo.startSession(text);
      if (!item && !input.value) input.value = text;
    });
  });
  $("bob-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const input = $("bob-input");
    const text = input.value.trim();
    if (!text || !demo.bob.peer) return;
    input.value = "";
    act(async () => {
      if (!(await demo.send("Bob", text)) && !input.value) input.value = text;
    });
  });
  $("alice-self-contained").addEventListener("change", (ev) =>
    act(() => {
      demo.selfContained = ev.target.checked;
      demo.say(
        demo.selfContained
          ? "Alice's first message will carry her identity (self-contained): Bob's app will not need the directory."
          : "Alice's first message will name her by fingerprint (compact): Bob's app will look her identity up in the directory.",
      );
    }),
  );
  $("hold").addEventListener("change", (ev) =>
    act(async () => {
      demo.hold = ev.target.checked;
      if (!demo.hold) {
        const n = await demo.flushQueue();
        demo.say(n ? `The server delivered the ${n} held message(s) and now delivers at once.` : "The server now delivers at once.");
      } else {
        demo.say("The server now holds messages: deliver, tamper, drop or reorder them by hand.");
      }
    }),
  );
  for (const list of ["server-queue", "server-delivered"]) {
    $(list).addEventListener("click", (ev) => {
      const button = ev.target.closest("button[data-action]");
      if (!button) return;
      const id = Number(button.dataset.id);
      const action = button.dataset.action;
      act(async () => {
        if (action === "deliver") {
          const r = await demo.deliver(id);
          if (r?.ok) demo.say(`The server delivered message #${id}; it decrypted.`, "ok");
        } else if (action === "tamper") demo.tamper(id);
        else if (action === "drop") demo.drop(id);
        else if (action === "replay") await demo.replay(id);
      });
    });
  }
  $("compare").addEventListener("click", () => act(() => demo.compare()));
  $("scan-as").addEventListener("change", () => render(demo));
  // A picked file or a photo from the camera: decode it here, then hand the bytes to the model.
  for (const id of ["scan-file", "scan-camera"]) {
    $(id).addEventListener("change", async (ev) => {
      const input = ev.target;
      const file = input.files?.[0];
      input.value = ""; // the same file can be picked again
      if (!file) return;
      const scanner = $("scan-as").value;
      replace($("scan-result"), el("p", { class: "muted" }, `Looking for a QR code in ${file.name || "the photo"}…`));
      const t0 = performance.now();
      let bytes;
      let error;
      try {
        bytes = await decodeQrImageFile(file);
      } catch (e) {
        error = e;
      }
      const decodeMs = performance.now() - t0;
      act(() => demo.scanQr(scanner, { bytes, error, file: file.name || "the photo", decodeMs }));
    });
  }
}
