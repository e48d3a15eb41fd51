// Checks the demo's QR encoder against published values of ISO/IEC 18004 and against an
// independent reader written here (function patterns, zigzag order, masks, block layout and
// Reed-Solomon syndromes re-derived from the standard, not shared with the encoder).
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  alignmentPositions,
  dataCodewords,
  encodeBytes,
  formatBits,
  reedSolomonDivisor,
  reedSolomonRemainder,
  toSvg,
  versionBits,
} from "../src/qr.js";

test("data capacities match the standard's table for versions 1-10", () => {
  // ISO/IEC 18004 table 7: data codewords per version and level.
  const table = {
    L: [19, 34, 55, 80, 108, 136, 156, 194, 232, 274],
    M: [16, 28, 44, 64, 86, 108, 124, 154, 182, 216],
    Q: [13, 22, 34, 48, 62, 76, 88, 110, 132, 154],
    H: [9, 16, 26, 36, 46, 60, 66, 86, 100, 122],
  };
  for (const [ecc, row] of Object.entries(table)) {
    row.forEach((n, i) => assert.equal(dataCodewords(i + 1, ecc), n, `version ${i + 1}-${ecc}`));
  }
});

test("format and version information match published values", () => {
  assert.equal(formatBits("L", 0).toString(2).padStart(15, "0"), "111011111000100");
  assert.equal(formatBits("M", 0).toString(2).padStart(15, "0"), "101010000010010");
  assert.equal(formatBits("Q", 0).toString(2).padStart(15, "0"), "011010101011111");
  assert.equal(formatBits("H", 0).toString(2).padStart(15, "0"), "001011010001001");
  assert.equal(versionBits(7).toString(2).padStart(18, "0"), "000111110010010100");
  assert.deepEqual(alignmentPositions(5), [6, 30]);
  assert.deepEqual(alignmentPositions(7), [6, 22, 38]);
  assert.deepEqual(alignmentPositions(10), [6, 28, 50]);
});

test("Reed-Solomon codewords of the classic HELLO WORLD 1-M example", () => {
  const data = [32, 91, 11, 120, 209, 114, 220, 77, 67, 64, 236, 17, 236, 17, 236, 17];
  const ecc = reedSolomonRemainder(data, reedSolomonDivisor(10));
  assert.deepEqual(ecc, [196, 35, 39, 119, 235, 215, 231, 226, 93, 23]);
  assert.deepEqual(syndromes([...data, ...ecc], 10), new Array(10).fill(0));
});

// ---- an independent reader ----

const EXP = new Array(512);
const LOG = new Array(256);
{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = x;
    LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
  for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255];
}
const mul = (a, b) => (a === 0 || b === 0 ? 0 : EXP[LOG[a] + LOG[b]]);

/** Syndromes S_i = c(alpha^i), i < eccLen; all zero for a valid codeword. */
function syndromes(codeword, eccLen) {
  const out = [];
  for (let i = 0; i < eccLen; i++) {
    let s = 0;
    for (const c of codeword) s = mul(s, EXP[i]) ^ c;
    out.push(s);
  }
  return out;
}

const STANDARD_MASKS = [
  (i, j) => (i + j) % 2 === 0,
  (i) => i % 2 === 0,
  (_i, j) => j % 3 === 0,
  (i, j) => (i + j) % 3 === 0,
  (i, j) => (Math.floor(i / 2) + Math.floor(j / 3)) % 2 === 0,
  (i, j) => ((i * j) % 2) + ((i * j) % 3) === 0,
  (i, j) => (((i * j) % 2) + ((i * j) % 3)) % 2 === 0,
  (i, j) => (((i * j) % 3) + ((i + j) % 2)) % 2 === 0,
]; // (i = row, j = column), as written in the standard

