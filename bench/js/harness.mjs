// Shared by bench-node.mjs and bench-browser.mjs (no Node or DOM APIs here): the timing helper,
// the scenarios (identical for every library) and the table formatter.
//
// Adapter shape (see twofold-adapter.mjs, libsignal-adapter.mjs, noble-pqxdh.js):
//   { id, label, async, setup(ptA, ptB) -> { pair, initialBytes, phases } (or a promise of it) }
//   pair: { encrypt(who, pt), decrypt(who, msg), size(msg), dispose() }, who: 0 = Alice, 1 = Bob.
// `setup` is the "full setup" scenario: Bob's identity, prekeys and bundle (twofold-pq: store,
// an upload of one leaf, composeBundle), Alice initiates, Bob accepts (decrypts the first
// message; twofold-pq: the compact initial message, with Alice's identity from Bob's
// directory), Bob replies and Alice decrypts. Alice's long-term identity is made once,
// outside the timing, by each adapter. `initialBytes` is the size of Alice's first message.
// `phases` = { bob, initiate, accept }: ms, timed with performance.now() inside that setup:
// Bob's identity + prekeys + bundle; Alice's bundle verification + initiate + first message;
// Bob's accept (decryption of the first message). The reply and its decryption are in no phase.

/** Sample counts. Each message sample is a batch of `ops` messages; we report its mean per
 * message, and the median over `samples` batches after `warmup` batches. */
export const CONFIG = {
  setup: { warmup: 3, samples: 21 }, // ML-DSA signing is rejection-sampled: setup times vary
  pingpong100: { warmup: 2, samples: 11, ops: 100 }, // 100 = 2 PQ intervals of twofold's default
  oneway100: { warmup: 2, samples: 11, ops: 200 },
  oneway64k: { warmup: 2, samples: 11, ops: 20 },
};

export const QUICK_CONFIG = {
  setup: { warmup: 1, samples: 3 },
  pingpong100: { warmup: 1, samples: 3, ops: 50 },
  oneway100: { warmup: 1, samples: 3, ops: 50 },
  oneway64k: { warmup: 1, samples: 3, ops: 5 },
};

const isPromise = (v) => v !== null && typeof v === "object" && typeof v.then === "function";

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Times `fn` (sync or async) `samples` times after `warmup` untimed calls, with
 * performance.now(); each time is divided by `ops`. Returns milliseconds per op.
 */
export async function measure(fn, { warmup = 2, samples = 9, ops = 1 } = {}) {
  for (let i = 0; i < warmup; i++) {
    const r = fn();
    if (isPromise(r)) await r;
  }
  const times = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    const r = fn();
    if (isPromise(r)) await r;
    times.push((performance.now() - t0) / ops);
  }
  return { median: median(times), min: Math.min(...times), max: Math.max(...times), samples: times.length };
}

function randomBytes(n) {
  const b = new Uint8Array(n);
  for (let o = 0; o < n; o += 65536) crypto.getRandomValues(b.subarray(o, Math.min(n, o + 65536)));
  return b;
}

/**
 * A batch of `ops` messages, each encrypted by its sender and decrypted by the other side.
 * `direction()` picks the sender of the next message. Sync adapters get a plain loop (no
 * promise per message); async ones an awaited loop. Counts ciphertext bytes as it goes.
 */
function messageBatch(adapter, pair, pt, ops, direction, stats) {
  const check = (out) => {
    if (out.length !== pt.length) throw new Error(`${adapter.id}: decrypted length mismatch`);
  };
  if (!adapter.async) {
    return () => {
      for (let i = 0; i < ops; i++) {
        const from = direction();
        const ct = pair.encrypt(from, pt);
        stats.bytes += pair.size(ct);
        stats.count += 1;
        check(pair.decrypt(1 - from, ct));
      }
    };
  }
  return async () => {
    for (let i = 0; i < ops; i++) {
      const from = direction();
      const ct = await pair.encrypt(from, pt);
      stats.bytes += pair.size(ct);
      stats.count += 1;
      check(await pair.decrypt(1 - from, ct));
    }
  };
}

