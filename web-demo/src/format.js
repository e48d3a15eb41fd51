// Small formatting and byte helpers shared by the demo modules.

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const utf8 = (text) => encoder.encode(text);
export const fromUtf8 = (bytes) => decoder.decode(bytes);

export function toHex(bytes) {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

export function fromHex(hex) {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** "0104 0103 5f3a 9c…e21f": the first and last bytes, grouped, for a glance at ciphertext. */
export function hexPreview(bytes, head = 12, tail = 4) {
  const group = (hex) => hex.match(/.{1,4}/g)?.join(" ") ?? "";
  if (bytes.length <= head + tail) return group(toHex(bytes));
  return `${group(toHex(bytes.subarray(0, head)))} … ${group(toHex(bytes.subarray(bytes.length - tail)))}`;
}

const number = new Intl.NumberFormat("en-US");

export const fmtBytes = (n) => `${number.format(n)} B`;
export const fmtInt = (n) => number.format(n);

export function fmtMs(ms) {
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  return `${Math.round(ms)} ms`;
}

/** Runs `fn` and returns [result, milliseconds it took in this browser]. */
export function timed(fn) {
  const t0 = performance.now();
  const value = fn();
  return [value, performance.now() - t0];
}

/** Awaits `fn()` and returns [result, milliseconds it took in this browser]. */
export async function timedAsync(fn) {
  const t0 = performance.now();
  const value = await fn();
  return [value, performance.now() - t0];
}

export const nowSeconds = () => Date.now() / 1000;

/** "12 s ago", "5 min ago", "3 h ago", "2 days ago": a coarse age in seconds. */
export function fmtAge(seconds) {
  if (seconds < 60) return `${Math.floor(seconds)} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  const days = Math.floor(seconds / 86400);
  return `${number.format(days)} day${days === 1 ? "" : "s"} ago`;
}
