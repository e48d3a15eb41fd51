// The tarball is real: npm pack -> install into a fresh project -> the README's quick start
// runs there in Node.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { installPackedPackage } from "../common/tarball.js";

test("npm pack, install the .tgz in a fresh project, run the quick start in Node", (t) => {
  const { dir, app, files, size } = installPackedPackage();
  try {
    t.diagnostic(`tarball ${size} bytes, ${files.length} files: ${files.join(", ")}`);
    for (const f of ["dist/index.js", "dist/node.js", "dist/index.d.ts", "dist/worker.js",
      "dist/server.js", "dist/server-node.js", "dist/server.d.ts", "pkg/twofold_wasm_bg.wasm",
      "pkg/twofold_wasm.js", "pkg-server/twofold_wasm_server_bg.wasm", "pkg-server/twofold_wasm_server.js",
      "README.md", "LICENSE", "CHANGELOG.md", "dist/PROTOCOL.md"]) {
      assert.ok(files.includes(f), `${f} missing from the tarball`);
    }
    // The spec in the package is the repository's, byte for byte.
    assert.equal(
      readFileSync(join(app, "node_modules/twofold-pq/dist/PROTOCOL.md"), "utf8"),
      readFileSync(new URL("../../../docs/PROTOCOL.md", import.meta.url), "utf8"),
    );
    // Where users find the project: package.json names the repository Cargo.toml names.
    const pkg = JSON.parse(readFileSync(join(app, "node_modules/twofold-pq/package.json"), "utf8"));
    const cargo = readFileSync(new URL("../../../Cargo.toml", import.meta.url), "utf8");
    const repo = cargo.match(/^repository = "([^"]+)"/m)?.[1];
    assert.ok(repo, "Cargo.toml names a repository");
    assert.equal(pkg.repository.url, repo);
    assert.equal(pkg.repository.directory, "npm");
    assert.equal(pkg.homepage, `${repo}/blob/main/docs/PROTOCOL.md`, "the homepage is the spec");
    assert.ok(!files.some((f) => f.startsWith("src/") || f.startsWith("test/")), "sources leaked");
    const out = execFileSync("node", ["quickstart.mjs"], { cwd: app, encoding: "utf8" });
    assert.equal(out.trim(), "hi Alice true");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
