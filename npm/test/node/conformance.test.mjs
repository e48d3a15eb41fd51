// The shared conformance checks (vectors through the npm API, garbage at every entry point)
// in Node; npm/test/browser/conformance.test.mjs runs the same module in Chromium.
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import * as client from "twofold-pq";
import * as server from "twofold-pq/server";
import { conformance } from "../common/conformance.js";

const root = new URL("../../../vectors/", import.meta.url);

test("vectors and garbage inputs through the npm API in Node", async () => {
  const checks = await conformance({ ...client, ...server }, async (path) =>
    JSON.parse(await readFile(new URL(path, root), "utf8")),
  );
  if (checks < 50) throw new Error(`only ${checks} checks ran`);
});