/** Verifies a fresh pair both ways with full plaintext comparison (untimed). */
async function verifyPair(adapter, pair) {
  for (const [from, n] of [[0, 1], [1, 100], [1, 70000], [0, 0], [0, 333]]) {
    const pt = randomBytes(n);
    const ct = await pair.encrypt(from, pt);
    const out = await pair.decrypt(1 - from, ct);
    if (out.length !== pt.length || !out.every((v, i) => v === pt[i])) {
      throw new Error(`${adapter.id}: round trip of ${n} bytes failed`);
    }
  }
}

async function establish(adapter, pt) {
  const r = await adapter.setup(pt, pt);
  await verifyPair(adapter, r.pair);
  return r;
}

/**
 * Runs the scenarios on one adapter. `only` limits them (e.g. ["pingpong100"]). `log` gets
 * progress lines. Times in ms per op, sizes in bytes.
 */
export async function runScenarios(adapter, { config = CONFIG, only, log = () => {} } = {}) {
  const want = (k) => !only || only.includes(k);
  const pt100 = randomBytes(100);
  const pt64k = randomBytes(65536);
  const out = { id: adapter.id, label: adapter.label };

  {
    const { initialBytes, pair } = await establish(adapter, pt100);
    out.initialBytes = initialBytes;
    pair.dispose();
  }
  if (want("setup")) {
    log(`${adapter.label}: full setup`);
    const phases = [];
    out.setup = await measure(async () => {
      const r0 = adapter.setup(pt100, pt100);
      const r = isPromise(r0) ? await r0 : r0;
      phases.push(r.phases);
      r.pair.dispose();
    }, config.setup);
    // The phases of the timed samples (the warm-up calls come first), median of each.
    const timed = phases.slice(-out.setup.samples);
    out.phases = Object.fromEntries(
      ["bob", "initiate", "accept"].map((k) => [k, median(timed.map((p) => p[k]))]),
    );
  }
  if (want("known") && adapter.knownPeer) {
    // A new session with a peer verified before (twofold-pq's identity caches); the other
    // libraries have no such state, their initiate and accept are the full-setup phases.
    log(`${adapter.label}: handshake with a known peer`);
    const cfg = config.setup;
    const known = adapter.knownPeer(cfg.warmup + cfg.samples);
    const phases = [];
    await measure(() => {
      phases.push(known.once(pt100));
    }, cfg);
    known.dispose();
    const timed = phases.slice(-cfg.samples);
    out.known = Object.fromEntries(["initiate", "accept"].map((k) => [k, median(timed.map((p) => p[k]))]));
  }
  if (want("pingpong100")) {
    log(`${adapter.label}: 100 B ping-pong`);
    const { pair } = await establish(adapter, pt100);
    let turn = 1;
    const stats = { bytes: 0, count: 0 };
    const cfg = config.pingpong100;
    out.pingpong100 = await measure(messageBatch(adapter, pair, pt100, cfg.ops, () => (turn ^= 1), stats), cfg);
    out.overheadPingpong = stats.bytes / stats.count - pt100.length;
    pair.dispose();
  }
  if (want("oneway100")) {
    log(`${adapter.label}: 100 B one direction`);
    const { pair } = await establish(adapter, pt100);
    const stats = { bytes: 0, count: 0 };
    const cfg = config.oneway100;
    out.oneway100 = await measure(messageBatch(adapter, pair, pt100, cfg.ops, () => 0, stats), cfg);
    out.overheadOneway = stats.bytes / stats.count - pt100.length;
    pair.dispose();
  }
  if (want("oneway64k")) {
    log(`${adapter.label}: 64 KiB one direction`);
    const { pair } = await establish(adapter, pt100);
    const stats = { bytes: 0, count: 0 };
    const cfg = config.oneway64k;
    out.oneway64k = await measure(messageBatch(adapter, pair, pt64k, cfg.ops, () => 0, stats), cfg);
    pair.dispose();
  }
  return out;
}

// ---- formatting ----------------------------------------------------------------------------

function fmtTime(ms) {
  if (ms === undefined) return "–";
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 1) return `${ms.toFixed(ms >= 100 ? 0 : ms >= 10 ? 1 : 2)} ms`;
  const us = ms * 1000;
  return `${us.toFixed(us >= 100 ? 0 : us >= 10 ? 1 : 2)} µs`;
}

function fmtBytes(b) {
  if (b === undefined) return "–";
  return `${Number.isInteger(b) ? b : b.toFixed(1)} B`;
}

const ratio = (peer, ours) =>
  peer === undefined || ours === undefined || ours === 0 ? "–" : `${(peer / ours).toFixed(2)}×`;

