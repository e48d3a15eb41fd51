// Summarises a Memcheck log of tests/src/bin/ctgrind.rs (scripts/ctgrind): each warning with
// its operation (the `== phase:` marker printed before it), its kind, the function and source
// line it is in, the nearest Twofold function on its stack, and the origin Memcheck tracked
// for the undefined value (`--track-origins=yes`): "secret" when it was created by the
// harness's client request (a random draw, so a secret or something computed from one), or
// the allocation whose never-written bytes it came from. Prints a Markdown table with counts.
//   node scripts/ctgrind-report.mjs target/ctgrind.log
import { readFileSync } from "node:fs";

const lines = readFileSync(process.argv[2], "utf8").split("\n");
const KINDS = [
  [/Conditional jump or move depends on uninitialised/, "branch"],
  [/Use of uninitialised value of size/, "address or value use"],
  [/Syscall param .* uninitialised/, "syscall"],
];

/** Drops generic arguments (nested `<…>` that are not `<T as Trait>` qualifications) and hashes. */
function tidy(fn) {
  let s = fn.replace(/::h[0-9a-f]{16}$/, "");
  for (let prev; prev !== s; ) {
    prev = s;
    s = s.replace(/<([^<>]*)>/g, (g, inner) => (inner.includes(" as ") ? `«${inner}»` : ""));
  }
  return s.replace(/«/g, "<").replace(/»/g, ">");
}

/** `{ fn, at }` of a frame line (`at`/`by 0x…: fn (file:line)`), or undefined. */
function frame(line) {
  const m = line.match(/^==\d+==\s+(?:at|by) 0x[0-9A-F]+: (.*?)(?: \(([^()]*)\))?$/);
  return m ? { fn: tidy(m[1]), at: (m[2] ?? "").replace(/^in .*/, "") } : undefined;
}

/** The crate of a source path as Valgrind prints it with --fullpath-after=: `…/ml-dsa-0.1.2/src/x.rs`. */
function crateOf(at, fn) {
  const reg = at.match(/registry\/src\/[^/]+\/([^/]+)\//);
  if (reg) return reg[1];
  if (/library\/(core|std|alloc)\//.test(at)) return "std";
  if (/\/tests\/src\//.test(at)) return "harness";
  if (/\/core\/src\//.test(at) || /^<?twofold_core/.test(fn)) return "twofold-core";
  return "?";
}

/** A source path as the table shows it: from the crate's `src/` (the crate has its column). */
const short = (at) => at.replace(/^.*\/src\//, "src/");

const errors = [];
let phase = "(start)";
let current;
let origin = false;
for (const line of lines) {
  const p = line.match(/^== phase: (.*)$/);
  if (p) {
    phase = p[1];
    continue;
  }
  const body = line.replace(/^==\d+== ?/, "");
  const kind = KINDS.find(([re]) => re.test(body));
  if (kind) {
    current = { phase, kind: kind[1], frames: [], origin: "?" };
    errors.push(current);
    origin = false;
    continue;
  }
  if (!current) continue;
  if (/Uninitialised value was created by a client request/.test(body)) {
    current.origin = "secret";
    origin = true;
    continue;
  }
  const alloc = body.match(/Uninitialised value was created by a (.*)/);
  if (alloc) {
    current.origin = alloc[1];
    origin = true;
    continue;
  }
  const f = /^==\d+==\s+(at|by) 0x/.test(line) ? frame(line) : undefined;
  if (f) {
    if (origin) {
      if (current.origin !== "secret" && !current.origin.includes(" in ")) current.origin += ` in \`${f.fn}\``;
    } else current.frames.push(f);
    continue;
  }
  if (/^==\d+== ?$/.test(line)) current = undefined;
}

const ours = (f) => crateOf(f.at, f.fn) === "twofold-core";
const groups = new Map();
for (const e of errors) {
  const top = e.frames[0] ?? { fn: "?", at: "" };
  const caller = e.frames.find(ours);
  const key = JSON.stringify([
    e.phase,
    e.kind,
    `${top.fn} (${short(top.at)})`,
    crateOf(top.at, top.fn),
    caller ? `${caller.fn} (${short(caller.at)})` : "(none)",
    e.origin,
  ]);
  groups.set(key, (groups.get(key) ?? 0) + 1);
}

const rows = [...groups].map(([k, n]) => [...JSON.parse(k), n]);
const own = rows.filter((r) => r[3] === "twofold-core");
const secretOrigin = errors.filter((e) => e.origin === "secret").length;
const noOrigin = errors.filter((e) => e.origin === "?").length;
console.log(
  `${errors.length} distinct warnings (stack and kind), ${rows.length} rows; ${own.length} rows in Twofold's own code. ` +
    `Origins: ${secretOrigin} a client request (a secret), ${errors.length - secretOrigin - noOrigin} never-written bytes, ` +
    `${noOrigin} not recorded by Memcheck ("?")\n`,
);
console.log("| operation | kind | function (source) | crate | nearest Twofold function | origin | warnings |");
console.log("| --- | --- | --- | --- | --- | --- | ---: |");
for (const [phase, kind, top, crate, caller, org, n] of rows) {
  console.log(`| ${phase} | ${kind} | \`${top}\` | ${crate} | \`${caller}\` | ${org} | ${n} |`);
}
const summary = lines.filter((l) => /ERROR SUMMARY/.test(l)).pop() ?? "";
console.log(`\n${summary.replace(/^==\d+== /, "Memcheck: ")}`);