/** Reads a byte-mode QR code; `layout` gives the block structure for its version and level. */
function readQr(m, { version, alignment, blocks }) {
  const n = m.length;
  assert.equal(n, 17 + 4 * version);
  const reserved = Array.from({ length: n }, () => new Array(n).fill(false));
  const mark = (r0, c0, h, w) => {
    for (let r = r0; r < r0 + h; r++) for (let c = c0; c < c0 + w; c++) reserved[r][c] = true;
  };
  mark(0, 0, 9, 9);
  mark(0, n - 8, 9, 8);
  mark(n - 8, 0, 8, 9);
  mark(6, 0, 1, n);
  mark(0, 6, n, 1);
  for (const r of alignment) {
    for (const c of alignment) {
      if ((r === 6 && c === 6) || (r === 6 && c === n - 7) || (r === n - 7 && c === 6)) continue;
      mark(r - 2, c - 2, 5, 5);
    }
  }
  if (version >= 7) {
    mark(0, n - 11, 6, 3);
    mark(n - 11, 0, 3, 6);
  }
  // Finder patterns and the dark module.
  for (const [r0, c0] of [
    [0, 0],
    [0, n - 7],
    [n - 7, 0],
  ]) {
    for (let r = 0; r < 7; r++) {
      for (let c = 0; c < 7; c++) {
        const ring = Math.max(Math.abs(r - 3), Math.abs(c - 3));
        assert.equal(m[r0 + r][c0 + c], ring !== 2, `finder at ${r0},${c0}`);
      }
    }
  }
  assert.equal(m[n - 8][8], true, "dark module");
  for (let k = 8; k < n - 8; k++) assert.equal(m[6][k], k % 2 === 0, "timing row");

  // Format information: copy 1 around the top-left finder, bit 14 first.
  const copy1 = [
    [8, 0], [8, 1], [8, 2], [8, 3], [8, 4], [8, 5], [8, 7], [8, 8],
    [7, 8], [5, 8], [4, 8], [3, 8], [2, 8], [1, 8], [0, 8],
  ];
  // Copy 2: below the top-right finder... read as column 8 bottom-up then row 8 right part.
  const copy2 = [
    [n - 1, 8], [n - 2, 8], [n - 3, 8], [n - 4, 8], [n - 5, 8], [n - 6, 8], [n - 7, 8],
    [8, n - 8], [8, n - 7], [8, n - 6], [8, n - 5], [8, n - 4], [8, n - 3], [8, n - 2], [8, n - 1],
  ];
  const readBits = (cells) => cells.reduce((acc, [r, c]) => (acc << 1) | (m[r][c] ? 1 : 0), 0);
  const f1 = readBits(copy1);
  assert.equal(readBits(copy2), f1, "both format copies agree");
  const format = f1 ^ 0x5412;
  const eccLevel = ["M", "L", "H", "Q"][format >> 13];
  const maskId = (format >> 10) & 7;

  // Data modules in zigzag order, unmasked.
  const bits = [];
  let upward = true;
  for (let right = n - 1; right > 0; right -= 2) {
    if (right === 6) right = 5;
    for (let k = 0; k < n; k++) {
      const r = upward ? n - 1 - k : k;
      for (const c of [right, right - 1]) {
        if (reserved[r][c]) continue;
        bits.push(m[r][c] !== STANDARD_MASKS[maskId](r, c) ? 1 : 0);
      }
    }
    upward = !upward;
  }
  const codewords = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) {
    codewords.push(bits.slice(i, i + 8).reduce((a, b) => (a << 1) | b, 0));
  }

  // De-interleave: data codewords round-robin over blocks, then ECC codewords.
  const { count, dataLen, eccLen } = blocks;
  const data = Array.from({ length: count }, () => []);
  const ecc = Array.from({ length: count }, () => []);
  let p = 0;
  for (let i = 0; i < dataLen; i++) for (let b = 0; b < count; b++) data[b].push(codewords[p++]);
  for (let i = 0; i < eccLen; i++) for (let b = 0; b < count; b++) ecc[b].push(codewords[p++]);
  for (let b = 0; b < count; b++) {
    assert.deepEqual(syndromes([...data[b], ...ecc[b]], eccLen), new Array(eccLen).fill(0));
  }

  // Byte-mode segment.
  const stream = data.flat();
  const bitAt = (i) => (stream[i >> 3] >> (7 - (i & 7))) & 1;
  const readN = (pos, len) => {
    let v = 0;
    for (let i = 0; i < len; i++) v = (v << 1) | bitAt(pos + i);
    return v;
  };
  assert.equal(readN(0, 4), 0b0100, "byte mode");
  const length = readN(4, 8);
  const payload = [];
  for (let i = 0; i < length; i++) payload.push(readN(12 + 8 * i, 8));
  return { eccLevel, maskId, payload };
}

test("a 65-byte safety payload becomes a valid version 5-M code", () => {
  const payload = Array.from({ length: 65 }, (_, i) => (i * 73 + 11) & 0xff);
  const qr = encodeBytes(Uint8Array.from(payload), { ecc: "M" });
  assert.equal(qr.version, 5);
  assert.equal(qr.size, 37);
  const read = readQr(qr.modules, {
    version: 5,
    alignment: [6, 30],
    blocks: { count: 2, dataLen: 43, eccLen: 24 },
  });
  assert.equal(read.eccLevel, "M");
  assert.equal(read.maskId, qr.mask);
  assert.deepEqual(read.payload, payload);
});

test("every mask reads back, and version 7 carries version information", () => {
  const payload = Array.from({ length: 65 }, (_, i) => (255 - i * 7) & 0xff);
  for (let mask = 0; mask < 8; mask++) {
    const qr = encodeBytes(Uint8Array.from(payload), { ecc: "L", minVersion: 7, mask });
    assert.equal(qr.version, 7);
    const read = readQr(qr.modules, {
      version: 7,
      alignment: [6, 22, 38],
      blocks: { count: 2, dataLen: 78, eccLen: 20 },
    });
    assert.deepEqual([read.eccLevel, read.maskId], ["L", mask]);
    assert.deepEqual(read.payload, payload);
    // Version information block (bottom-left copy): bit i at row n-11+i%3, column floor(i/3).
    const n = qr.size;
    let v = 0;
    for (let i = 17; i >= 0; i--) v = (v << 1) | (qr.modules[n - 11 + (i % 3)][Math.floor(i / 3)] ? 1 : 0);
    assert.equal(v, 0x07c94);
  }
});

test("SVG output has a quiet zone and an accessible name", () => {
  const qr = encodeBytes(new Uint8Array(65), { ecc: "M" });
  const svg = toSvg(qr, { label: "Alice's safety code" });
  assert.match(svg, /viewBox="0 0 45 45"/);
  assert.match(svg, /role="img" aria-label="Alice&#39;s safety code"|aria-label="Alice's safety code"/);
});
