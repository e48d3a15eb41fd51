// The demo's QR code path (src/qr.js over the `qr` package): the 65-byte safety QR payload is
// binary, so the encode/decode round trip must give back exactly the same bytes, including
// bytes that are not valid UTF-8 and payloads that look like digits or text.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { BORDER, decodeQrBytes, qrMatrix, qrSvg, qrVersion } from "../src/qr.js";

const PAYLOAD_BYTES = 65;

/** A module matrix as an RGBA image ({ width, height, data }, the shape of ImageData). */
function rasterise(matrix) {
  const width = matrix.length;
  const data = new Uint8ClampedArray(width * width * 4).fill(255);
  matrix.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (dark) data.fill(0, (y * width + x) * 4, (y * width + x) * 4 + 3);
    }),
  );
  return { width, height: width, data };
}

/** `image` resampled to `size` pixels a side (nearest neighbour) and put at (left, top) of a white canvas. */
function resample(image, size, { canvas = size, left = 0, top = 0 } = {}) {
  const data = new Uint8ClampedArray(canvas * canvas * 4).fill(255);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const from = (Math.floor((y * image.height) / size) * image.width + Math.floor((x * image.width) / size)) * 4;
      data.set(image.data.subarray(from, from + 4), ((top + y) * canvas + left + x) * 4);
    }
  }
  return { width: canvas, height: canvas, data };
}

const payloads = {
  "all zero": new Uint8Array(PAYLOAD_BYTES),
  "all 0xff": new Uint8Array(PAYLOAD_BYTES).fill(0xff),
  "0x00..0x40": Uint8Array.from({ length: PAYLOAD_BYTES }, (_, i) => i),
  "0x80..0xc0 (not UTF-8)": Uint8Array.from({ length: PAYLOAD_BYTES }, (_, i) => 0x80 + i),
  "ASCII digits": new TextEncoder().encode("1".repeat(PAYLOAD_BYTES)),
  "ASCII letters": new TextEncoder().encode("HELLO WORLD ".repeat(6).slice(0, PAYLOAD_BYTES)),
  "UTF-8 lookalike": Uint8Array.from({ length: PAYLOAD_BYTES }, (_, i) => [0xc3, 0xa9, 0xe2, 0x82, 0xac][i % 5]),
};
for (let i = 0; i < 24; i++) payloads[`random ${i + 1}`] = new Uint8Array(randomBytes(PAYLOAD_BYTES));

test("the 65-byte payload is a version 5-M code with a 4-module quiet zone", () => {
  const payload = payloads["random 1"];
  assert.equal(qrVersion(payload), 5);
  assert.equal(BORDER, 4);
  const matrix = qrMatrix(payload);
  assert.equal(matrix.length, 37 + 2 * BORDER);
  assert.ok(matrix.every((row) => row.length === matrix.length));
  assert.ok(matrix[0].every((dark) => !dark), "quiet zone is light");
  assert.match(qrSvg(payload), /^<svg viewBox="0 0 45 45" xmlns="http:\/\/www\.w3\.org\/2000\/svg"><path d="[^"]+"\/><\/svg>$/);
});

test("encode, rasterise, decode: every payload comes back byte for byte", () => {
  for (const [name, payload] of Object.entries(payloads)) {
    const decoded = decodeQrBytes(rasterise(qrMatrix(payload, { scale: 4 })));
    assert.ok(decoded instanceof Uint8Array, name);
    assert.deepEqual(decoded, payload, name);
  }
});

test("a screen-like picture decodes too: uneven module size, code off-centre in a larger image", () => {
  for (const name of ["0x80..0xc0 (not UTF-8)", "random 2", "random 3"]) {
    const payload = payloads[name];
    const image = rasterise(qrMatrix(payload));
    // 45 modules in 150 pixels, as the page shows it, inside a 400-pixel picture.
    const picture = resample(image, 150, { canvas: 400, left: 97, top: 151 });
    assert.deepEqual(decodeQrBytes(picture), payload, name);
  }
});

test("different payloads give different codes, and the decoder tells them apart", () => {
  const a = payloads["random 4"];
  const b = a.slice();
  b[64] ^= 1;
  assert.notDeepEqual(qrMatrix(a), qrMatrix(b));
  assert.deepEqual(decodeQrBytes(rasterise(qrMatrix(b, { scale: 3 }))), b);
});

test("an image without a QR code throws", () => {
  const blank = { width: 200, height: 200, data: new Uint8ClampedArray(200 * 200 * 4).fill(255) };
  assert.throws(() => decodeQrBytes(blank));
});
