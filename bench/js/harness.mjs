// Shared by bench-node.mjs and bench-browser.mjs (no Node or DOM APIs here): the timing helper,
// the scenarios (identical for every library) and the table formatter.
//
// Adapter shape (see twofold-adapter.mjs, libsignal-adapter.mjs, noble-pqxdh.js):
//   { id, label, async, setup(ptA, ptB) -> { pair, initialBytes } (or a promise of it) }
//   pair: { encrypt(who, pt), decrypt(who, msg), size(msg), dispose() }, who: 0 = Alice, 1 = Bob.
// `setup` is the "full setup" scenario: Bob's identity, prekeys and bundle (twofold-pq: store,
// an upload of one leaf, composeBundle), Alice initiates, Bob accepts (decrypts the first
// message), Bob replies and Alice decrypts. Alice's long-term identity is made once, outside
// the timing, by each adapter.

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
    out.setup = await measure(async () => {
      const r = adapter.setup(pt100, pt100);
      (isPromise(r) ? await r : r).pair.dispose();
    }, config.setup);
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
  const rows = [
    ["full setup", (r) => time(r, "setup"), fmtTime, tf],
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
  "² bytes of Alice's first message (100 B plaintext), handshake included.",
  "³ mean ciphertext length minus plaintext length over every message of that scenario.",
  "Full setup = Bob's identity + prekeys (one one-time X25519/EC and one ML-KEM/Kyber prekey) +",
  "bundle (twofold-pq: store + upload of 1 leaf + composeBundle), Alice initiates, Bob accepts,",
  "Bob replies, Alice decrypts; Alice's identity pre-exists.",
  "libsignal: PQXDH with Kyber-1024 prekeys and SPQR (native, async API); noble: pure-JS reference",
  "(X25519, ML-KEM-768, ML-DSA-65, not secure, no PQ ratchet); twofold-pq: wasm.",
].join("\n");
