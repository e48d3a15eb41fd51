//! A systematic Reed–Solomon erasure code over GF(2^16), for the chunked post-quantum ratchet
//! of wire version 2 (`docs/design/chunked-pq-ratchet.md`, section 4).
//!
//! Not yet used by the protocol: wire version 1 sends whole KEM keys and ciphertexts. The code
//! is complete and tested on its own (field values cross-checked with an independent
//! implementation, and reconstruction from every tried subset of chunks) so that the ratchet
//! that will use it builds on a checked part.
//!
//! An object of `L` bytes is zero-padded to `k · CHUNK_LEN` bytes, `k = ⌈L / CHUNK_LEN⌉`, and
//! read as `k` data chunks `D_0 .. D_{k-1}` of [`SYMBOLS`] big-endian 16-bit symbols. Chunk `t`
//! (any `u16`, read as a field element) is the value at `t` of the polynomial of degree < k
//! through the points `(i, D_i)`, symbol by symbol: `D_t` itself for `t < k` (systematic), a
//! parity chunk otherwise. Any `k` chunks with distinct indices give the object back.
//! Everything here handles public bytes only (keys and ciphertexts travel in clear headers), so
//! nothing needs to be constant-time.
#![cfg_attr(not(test), allow(dead_code))]

mod gf16;

use alloc::vec;
use alloc::vec::Vec;

use gf16::{div, mul};

/// Bytes of one chunk.
pub(crate) const CHUNK_LEN: usize = 34;
/// 16-bit symbols of one chunk.
pub(crate) const SYMBOLS: usize = 17;
const _: () = assert!(2 * SYMBOLS == CHUNK_LEN);

/// The data chunks of an object: `k` chunks of symbols, zero-padded.
fn data_chunks(object: &[u8]) -> Vec<[u16; SYMBOLS]> {
    object
        .chunks(CHUNK_LEN)
        .map(|c| {
            let mut padded = [0u8; CHUNK_LEN];
            for (o, i) in padded.iter_mut().zip(c) {
                *o = *i;
            }
            let mut symbols = [0u16; SYMBOLS];
            for (s, pair) in symbols.iter_mut().zip(padded.chunks_exact(2)) {
                if let [hi, lo] = pair {
                    *s = u16::from_be_bytes([*hi, *lo]);
                }
            }
            symbols
        })
        .collect()
}

fn to_bytes(symbols: &[u16; SYMBOLS]) -> [u8; CHUNK_LEN] {
    let mut out = [0u8; CHUNK_LEN];
    for (pair, s) in out.chunks_exact_mut(2).zip(symbols) {
        pair.copy_from_slice(&s.to_be_bytes());
    }
    out
}

/// Lagrange weights of the points `xs` at `x`: `w_s = Π_{r≠s} (x ⊕ x_r) / (x_s ⊕ x_r)`, so that
/// the polynomial through `(x_s, y_s)` takes the value `Σ w_s · y_s` at `x`. The points must be
/// distinct (callers check); `x` equal to a point gives weight 1 there and 0 elsewhere.
fn weights(xs: &[u16], x: u16) -> Vec<u16> {
    xs.iter()
        .enumerate()
        .map(|(s, &xs_s)| {
            let mut num = 1u16;
            let mut den = 1u16;
            for (r, &xs_r) in xs.iter().enumerate() {
                if r != s {
                    num = mul(num, x ^ xs_r);
                    den = mul(den, xs_s ^ xs_r);
                }
            }
            div(num, den)
        })
        .collect()
}

/// Evaluates, symbol by symbol, the polynomial through `(xs[s], ys[s])` at `x`.
fn evaluate(xs: &[u16], ys: &[[u16; SYMBOLS]], x: u16) -> [u16; SYMBOLS] {
    let w = weights(xs, x);
    let mut out = [0u16; SYMBOLS];
    for (ws, y) in w.iter().zip(ys) {
        for (o, yj) in out.iter_mut().zip(y) {
            *o ^= mul(*ws, *yj);
        }
    }
    out
}

/// The number of chunks `k` of an object of `len` bytes.
pub(crate) fn chunk_count(len: usize) -> usize {
    len.div_ceil(CHUNK_LEN)
}

/// Chunk `t` of `object`. `None` for an empty object or one of more than 65,536 chunks.
pub(crate) fn chunk(object: &[u8], t: u16) -> Option<[u8; CHUNK_LEN]> {
    let data = data_chunks(object);
    if data.is_empty() || data.len() > usize::from(u16::MAX) {
        return None;
    }
    let t_index = usize::from(t);
    if let Some(d) = data.get(t_index) {
        return Some(to_bytes(d));
    }
    let xs: Vec<u16> = (0..data.len())
        .filter_map(|i| u16::try_from(i).ok())
        .collect();
    Some(to_bytes(&evaluate(&xs, &data, t)))
}

