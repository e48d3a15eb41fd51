// The README's quick start from the installed tarball, bundled with Vite, in Chromium.
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { build } from "vite";
import { launchBrowser, watchErrors } from "../../../scripts/browser.mjs";
import { serve } from "../../../scripts/serve.mjs";
import { installPackedPackage } from "../common/tarball.js";

test("the quick start from the installed tarball runs in Chromium", async () => {
  const { dir, app } = installPackedPackage();
  const browser = await launchBrowser();
  try {
    writeFileSync(
      join(app, "index.html"),
      '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>quick start</title>' +
        '<link rel="icon" href="data:,"></head><body><script type="module" src="./quickstart.mjs"></script></body></html>',
    );
    await build({ root: app, logLevel: "warn", build: { outDir: join(app, "dist"), target: "es2022" } });
    const { server, url } = await serve(join(app, "dist"), 0);
    try {
      const page = await browser.context.newPage();
      const errors = watchErrors(page);
      const logged = page.waitForEvent("console", { predicate: (m) => m.type() === "log", timeout: 60_000 });
      await page.goto(url);
      assert.equal((await logged).text(), "hi Alice true");
      assert.deepEqual(errors, []);
    } finally {
      server.close();
    }
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
