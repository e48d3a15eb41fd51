// The JS half of `make bench` (after `npm ci --prefix bench/js`): twofold-pq side by side with
// @signalapp/libsignal-client (native) and a pure-JS noble reference, first in Node, then in
// headless Chromium. Not part of the test suite.
//
//   node bench/js/run.mjs [--quick] [--node-only | --browser-only] [--json FILE]
//
// The browser half serves the repository root on 127.0.0.1 (scripts/serve.mjs), opens
// /bench/js/browser.html in Debian's Chromium (scripts/browser.mjs) and prints its table.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { buildReport } from "./harness.mjs";
import { parseArgs, runNodeBench } from "./bench-node.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BROWSER_TIMEOUT_MS = 5 * 60 * 1000;

async function runBrowserBench({ quick }) {
  const { serve } = await import("../../scripts/serve.mjs");
  const { launchBrowser, watchErrors } = await import("../../scripts/browser.mjs");
  console.log("== Browser benchmark (headless Chromium) ==");
  const t0 = performance.now();
  const { server, url } = await serve(ROOT, 0);
  let browser;
  try {
    browser = await launchBrowser();
    const page = await browser.context.newPage();
    const errors = watchErrors(page);
    page.on("console", (msg) => {
      if (msg.type() === "log") console.log(msg.text());
    });
    const address = new URL(`bench/js/browser.html${quick ? "?quick" : ""}`, url).href;
    await page.goto(address);
    await page.waitForFunction(() => window.__results || window.__error, null, {
      timeout: BROWSER_TIMEOUT_MS,
      polling: 500,
    });
    const { results, error } = await page.evaluate(() => ({
      results: window.__results,
      error: window.__error,
    }));
    if (error || !results) {
      throw new Error(`browser benchmark failed: ${error ?? "no results"}\n${errors.join("\n")}`);
    }
    if (errors.length) console.log(`page reported errors:\n${errors.join("\n")}`);
    const m = results.machine;
    console.log(`${m.userAgent}`);
    console.log(
      `hardwareConcurrency ${m.hardwareConcurrency}; crossOriginIsolated ${m.crossOriginIsolated}` +
        " (performance.now() is coarsened, so every sample spans many operations)",
    );
    if (quick) console.log("(--quick: few samples, numbers are rough)");
    console.log("");
    console.log(buildReport(results.results, "browser"));
    console.log(`(browser benchmark: ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    return results;
  } finally {
    await browser?.close();
    server.closeAllConnections?.();
    await new Promise((done) => server.close(done));
  }
}

const argv = process.argv.slice(2);
const args = parseArgs(argv);
const nodeOnly = argv.includes("--node-only");
const browserOnly = argv.includes("--browser-only");
const out = {};
try {
  if (!browserOnly) {
    out.node = await runNodeBench({ quick: args.quick });
    console.log("");
  }
  if (!nodeOnly) out.browser = await runBrowserBench({ quick: args.quick });
} catch (e) {
  console.error(e?.stack ?? String(e));
  process.exitCode = 1;
}
if (args.json) writeFileSync(args.json, JSON.stringify(out, null, 2) + "\n");
