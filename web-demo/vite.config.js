import { defineConfig } from "vite";

export default defineConfig({
  // twofold-pq loads its .wasm with `new URL(..., import.meta.url)`; keep it out of the
  // dependency pre-bundler so that URL keeps pointing at the shipped file.
  optimizeDeps: { exclude: ["twofold-pq", "twofold-pq/server"] },
  build: { target: "es2022", outDir: "dist", emptyOutDir: true },
  server: { host: "127.0.0.1" },
  preview: { host: "127.0.0.1" },
});
