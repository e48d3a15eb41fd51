// QR codes of the safety number, encoded and decoded with Paul Miller's `qr` package.
//
// The payload is 65 raw bytes. The library's text API would turn them into UTF-8 (and bytes
// above 0x7f into two), so both directions go through byte mode with a one-to-one mapping:
// each byte is one character of code 0-255 ("binary string").

import { encodeQR } from "qr";
import { decodeQR } from "qr/decode.js";

/** Error correction: "medium" recovers about 15% of the symbol (version 5-M for 65 bytes). */
export const ECC = "medium";
/** The quiet zone around the symbol, in modules (ISO/IEC 18004 asks for 4). */
export const BORDER = 4;
/** Photos are scaled down to at most this many pixels a side before decoding. */
const MAX_SIDE = 2048;

const toBinaryString = (bytes) => String.fromCharCode(...bytes);

function fromBinaryString(text) {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) throw new RangeError("not a binary string");
    out[i] = c;
  }
  return out;
}

const encode = (bytes, output, opts = {}) =>
  encodeQR(toBinaryString(bytes), output, {
    ecc: ECC,
    encoding: "byte",
    textEncoder: fromBinaryString,
    border: BORDER,
    ...opts,
  });

/** The QR code of `bytes` as an SVG string (one unit per module, quiet zone included). */
export const qrSvg = (bytes) => encode(bytes, "svg");

/** The QR code of `bytes` as rows of booleans (true: dark), `scale` pixels per module. */
export const qrMatrix = (bytes, { scale = 1 } = {}) => encode(bytes, "raw", { scale });

/** The QR code of `bytes` as a GIF file (a Uint8Array), `scale` pixels per module. */
export const qrGif = (bytes, { scale = 4 } = {}) => encode(bytes, "gif", { scale });

/** The QR version (1-40) the encoder picks for `bytes`. */
export const qrVersion = (bytes) => (qrMatrix(bytes).length - 2 * BORDER - 17) / 4;

/**
 * The bytes of the QR code in an RGBA image: { width, height, data }, such as a canvas's
 * ImageData. Throws when the image holds no readable QR code.
 */
export function decodeQrBytes(image) {
  const text = decodeQR(image, {
    // A still image, not a camera frame: try every retry rather than stop after 16 ms.
    effort: Infinity,
    timeLimit: Infinity,
    textDecoder: toBinaryString, // byte segments as they are, whatever ECI they claim
  });
  return fromBinaryString(text);
}

/** The bytes of the QR code in an image file (a photo, a screenshot). Browsers only. */
export async function decodeQrImageFile(file) {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  return decodeQrBytes(ctx.getImageData(0, 0, width, height));
}