/// The `k · CHUNK_LEN` bytes of an object from `k` chunks with distinct indices, or `None` if
/// there are not exactly `k` of them or two share an index. (The caller truncates to the
/// object's length and checks what it got: a chunk the sender made up decodes to a different
/// object, which only a commitment to the object can detect.)
pub(crate) fn decode(k: usize, chunks: &[(u16, [u8; CHUNK_LEN])]) -> Option<Vec<u8>> {
    if k == 0 || chunks.len() != k || k > usize::from(u16::MAX) {
        return None;
    }
    let xs: Vec<u16> = chunks.iter().map(|(t, _)| *t).collect();
    for (s, a) in xs.iter().enumerate() {
        if xs.iter().skip(s.saturating_add(1)).any(|b| b == a) {
            return None;
        }
    }
    let ys: Vec<[u16; SYMBOLS]> = chunks
        .iter()
        .filter_map(|(_, c)| data_chunks(c).into_iter().next())
        .collect();
    let mut out = vec![0u8; k.saturating_mul(CHUNK_LEN)];
    for (i, slot) in out.chunks_exact_mut(CHUNK_LEN).enumerate() {
        let i = u16::try_from(i).ok()?;
        let d = match xs.iter().position(|t| *t == i) {
            Some(p) => *ys.get(p)?,
            None => evaluate(&xs, &ys, i),
        };
        slot.copy_from_slice(&to_bytes(&d));
    }
    Some(out)
}

#[cfg(test)]
#[allow(
    clippy::arithmetic_side_effects,
    clippy::integer_division_remainder_used,
    clippy::cast_possible_truncation
)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// The published small vector (design note, section 4.2; cross-checked with pyfinite).
    #[test]
    fn small_vector() {
        let obj: Vec<u8> = (0u8..68).collect();
        assert_eq!(chunk_count(obj.len()), 2);
        assert_eq!(chunk(&obj, 0).unwrap()[..], obj[..34]);
        assert_eq!(chunk(&obj, 1).unwrap()[..], obj[34..]);
        for (t, want) in [
            (
                2u16,
                "44454e4f40415a5b4c4d46474849727354555e5f50514a4b5c5d56575859a2a3e4e5",
            ),
            (
                3,
                "66676869626374756e6f60616a6b4c4d76777879727364657e7f70717a7bfcfd8687",
            ),
            (
                65535,
                "c13fda81c53bedfdc937d289cd338305d12fca91d52bfdedd927c299dd23d53e6ad4",
            ),
        ] {
            assert_eq!(chunk(&obj, t).unwrap().to_vec(), hex(want), "chunk {t}");
        }
    }

    /// Objects the size of an ML-KEM-768 key and ciphertext come back from many subsets of k
    /// chunks: all data, all parity, mixed, out of order.
    #[test]
    fn any_k_distinct_chunks_reconstruct() {
        for len in [1184usize, 1088, 35, 34, 1] {
            let obj: Vec<u8> = (0..len)
                .map(|i| u8::try_from((i * 131 + 7) % 251).unwrap())
                .collect();
            let k = chunk_count(len);
            let mut padded = obj.clone();
            padded.resize(k * CHUNK_LEN, 0);
            let subsets: [Vec<u16>; 4] = [
                (0..k as u16).collect(),
                (k as u16..2 * k as u16).collect(),
                (0..k as u16)
                    .map(|i| if i % 2 == 0 { i } else { 60_000 + i })
                    .rev()
                    .collect(),
                (0..k as u16).map(|i| 65_535 - 3 * i).collect(),
            ];
            for ts in &subsets {
                let chunks: Vec<(u16, [u8; CHUNK_LEN])> =
                    ts.iter().map(|&t| (t, chunk(&obj, t).unwrap())).collect();
                assert_eq!(
                    decode(k, &chunks).unwrap(),
                    padded,
                    "len {len}, indices {ts:?}"
                );
            }
        }
    }

    #[test]
    fn decode_refuses_wrong_counts_and_repeated_indices() {
        let obj = [7u8; 100];
        let k = chunk_count(obj.len());
        let c = |t| (t, chunk(&obj, t).unwrap());
        assert!(decode(k, &[c(0), c(1)]).is_none());
        assert!(decode(k, &[c(0), c(1), c(1)]).is_none());
        assert!(decode(k, &[c(5), c(9), c(700)]).is_some());
        assert!(chunk(&[], 0).is_none());
    }
}
