// Packs the package with `npm pack`, installs the .tgz into a fresh temporary project (no
// network: the package has no dependencies), and writes the README's quick start there.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const npmDir = fileURLToPath(new URL("../..", import.meta.url));

/** The first ```js block under "## Quick start" in npm/README.md. */
export function quickStart() {
  const readme = readFileSync(join(npmDir, "README.md"), "utf8");
  const section = readme.split("## Quick start")[1] ?? "";
  const code = section.match(/```js\n([\s\S]*?)```/)?.[1];
  if (!code) throw new Error("no quick start in npm/README.md");
  return code;
}

/** Returns { dir, tarball, files } of a fresh project with the packed package installed. */
export function installPackedPackage() {
  const dir = mkdtempSync(join(tmpdir(), "twofold-tarball-"));
  const packDir = join(dir, "pack");
  mkdirSync(packDir);
  const out = execFileSync("npm", ["pack", "--json", "--pack-destination", packDir], {
    cwd: npmDir,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  const info = JSON.parse(out)[0];
  const tarball = join(packDir, readdirSync(packDir).find((f) => f.endsWith(".tgz")));
  const app = join(dir, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", "--loglevel=error", tarball], {
    cwd: app,
    stdio: ["ignore", "pipe", "pipe"],
  });
  writeFileSync(join(app, "quickstart.mjs"), quickStart());
  return { dir, app, tarball, files: info.files.map((f) => f.path), size: info.size };
}
