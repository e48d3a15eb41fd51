// Loads the built demo (web-demo/dist) in headless Chromium and checks what it shows.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { launchBrowser, watchErrors } from "../../scripts/browser.mjs";
import { serve } from "../../scripts/serve.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const shots = `${root}screenshots/demo`;
let server;
let url;
let browser;

before(async () => {
  ({ server, url } = await serve(`${root}web-demo/dist`, 0));
  browser = await launchBrowser();
  mkdirSync(shots, { recursive: true });
});

after(async () => {
  await browser?.close();
  server?.close();
});

test("the demo runs a real hybrid handshake and a reply in the browser", async () => {
  const page = await browser.context.newPage();
  const errors = watchErrors(page);
  await page.goto(url);
  const status = page.getByRole("status");
  await status.filter({ hasText: /Handshake complete|Error/ }).waitFor({ timeout: 60_000 });
  await page.screenshot({ path: `${shots}/handshake.png`, fullPage: true });
  assert.match(await status.textContent(), /^Handshake complete in \d+ ms$/);
  const log = await page.getByLabel("handshake log").textContent();
  assert.match(log, /Bob published a bundle of \d+ bytes/);
  assert.match(log, /Bob decrypted: hello Bob/);
  assert.match(log, /Alice decrypted: hello Alice/);
  assert.match(log, /Safety numbers match: true/);
  assert.deepEqual(errors, []);
  await page.close();
});
