// The package in the browser: a plain page without a bundler, the shared conformance checks
// (vectors, garbage at every entry point), the memory scan, a Web Worker, an app bundled with
// Vite (with a worker of its own), and twofold-pq/store shared by two pages (issue 14 item 4):
// two pages of one origin are two tabs of the same user, sharing one store in a real IndexedDB.
// They race on one conversation (every page encrypts and receives concurrently, in rounds,
// while Bob answers from Node): the Web Locks serialize the operations across the pages, each
// operation reads the committed state, so no message position is used twice (Bob never sees
// CONFLICTING_MESSAGE), the sessions never desynchronize, and every message decrypts exactly
// once.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { composeBundle } from "twofold-pq/server";
import { MemoryBackend, TwofoldStore } from "twofold-pq/store";
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

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A page of the store fixture: one tab of Alice. */
async function storeTab() {
  const page = await browser.context.newPage();
  const errors = watchErrors(page);
  await page.goto(`${url}npm/test/browser/fixtures/store.html`);
  await page.locator("#result").filter({ hasText: /^ready$/ }).waitFor({ timeout: 60_000 });
  return { page, errors };
}

test("two pages race on one conversation: no key reuse, no desync, every message exactly once", async () => {
  const [a, b] = [await storeTab(), await storeTab()];
  const name = `alice-${Date.now()}`;
  const [infoA, infoB] = await Promise.all([a, b].map((t) => t.page.evaluate((n) => window.tab.open(n), name)));
  assert.equal(infoA.locks, true, "Web Locks available");
  assert.equal(infoA.extractable, false, "the application key is a non-extractable CryptoKey");
  assert.deepEqual(infoA.publicKey, infoB.publicKey, "both pages opened the same identity from IndexedDB");
  const alicePublic = new Uint8Array(infoA.publicKey);

  const bob = await TwofoldStore.open(new MemoryBackend(), { appKey: new Uint8Array(32).fill(6), name: "race-bob" });
  const upload = await bob.upload({ oneTime: 1 });
  const { peer, message } = await a.page.evaluate(
    ([bundle]) => window.tab.initiate(bundle, "hello"),
    [Array.from(composeBundle(upload, 0))],
  );
  const first = await bob.receive(new Uint8Array(message), { initiatorIdentity: alicePublic });
  assert.equal(dec.decode(first.plaintext), "hello");
  const alicePeer = first.peer;

  const ROUNDS = 10;
  const PER_PAGE = 10;
  const bobGot = new Map();
  const aliceGot = new Map();
  for (let r = 0; r < ROUNDS; r++) {
    const incoming = [];
    for (let i = 0; i < 2 * PER_PAGE; i++) {
      incoming.push(Array.from(await bob.encrypt(alicePeer, enc.encode(`b${r}.${i}`))));
    }
    const texts = (p) => Array.from({ length: PER_PAGE }, (_, i) => `${p}${r}.${i}`);
    const results = await Promise.all([
      a.page.evaluate(([p, t, m]) => window.tab.step(p, t, m), [peer, texts("A"), incoming.slice(0, PER_PAGE)]),
      b.page.evaluate(([p, t, m]) => window.tab.step(p, t, m), [peer, texts("B"), incoming.slice(PER_PAGE)]),
    ]);
    for (const { got } of results) {
      for (const g of got) {
        assert.equal(g.error, undefined, `round ${r}: Alice refused one of Bob's messages: ${g.error}`);
        aliceGot.set(g.text, (aliceGot.get(g.text) ?? 0) + 1);
      }
    }
    // Bob receives what both pages sent, interleaved.
    const sent = results[0].sent.flatMap((m, i) => [m, results[1].sent[i]]);
    for (const m of sent) {
      const text = dec.decode((await bob.receive(new Uint8Array(m), { from: alicePeer })).plaintext);
      bobGot.set(text, (bobGot.get(text) ?? 0) + 1);
    }
  }
  assert.equal(bobGot.size, 2 * ROUNDS * PER_PAGE);
  assert.equal(aliceGot.size, 2 * ROUNDS * PER_PAGE);
  assert.ok([...bobGot.values(), ...aliceGot.values()].every((n) => n === 1), "a message decrypted twice");
  // Still in step: a last exchange through the second page.
  const [back] = await b.page.evaluate(([p]) => window.tab.step(p, ["last"], []).then((r) => r.sent), [peer]);
  assert.equal(dec.decode((await bob.receive(new Uint8Array(back))).plaintext), "last");
  const reply = Array.from(await bob.encrypt(alicePeer, enc.encode("bye")));
  assert.equal(await a.page.evaluate((m) => window.tab.receive(m), reply), "bye");
  // Each page heard of the other's commits.
  for (const t of [a, b]) assert.ok((await t.page.evaluate(() => window.tab.notices())) > 0);
  for (const t of [a, b]) {
    assert.deepEqual(t.errors, []);
    await t.page.close();
  }
  await bob.close();
});
