//! GF(2^16) = GF(2)[x] / (x^16 + x^12 + x^3 + x + 1), the polynomial `0x1100B`.
//!
//! Elements are `u16`s (bit `i` is the coefficient of `x^i`); addition is XOR. The field works
//! on public bytes only, so a bit-serial multiplication without tables is enough.

/// `x^16` reduced: `x^12 + x^3 + x + 1`.
const REDUCTION: u16 = 0x100B;

/// The product of two elements (a `const fn`, so weight tables can be computed at compile
/// time).
pub(super) const fn mul(a: u16, b: u16) -> u16 {
    let mut acc = 0u16;
    let mut a = a;
    let mut i = 0u32;
    while i < 16 {
        if (b.wrapping_shr(i)) & 1 == 1 {
            acc ^= a;
        }
        let carry = a & 0x8000 != 0;
        a = a.wrapping_shl(1);
        if carry {
            a ^= REDUCTION;
        }
        i = i.wrapping_add(1);
    }
    acc
}

/// The inverse of a non-zero element, `a^(2^16 - 2)`; 0 for 0 (callers divide only by
/// products of differences of distinct points, which are never 0).
pub(super) const fn inv(a: u16) -> u16 {
    // 65534 = 0b1111_1111_1111_1110: square-and-multiply.
    let mut result = 1u16;
    let mut base = a;
    let mut e: u32 = 65_534;
    while e > 0 {
        if e & 1 == 1 {
            result = mul(result, base);
        }
        base = mul(base, base);
        e = e.wrapping_shr(1);
    }
    result
}

/// Replaces every element of `values` (all non-zero) by its inverse with one inversion and
/// `3 (n - 1)` multiplications (Montgomery's trick).
pub(super) fn invert_all(values: &mut [u16]) {
    let mut prefix = alloc::vec::Vec::with_capacity(values.len());
    let mut acc = 1u16;
    for v in values.iter() {
        prefix.push(acc);
        acc = mul(acc, *v);
    }
    let mut inv_acc = inv(acc);
    for (v, before) in values.iter_mut().zip(prefix).rev() {
        let inverse = mul(inv_acc, before);
        inv_acc = mul(inv_acc, *v);
        *v = inverse;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Published test values (design note, section 4.1; pyfinite 1.9.1, `FField(16, gen=0x1100B)`).
    #[test]
    fn products_and_inverses_match_the_reference() {
        for (a, b, p) in [
            (0x0002, 0x8000, 0x100B),
            (0x0100, 0x0100, 0x100B),
            (0x1234, 0x5678, 0x6324),
            (0x00FF, 0xFF00, 0x5770),
            (0xFFFF, 0xFFFF, 0x0733),
        ] {
            assert_eq!(mul(a, b), p, "{a:04x} * {b:04x}");
            assert_eq!(mul(b, a), p);
        }
        for (a, i) in [
            (0x0002, 0x8805),
            (0x8000, 0x345D),
            (0x1234, 0x2CE9),
            (0xFFFF, 0x0894),
        ] {
            assert_eq!(inv(a), i, "inverse of {a:04x}");
        }
    }

    #[test]
    fn batch_inversion_matches_single_inversions() {
        let mut v: alloc::vec::Vec<u16> = (1..=300u16).map(|i| i.wrapping_mul(2_654)).collect();
        let want: alloc::vec::Vec<u16> = v.iter().map(|a| inv(*a)).collect();
        invert_all(&mut v);
        assert_eq!(v, want);
    }

    #[test]
    fn two_generates_the_multiplicative_group_and_every_inverse_inverts() {
        let mut x = 1u16;
        for n in 1..=65_535u32 {
            x = mul(x, 2);
            assert_eq!(x == 1, n == 65_535, "order of 2 at step {n}");
        }
        for a in 1..=u16::MAX {
            assert_eq!(mul(a, inv(a)), 1, "{a:04x}");
        }
    }
}
