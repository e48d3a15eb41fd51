//! A systematic Reed–Solomon erasure code over GF(2^16), for the chunked post-quantum ratchet
//! of wire version 2 (`docs/design/chunked-pq-ratchet.md`, section 4).
//!
//! The PQ ratchet (`ratchet::pq`) sends its key and ciphertext objects through it. Field values
//! are cross-checked with an independent implementation, and reconstruction with many subsets
//! of chunks.
//!
//! An object of `L` bytes is zero-padded to `k · CHUNK_LEN` bytes, `k = ⌈L / CHUNK_LEN⌉`, and
//! read as `k` data chunks `D_0 .. D_{k-1}` of [`SYMBOLS`] big-endian 16-bit symbols. Chunk `t`
//! (any `u16`, read as a field element) is the value at `t` of the polynomial of degree < k
//! through the points `(i, D_i)`, symbol by symbol: `D_t` itself for `t < k` (systematic), a
//! parity chunk otherwise. Any `k` chunks with distinct indices give the object back.
//! Everything here handles public bytes only (keys and ciphertexts travel in clear headers), so
//! nothing needs to be constant-time.

mod gf16;

use alloc::vec;
use alloc::vec::Vec;

use gf16::{inv, invert_all, mul};

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

/// The barycentric weights of the points `xs`: `w_s = 1 / Π_{r≠s} (x_s ⊕ x_r)`. The points
/// must be distinct (callers check).
fn point_weights(xs: &[u16]) -> Vec<u16> {
    let mut w: Vec<u16> = xs
        .iter()
        .enumerate()
        .map(|(s, &xs_s)| {
            xs.iter()
                .enumerate()
                .filter(|(r, _)| *r != s)
                .fold(1u16, |acc, (_, &xs_r)| mul(acc, xs_s ^ xs_r))
        })
        .collect();
    invert_all(&mut w);
    w
}

/// The barycentric weights of the data points `0 .. K`, computed at compile time: the
/// encoder's table for an object of `K` chunks.
// `s < K` and `r < K` by the loop conditions (indexing cannot fail), and the tables in use
// have K <= 36 (the casts cannot truncate); both are evaluated at compile time.
#[allow(clippy::indexing_slicing, clippy::cast_possible_truncation)]
pub(crate) const fn data_weights<const K: usize>() -> [u16; K] {
    let mut out = [0u16; K];
    let mut s = 0usize;
    while s < K {
        let mut den = 1u16;
        let mut r = 0usize;
        while r < K {
            if r != s {
                den = mul(den, (s as u16) ^ (r as u16));
            }
            r = r.wrapping_add(1);
        }
        out[s] = inv(den);
        s = s.wrapping_add(1);
    }
    out
}

/// Evaluates, symbol by symbol, the polynomial through `(xs[s], ys[s])` at `x` not among the
/// points: `Σ_s ys[s] · w_s · ℓ(x) / (x ⊕ x_s)` with `ℓ(x) = Π_r (x ⊕ x_r)` (barycentric form).
fn evaluate(xs: &[u16], w: &[u16], ys: &[[u16; SYMBOLS]], x: u16) -> [u16; SYMBOLS] {
    let ell = xs.iter().fold(1u16, |acc, &xr| mul(acc, x ^ xr));
    let mut d: Vec<u16> = xs.iter().map(|&xs_s| x ^ xs_s).collect();
    invert_all(&mut d);
    let mut out = [0u16; SYMBOLS];
    for ((ws, ds), y) in w.iter().zip(&d).zip(ys) {
        let l = mul(ell, mul(*ws, *ds));
        for (o, yj) in out.iter_mut().zip(y) {
            *o ^= mul(l, *yj);
        }
    }
    out
}

/// The number of chunks `k` of an object of `len` bytes.
#[cfg(test)]
pub(crate) fn chunk_count(len: usize) -> usize {
    len.div_ceil(CHUNK_LEN)
}

/// Chunk `t` of `object`. `None` for an empty object or one of more than 65,535 chunks.
#[cfg(any(test, twofold_trace))]
pub(crate) fn chunk(object: &[u8], t: u16) -> Option<[u8; CHUNK_LEN]> {
    let data = data_chunks(object);
    if data.is_empty() || data.len() > usize::from(u16::MAX) {
        return None;
    }
    let xs: Vec<u16> = (0..data.len())
        .filter_map(|i| u16::try_from(i).ok())
        .collect();
    Some(chunk_of_data(&data, &point_weights(&xs), t))
}

/// Chunk `t` of a fixed-size object of `K` chunks (1 to 65,535, checked at compile time),
/// with the encoder's weight table `weights = data_weights::<K>()`.
pub(crate) fn chunk_fixed<const N: usize, const K: usize>(
    object: &[u8; N],
    weights: &[u16; K],
    t: u16,
) -> [u8; CHUNK_LEN] {
    const { assert!(K > 0 && K <= 65_535 && N == K * CHUNK_LEN) };
    chunk_of_data(&data_chunks(object), weights, t)
}

fn chunk_of_data(data: &[[u16; SYMBOLS]], weights: &[u16], t: u16) -> [u8; CHUNK_LEN] {
    if let Some(d) = data.get(usize::from(t)) {
        return to_bytes(d);
    }
    let xs: Vec<u16> = (0..data.len())
        .filter_map(|i| u16::try_from(i).ok())
        .collect();
    to_bytes(&evaluate(&xs, weights, data, t))
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
    let w = point_weights(&xs);
    let mut out = vec![0u8; k.saturating_mul(CHUNK_LEN)];
    for (i, slot) in out.chunks_exact_mut(CHUNK_LEN).enumerate() {
        let i = u16::try_from(i).ok()?;
        let d = match xs.iter().position(|t| *t == i) {
            Some(p) => *ys.get(p)?,
            None => evaluate(&xs, &w, &ys, i),
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
    fn compile_time_weights_match_the_runtime_ones() {
        let xs: Vec<u16> = (0..36).collect();
        assert_eq!(data_weights::<36>().to_vec(), point_weights(&xs));
        let obj: Vec<u8> = (0..36 * CHUNK_LEN).map(|i| (i * 7 % 256) as u8).collect();
        let arr: [u8; 36 * CHUNK_LEN] = obj.clone().try_into().unwrap();
        for t in [0u16, 35, 36, 1000, 65_535] {
            assert_eq!(
                chunk_fixed(&arr, &data_weights::<36>(), t),
                chunk(&obj, t).unwrap()
            );
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
