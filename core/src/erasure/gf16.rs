//! GF(2^16) = GF(2)[x] / (x^16 + x^12 + x^3 + x + 1), the polynomial `0x1100B`.
//!
//! Elements are `u16`s (bit `i` is the coefficient of `x^i`); addition is XOR. The field works
//! on public bytes only, so a bit-serial multiplication without tables is enough.

/// `x^16` reduced: `x^12 + x^3 + x + 1`.
const REDUCTION: u16 = 0x100B;

/// The product of two elements.
pub(super) fn mul(a: u16, b: u16) -> u16 {
    let mut acc = 0u16;
    let mut a = a;
    for i in 0..16u32 {
        if (b.wrapping_shr(i)) & 1 == 1 {
            acc ^= a;
        }
        let carry = a & 0x8000 != 0;
        a = a.wrapping_shl(1);
        if carry {
            a ^= REDUCTION;
        }
    }
    acc
}

/// The inverse of a non-zero element, `a^(2^16 - 2)`; 0 for 0 (callers divide only by
/// products of differences of distinct points, which are never 0).
pub(super) fn inv(a: u16) -> u16 {
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

/// `a / b`.
pub(super) fn div(a: u16, b: u16) -> u16 {
    mul(a, inv(b))
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
