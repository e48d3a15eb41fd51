// Node side of the JS benchmarks: twofold-pq (wasm, imported by path from the repository's
// npm/ build), @signalapp/libsignal-client (native) and the pure-JS noble reference, in one
// process, side by side. Usage: node bench/js/bench-node.mjs [--quick] [--json FILE]
// (run.mjs runs this and then the browser half; `make bench` runs run.mjs).
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath, pathToFileURL } from "node:url";
import { CONFIG, QUICK_CONFIG, buildReport, evaluateTargets, runScenarios } from "./harness.mjs";
import { makeTwofoldAdapter } from "./twofold-adapter.mjs";
import { makeNobleAdapter } from "./noble-pqxdh.js";

const here = (p) => new URL(p, import.meta.url);
const pkgVersion = (p) => JSON.parse(readFileSync(here(p), "utf8")).version;

export function machineInfo() {
  const cpus = os.cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    cpu: cpus[0]?.model?.trim() ?? "unknown",
    cores: cpus.length,
    platform: `${os.platform()} ${os.arch()} ${os.release()}`,
    loadavg: os.loadavg().map((l) => l.toFixed(2)).join(" "),
  };
}

export function versions(tf) {
  return {
    "twofold-pq": `${pkgVersion("../../npm/package.json")} (core ${tf.version()})`,
    "@signalapp/libsignal-client": pkgVersion("./node_modules/@signalapp/libsignal-client/package.json"),
    "@noble/post-quantum": pkgVersion("./node_modules/@noble/post-quantum/package.json"),
    "@noble/curves": pkgVersion("./node_modules/@noble/curves/package.json"),
    "@noble/hashes": pkgVersion("./node_modules/@noble/hashes/package.json"),
    "@noble/ciphers": pkgVersion("./node_modules/@noble/ciphers/package.json"),
  };
}

/** Runs the Node benchmark, prints its table, returns the results. */
export async function runNodeBench({ quick = false, log = (s) => console.log(`  … ${s}`) } = {}) {
  const config = quick ? QUICK_CONFIG : CONFIG;
  const tf = await import("../../npm/dist/node.js");
  const server = await import("../../npm/dist/server-node.js");
  await tf.ready();
  const { makeLibsignalAdapter } = await import("./libsignal-adapter.mjs");

  const info = machineInfo();
  const vers = versions(tf);
  console.log("== Node benchmark ==");
  console.log(`node ${info.node} (V8 ${info.v8}), ${info.platform}`);
  console.log(`CPU: ${info.cpu} × ${info.cores}; load average ${info.loadavg}`);
  console.log(Object.entries(vers).map(([k, v]) => `${k} ${v}`).join(", "));
  if (quick) console.log("(--quick: few samples, numbers are rough)");

  const t0 = performance.now();
  const results = {};
  const twofold = makeTwofoldAdapter(tf, server);
  results.twofold = { ...(await runScenarios(twofold, { config, log })), initialForms: twofold.initialForms };
  results.libsignal = await runScenarios(makeLibsignalAdapter(), { config, log });
  results.noble = await runScenarios(makeNobleAdapter(), { config, log });
  const seconds = (performance.now() - t0) / 1000;

  console.log("");
  console.log(buildReport(results, "node"));
  console.log(`(Node benchmark: ${seconds.toFixed(1)} s)`);
  const targets = evaluateTargets(results, "node");
  return { environment: "node", machine: info, versions: vers, config, results, targets };
}

function parseArgs(argv) {
  const args = { quick: argv.includes("--quick"), json: undefined };
  const j = argv.indexOf("--json");
  if (j >= 0) args.json = argv[j + 1];
  return args;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = parseArgs(process.argv.slice(2));
  const out = await runNodeBench({ quick: args.quick });
  if (args.json) writeFileSync(args.json, JSON.stringify(out, null, 2) + "\n");
}

export { parseArgs };
export const benchDir = fileURLToPath(new URL(".", import.meta.url));