/** The line on twofold-pq's two initial-message forms (the adapter's `initialForms`). */
export function initialFormsLine(forms) {
  return `twofold-pq initial message (100 B): compact ${fmtBytes(forms.compact)}, self-contained ${fmtBytes(forms.selfContained)}`;
}

/**
 * Builds the table. `results`: { twofold, libsignal, noble }, each a
 * runScenarios() result, or a string (e.g. "not usable") for a library that cannot run.
 */
export function buildTable(results) {
  const tf = results.twofold;
  const peers = [
    ["libsignal", results.libsignal],
    ["noble", results.noble],
  ];
  const time = (r, k) => (typeof r === "object" ? r[k]?.median : undefined);
  const size = (r, k) => (typeof r === "object" ? r[k] : undefined);
  const phase = (r, k) => (typeof r === "object" ? r.phases?.[k] : undefined);
  // A library without a cache of verified peers does the same work for a known peer.
  const known = (r, k) => (typeof r === "object" ? (r.known?.[k] ?? r.phases?.[k]) : undefined);
  const rows = [
    ["full setup", (r) => time(r, "setup"), fmtTime, tf],
    ["  Bob: identity + prekeys + bundle", (r) => phase(r, "bob"), fmtTime, tf],
    ["  Alice: verify bundle, initiate, first message", (r) => phase(r, "initiate"), fmtTime, tf],
    ["  Bob: accept", (r) => phase(r, "accept"), fmtTime, tf],
    ["Alice: initiate, known peer ⁴", (r) => known(r, "initiate"), fmtTime, tf],
    ["Bob: accept, known peer ⁴", (r) => known(r, "accept"), fmtTime, tf],
    ["100 B ping-pong, per msg ¹", (r) => time(r, "pingpong100"), fmtTime, tf],
    ["100 B one direction, per msg", (r) => time(r, "oneway100"), fmtTime, tf],
    ["64 KiB one direction, per msg", (r) => time(r, "oneway64k"), fmtTime, tf],
    ["initial message size ²", (r) => size(r, "initialBytes"), fmtBytes, tf],
    ["overhead, 100 B one direction ³", (r) => size(r, "overheadOneway"), fmtBytes, tf],
    ["overhead, 100 B ping-pong ³", (r) => size(r, "overheadPingpong"), fmtBytes, tf],
  ];
  const header = ["scenario", "twofold-pq", "libsignal (native)", "noble JS", "libsignal/twofold", "noble/twofold"];
  const body = rows.map(([name, get, fmt, ours]) => {
    const o = typeof ours === "object" ? get(ours) : undefined;
    const cells = [name, fmt(o)];
    for (const [, r] of peers) cells.push(typeof r === "string" ? r : fmt(get(r)));
    for (const [, r] of peers) cells.push(typeof r === "string" ? "–" : ratio(get(r), o));
    return cells;
  });
  const all = [header, ...body];
  const widths = header.map((_, c) => Math.max(...all.map((row) => [...row[c]].length)));
  const line = (row) =>
    row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

export const LEGEND = [
  "Times: median over samples of the mean per message (encrypt + decrypt) or per setup; ratios are",
  "peer/twofold, so > 1 means twofold-pq is faster (for sizes: smaller).",
  "¹ all three run their PQ schedule as fixed by design: twofold-pq's chunked ML-KEM ratchet and",
  "  libsignal's SPQR always run (one chunk per message); the noble reference has no PQ ratchet.",
  "² bytes of Alice's first message (100 B plaintext), handshake included; twofold-pq's compact",
  "  form names Alice by fingerprint (Bob's directory supplies her identity to accept); the",
  "  line below the table gives the self-contained form too, which carries her identity.",
  "³ mean ciphertext length minus plaintext length over every message of that scenario.",
  "⁴ a new session with a peer each side verified before: twofold-pq with IdentityCaches holding",
  "  both identities and a bundle of the upload Alice verified last (no ML-DSA verification on",
  "  either side); libsignal and noble keep no such state, so their figures are the setup phases.",
  "Full setup = Bob's identity + prekeys (one one-time X25519/EC and one ML-KEM/Kyber prekey) +",
  "bundle (twofold-pq: store + upload of 1 leaf + composeBundle), Alice initiates, Bob accepts,",
  "Bob replies, Alice decrypts; Alice's identity pre-exists. The three indented rows are its phases",
  "(median of each over the same samples, timed inside the setup; the reply is in none of them).",
  "libsignal: PQXDH with Kyber-1024 prekeys and SPQR (native, async API); noble: pure-JS reference",
  "(X25519, ML-KEM-768, ML-DSA-65, not secure, no PQ ratchet); twofold-pq: wasm.",
].join("\n");

// ---- issue 12 targets ----------------------------------------------------------------------

/**
 * The targets of issue 12, as rows { name, twofold, peer, ratio, target, met } (`ratio` is
 * twofold/peer; for times, above 1 = twofold-pq slower). Only the rows whose figures exist in
 * this run: libsignal's in Node, the noble one in the browser (`environment` "browser"), the
 * size row in both.
 */
export function evaluateTargets(results, environment) {
  const tf = results.twofold;
  const obj = (r) => (r !== null && typeof r === "object" ? r : undefined);
  const ls = obj(results.libsignal);
  const noble = obj(results.noble);
  const rows = [];
  const vs = (name, peerLabel, ours, peer, max, target, moonshot) => {
    if (ours === undefined || peer === undefined || peer === 0) return;
    const ratio = ours / peer;
    const met = ratio <= max;
    rows.push({ name: `${name} vs ${peerLabel}`, twofold: fmtTime(ours), peer: fmtTime(peer),
      ratio, target, met, moonshotMet: moonshot === undefined ? undefined : ratio <= moonshot });
  };
  if (ls) {
    vs("full setup", "libsignal", tf.setup?.median, ls.setup?.median, 3, "≤ 3× (moonshot 1×)", 1);
    vs("initiate (Alice)", "libsignal", tf.phases?.initiate, ls.phases?.initiate, 1.5, "≤ 1.5×");
    vs("accept (Bob)", "libsignal", tf.phases?.accept, ls.phases?.accept, 1.5, "≤ 1.5×");
    vs("initiate, known peer", "libsignal", tf.known?.initiate, ls.phases?.initiate, 1.5, "≤ 1.5×");
    vs("accept, known peer", "libsignal", tf.known?.accept, ls.phases?.accept, 1.5, "≤ 1.5×");
    vs("100 B ping-pong", "libsignal", tf.pingpong100?.median, ls.pingpong100?.median, 1, "≤ 1×");
  }
  if (environment === "browser" && noble) {
    vs("full setup", "noble JS (same page)", tf.setup?.median, noble.setup?.median, 1 / 5, "≤ 0.2× (5× faster)");
  }
  const compact = tf.initialForms?.compact;
  if (compact !== undefined) {
    rows.push({ name: "initial message, 100 B, compact", twofold: fmtBytes(compact), peer: "–",
      ratio: undefined, target: "≤ 1856 B", met: compact <= 1856 });
  }
  return rows;
}

/** The "issue 12 targets" table (a title line, then the rows of evaluateTargets). */
export function buildTargetsTable(results, environment) {
  const header = ["issue 12 targets", "twofold-pq", "peer", "twofold/peer", "target", "status"];
  const body = evaluateTargets(results, environment).map((r) => [
    r.name, r.twofold, r.peer, r.ratio === undefined ? "–" : `${r.ratio.toFixed(2)}×`, r.target,
    (r.met ? "met" : "missed") + (r.moonshotMet ? " (moonshot too)" : ""),
  ]);
  const all = [header, ...body];
  const widths = header.map((_, c) => Math.max(...all.map((row) => [...row[c]].length)));
  const line = (row) =>
    row.map((cell, c) => (c === 0 || c >= 4 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

export const TARGETS_LEGEND = [
  "Here the ratio is twofold/peer, the other way round from the table above: for times it is how",
  "many times slower twofold-pq is (> 1 = slower, < 1 = faster); a target is met when the ratio is",
  "at most the bound (\"5× faster\" than noble = ratio ≤ 0.2). Same medians as the table above.",
].join("\n");

/** Everything printed for one run: the table, the initial-message line, legend, targets. */
export function buildReport(results, environment) {
  const lines = [buildTable(results)];
  if (results.twofold?.initialForms) lines.push(initialFormsLine(results.twofold.initialForms));
  lines.push("", LEGEND, "", buildTargetsTable(results, environment), TARGETS_LEGEND);
  return lines.join("\n");
}
