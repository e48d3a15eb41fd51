// Browser side of the JS benchmarks (loaded by browser.html): twofold-pq from /npm/dist and the
// pure-JS noble reference, with the same scenarios as in Node. @signalapp/libsignal-client is a
// native Node addon and cannot run in a browser. Results go to window.__results (and as JSON
// into <pre id="results">); a failure to window.__error. run.mjs drives this page.
import * as tf from "/npm/dist/index.js";
import * as server from "/npm/dist/server.js";
import { CONFIG, QUICK_CONFIG, buildReport, evaluateTargets, runScenarios } from "./harness.mjs";
import { makeTwofoldAdapter } from "./twofold-adapter.mjs";
import { makeNobleAdapter } from "./noble-pqxdh.js";

const NOT_USABLE = "not usable";
const status = document.getElementById("status");
const log = (s) => {
  console.log(`  … ${s}`);
  status.textContent += `\n${s}`;
};

async function main() {
  const quick = new URLSearchParams(location.search).has("quick");
  const config = quick ? QUICK_CONFIG : CONFIG;
  await server.ready(); // and tf.ready()
  const t0 = performance.now();
  const results = {};
  const twofold = makeTwofoldAdapter(tf, server);
  results.twofold = { ...(await runScenarios(twofold, { config, log })), initialForms: twofold.initialForms };
  results.libsignal = NOT_USABLE;
  results.noble = await runScenarios(makeNobleAdapter(), { config, log });
  const out = {
    environment: "browser",
    machine: {
      userAgent: navigator.userAgent,
      hardwareConcurrency: navigator.hardwareConcurrency,
      crossOriginIsolated: globalThis.crossOriginIsolated === true,
    },
    versions: { "twofold-pq": `core ${tf.version()}` },
    config,
    quick,
    seconds: (performance.now() - t0) / 1000,
    results,
    targets: evaluateTargets(results, "browser"),
  };
  document.getElementById("table").textContent = buildReport(results, "browser");
  document.getElementById("results").textContent = JSON.stringify(out, null, 2);
  status.textContent += "\ndone";
  window.__results = out;
}

main().catch((e) => {
  window.__error = String(e?.stack ?? e);
  status.textContent += `\nFAILED: ${window.__error}`;
  console.error(e);
});
