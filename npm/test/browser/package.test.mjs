// The package in the browser: a plain page without a bundler, the shared conformance checks
// (vectors, garbage at every entry point), the memory scan, a Web Worker, and an app bundled with Vite (with a
// worker of its own).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { build } from "vite";
import { launchBrowser, watchErrors } from "../../../scripts/browser.mjs";
import { serve } from "../../../scripts/serve.mjs";

const root = fileURLToPath(new URL("../../..", import.meta.url));
let server;
let url;
let browser;

before(async () => {
  ({ server, url } = await serve(root, 0));
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.close();
});

async function resultOf(pageUrl, selector = "#result", timeout = 120_000) {
  const page = await browser.context.newPage();
  const errors = watchErrors(page);
  await page.goto(pageUrl);
  const out = page.locator(selector);
  await out.filter({ hasNotText: /^running$/ }).waitFor({ timeout });
  const text = await out.textContent();
  return { page, text, errors };
}

test("plain <script type=module> page: handshake, reply, coded error", async () => {
  const { page, text, errors } = await resultOf(`${url}npm/test/browser/fixtures/plain.html`);
  assert.equal(text, "plain ok AUTH_FAILED");
  assert.deepEqual(errors, []);
  await page.close();
});

test("conformance in Chromium: vectors give native results, garbage never traps", async () => {
  const { page, text, errors } = await resultOf(`${url}npm/test/browser/fixtures/conformance.html`);
  assert.match(text, /^ok \d+$/, text);
  assert.ok(Number(text.split(" ")[1]) >= 50);
  assert.deepEqual(errors, []);
  await page.close();
});

test("memory scan in Chromium: no secret survives dispose(); the control sees them all while live", async () => {
  const { page, text, errors } = await resultOf(`${url}npm/test/browser/fixtures/memory.html`);
  assert.ok(text.startsWith("{"), text);
  const r = JSON.parse(text);
  assert.ok(r.secrets >= 20, `${r.secrets} secrets`);
  assert.deepEqual(r.survivors, [], "secrets found after dispose()");
  assert.deepEqual(r.lingering, [], "inputs found after the calls returned");
  assert.deepEqual(errors, []);
  await page.close();
});

test("a Web Worker runs sessions off the main thread; termination and failure reject calls", async () => {
  const { page, text, errors } = await resultOf(`${url}npm/test/browser/fixtures/worker.html`);
  // handshake | reply | replay | safety number and QR | after asyncDispose | pending and later
  // calls after terminate() | a call to a worker that failed to load
  assert.equal(text, "from a worker | reply | DUPLICATE_MESSAGE | true | DISPOSED | DISPOSED DISPOSED | DISPOSED");
  // The only error reported is the one the failing worker throws on purpose.
  assert.deepEqual(errors.filter((e) => !/fails on purpose/.test(e)), []);
  await page.close();
});

test("an app bundled with Vite (package by name, plus a worker)", async () => {
  const out = mkdtempSync(join(tmpdir(), "twofold-vite-"));
  try {
    await build({
      root: fileURLToPath(new URL("vite-app/", import.meta.url)),
      logLevel: "warn",
      build: { outDir: out, emptyOutDir: true, target: "es2022" },
      worker: { format: "es" },
    });
    const app = await serve(out, 0);
    try {
      const { page, text, errors } = await resultOf(app.url);
      assert.equal(text, "bundled by vite");
      await page.locator("#worker").filter({ hasNotText: /^running$/ }).waitFor({ timeout: 60_000 });
      assert.equal(await page.locator("#worker").textContent(), "worker in vite");
      assert.deepEqual(errors, []);
      await page.close();
    } finally {
      app.server.close();
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
