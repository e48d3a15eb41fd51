// Summarises a Memcheck log of tests/src/bin/ctgrind.rs (scripts/ctgrind): every warning with
// its operation (the `== phase:` marker printed before it), its kind, the function it is in
// and its crate, and the nearest Twofold function on its stack, as a Markdown table with
// counts. A warning whose own function is in a twofold crate is Twofold's; any other is a
// dependency's, reached from the Twofold function named.
//   node scripts/ctgrind-report.mjs target/ctgrind.log
import { readFileSync } from "node:fs";

const lines = readFileSync(process.argv[2], "utf8").split("\n");
const KINDS = [
  [/Conditional jump or move depends on uninitialised/, "branch"],
  [/Use of uninitialised value of size/, "address / value use"],
  [/Syscall param .* uninitialised/, "syscall"],
];

/** `ml_dsa::algebra::Foo::bar` → "ml_dsa"; `<sha3::Keccak as ...>::f` → "sha3". */
function crateOf(fn) {
  const m = fn.replace(/^</, "").match(/^([A-Za-z_][A-Za-z0-9_]*)::/);
  return m ? m[1] : "?";
}

/** The function a frame line names, without hash suffixes, generics and argument lists. */
function frameFn(line) {
  const m = line.match(/^==\d+==\s+(?:at|by) 0x[0-9A-F]+: (.*?)(?: \((?:in |[^()]*:\d+)\S*\))?$/);
  if (!m) return undefined;
  return m[1].replace(/::h[0-9a-f]{16}$/, "").replace(/<[^<>]*>/g, (g) => (g.includes(" as ") ? g : "")).trim();
}

const errors = [];
let phase = "(start)";
let current;
for (const line of lines) {
  const p = line.match(/^== phase: (.*)$/);
  if (p) {
    phase = p[1];
    continue;
  }
  const body = line.replace(/^==\d+== ?/, "");
  const kind = KINDS.find(([re]) => re.test(body));
  if (kind) {
    current = { phase, kind: kind[1], frames: [] };
    errors.push(current);
    continue;
  }
  if (current && /^==\d+==\s+(at|by) 0x/.test(line)) {
    const fn = frameFn(line);
    if (fn) current.frames.push(fn);
    continue;
  }
  if (current && /^==\d+== ?$/.test(line)) current = undefined;
}

const ours = (fn) => /^<?twofold_/.test(fn);
const groups = new Map();
for (const e of errors) {
  const top = e.frames[0] ?? "?";
  const caller = e.frames.find(ours) ?? "(none)";
  const key = JSON.stringify([e.phase, e.kind, top, caller]);
  groups.set(key, (groups.get(key) ?? 0) + 1);
}

const rows = [...groups].map(([k, n]) => [...JSON.parse(k), n]);
const ownRows = rows.filter(([, , top]) => ours(top));
console.log(`${errors.length} warnings, ${rows.length} distinct (operation, kind, function, Twofold caller); ${ownRows.length} in Twofold's own code\n`);
console.log("| operation | kind | function | crate | nearest Twofold function | warnings |");
console.log("| --- | --- | --- | --- | --- | ---: |");
for (const [phase, kind, top, caller, n] of rows) {
  console.log(`| ${phase} | ${kind} | \`${top}\` | ${crateOf(top)} | \`${caller}\` | ${n} |`);
}
const summary = lines.filter((l) => /ERROR SUMMARY/.test(l)).pop() ?? "";
console.log(`\n${summary.replace(/^==\d+== /, "Memcheck: ")}`);
