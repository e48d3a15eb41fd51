// The package's browser entry in a page without a bundler (<script type="module">).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
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

test("plain <script type=module> page: handshake, reply, coded error", async () => {
  const page = await browser.context.newPage();
  const errors = watchErrors(page);
  await page.goto(`${url}npm/test/browser/fixtures/plain.html`);
  const out = page.locator("#result");
  await out.filter({ hasNotText: "running" }).waitFor({ timeout: 60_000 });
  assert.equal(await out.textContent(), "plain ok AUTH_FAILED");
  assert.deepEqual(errors, []);
  await page.close();
});
