//! Symmetric chains: `MK = HMAC(CK, 0x01)`, `CK' = HMAC(CK, 0x02)`.
//!
//! Spec: `docs/PROTOCOL.md`, section 6.2. [`ChainKey`] derives without changing itself, so a
//! staged walk along a chain leaves the committed state untouched; [`walk`] and [`skip`] do
//! that walk without ever copying a chain key.

use alloc::vec::Vec;

use crate::kdf;
use crate::keys::role_secret;
use crate::labels;

use super::message_key::MessageKey;

role_secret!(
    /// A sending or receiving chain key.
    ChainKey
);

impl ChainKey {
    /// The message key at this position of the chain.
    pub(crate) fn message_key(&self) -> MessageKey {
        let mut mk = kdf::hmac(self.as_bytes(), &[labels::KDF_CHAIN_MESSAGE]);
        MessageKey::take(&mut mk)
    }

    /// The chain key of the next position.
    pub(crate) fn next(&self) -> ChainKey {
        let mut ck = kdf::hmac(self.as_bytes(), &[labels::KDF_CHAIN_NEXT]);
        ChainKey::take(&mut ck)
    }
}

/// The keys derived by walking a chain from index `from` to index `to`.
pub(crate) struct Walk {
    /// The message keys of `from..to`, to keep as skipped keys.
    pub(crate) skipped: Vec<(u32, MessageKey)>,
    /// The message key of `to`.
    pub(crate) message_key: MessageKey,
    /// The chain key of `to + 1`.
    pub(crate) next: ChainKey,
}

/// Derives the message keys of `from..to` from `start` (the chain key at `from`), calling
/// `each` with every `(index, chain key, message key)`; returns them with the chain key at
/// `to` (`None` when `from == to`: it is `start`). No chain key is ever copied.
fn advance(
    start: &ChainKey,
    from: u32,
    to: u32,
    each: &mut impl FnMut(u32, &ChainKey, &MessageKey),
) -> (Vec<(u32, MessageKey)>, Option<ChainKey>) {
    let mut keys = Vec::with_capacity(usize::try_from(to.saturating_sub(from)).unwrap_or(0));
    let mut cur: Option<ChainKey> = None;
    for i in from..to {
        let ck = cur.as_ref().unwrap_or(start);
        let mk = ck.message_key();
        each(i, ck, &mk);
        keys.push((i, mk));
        cur = Some(ck.next());
    }
    (keys, cur)
}

/// Walks from `start` (the chain key at index `from`) to index `to`, calling `each` with every
/// `(index, chain key, message key)` derived (for the trace). Callers bound `to - from`.
pub(crate) fn walk(
    start: &ChainKey,
    from: u32,
    to: u32,
    mut each: impl FnMut(u32, &ChainKey, &MessageKey),
) -> Walk {
    let (skipped, cur) = advance(start, from, to, &mut each);
    let ck = cur.as_ref().unwrap_or(start);
    let message_key = ck.message_key();
    each(to, ck, &message_key);
    Walk {
        skipped,
        message_key,
        next: ck.next(),
    }
}

/// The message keys of `from..to` from `start` (the chain key at `from`), for a chain that is
/// being left behind. Callers bound `to - from`.
pub(crate) fn skip(
    start: &ChainKey,
    from: u32,
    to: u32,
    mut each: impl FnMut(u32, &ChainKey, &MessageKey),
) -> Vec<(u32, MessageKey)> {
    advance(start, from, to, &mut each).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_outputs_differ_and_are_deterministic() {
        let ck = ChainKey::take(&mut [9; 32]);
        assert_eq!(ck.next().as_bytes(), ck.next().as_bytes());
        assert_eq!(ck.message_key().as_bytes(), ck.message_key().as_bytes());
        assert_ne!(ck.next().as_bytes(), ck.message_key().as_bytes());
    }

    #[test]
    fn walk_equals_stepping_and_skip_agrees() {
        let ck = ChainKey::take(&mut [3; 32]);
        let w = walk(&ck, 5, 8, |_, _, _| {});
        let mut c = ck.next();
        let mut keys = alloc::vec![ck.message_key()];
        for _ in 0..3 {
            keys.push(c.message_key());
            c = c.next();
        }
        assert_eq!(w.skipped.len(), 3);
        for ((i, mk), expected) in w.skipped.iter().zip(&keys) {
            assert!(*i >= 5 && *i < 8);
            assert_eq!(mk.as_bytes(), expected.as_bytes());
        }
        assert_eq!(w.message_key.as_bytes(), keys[3].as_bytes());
        assert_eq!(w.next.as_bytes(), c.as_bytes());
        let s = skip(&ck, 5, 8, |_, _, _| {});
        assert_eq!(s.len(), 3);
        assert_eq!(s[2].1.as_bytes(), keys[2].as_bytes());
        let none = walk(&ck, 4, 4, |_, _, _| {});
        assert!(none.skipped.is_empty());
        assert_eq!(none.message_key.as_bytes(), ck.message_key().as_bytes());
    }
}
