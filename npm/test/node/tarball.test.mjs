// The tarball is real: npm pack -> install into a fresh project -> the README's quick start
// runs there in Node.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { test } from "node:test";
import { installPackedPackage } from "../common/tarball.js";

test("npm pack, install the .tgz in a fresh project, run the quick start in Node", (t) => {
  const { dir, app, files, size } = installPackedPackage();
  try {
    t.diagnostic(`tarball ${size} bytes, ${files.length} files: ${files.join(", ")}`);
    for (const f of ["dist/index.js", "dist/node.js", "dist/index.d.ts", "dist/worker.js",
      "dist/server.js", "dist/server-node.js", "dist/server.d.ts", "pkg/twofold_wasm_bg.wasm",
      "pkg/twofold_wasm.js", "pkg-server/twofold_wasm_server_bg.wasm", "pkg-server/twofold_wasm_server.js",
      "README.md", "LICENSE", "CHANGELOG.md"]) {
      assert.ok(files.includes(f), `${f} missing from the tarball`);
    }
    assert.ok(!files.some((f) => f.startsWith("src/") || f.startsWith("test/")), "sources leaked");
    const out = execFileSync("node", ["quickstart.mjs"], { cwd: app, encoding: "utf8" });
    assert.equal(out.trim(), "hi Alice true");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
