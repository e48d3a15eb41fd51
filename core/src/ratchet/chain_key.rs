//! Symmetric chains: `MK = HMAC(CK, 0x01)`, `CK' = HMAC(CK, 0x02)`.
//!
//! Spec: `docs/PROTOCOL.md`, section 6.2. [`ChainKey`] derives without changing itself, so a
//! staged walk along a chain leaves the committed state untouched; [`key_at`] (before the tag
//! check: chain steps only) and [`skip`] (after it: the skipped message keys) walk without
//! ever copying a chain key.

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

/// The chain key at index `to` from `start` (the chain key at `from`) and the message key of
/// `to`: one HMAC per position and none of the skipped message keys. This is all a receiver
/// derives before a message's tag is checked (`consts::MAX_FORWARD_JUMP` bounds `to - from`).
pub(crate) fn key_at(start: &ChainKey, from: u32, to: u32) -> (Option<ChainKey>, MessageKey) {
    let mut cur: Option<ChainKey> = None;
    for _ in from..to {
        cur = Some(cur.as_ref().unwrap_or(start).next());
    }
    let message_key = cur.as_ref().unwrap_or(start).message_key();
    (cur, message_key)
}

/// The message keys of `from..to` from `start` (the chain key at `from`), for a chain that is
/// being left behind. Callers bound `to - from`.
pub(crate) fn skip(
    start: &ChainKey,
    from: u32,
    to: u32,
    mut each: impl FnMut(u32, &ChainKey, &MessageKey),
) -> Vec<(u32, MessageKey)> {
    let mut keys = Vec::with_capacity(usize::try_from(to.saturating_sub(from)).unwrap_or(0));
    let mut cur: Option<ChainKey> = None;
    for i in from..to {
        let ck = cur.as_ref().unwrap_or(start);
        let mk = ck.message_key();
        each(i, ck, &mk);
        keys.push((i, mk));
        cur = Some(ck.next());
    }
    keys
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
    fn key_at_and_skip_agree_with_stepping() {
        let ck = ChainKey::take(&mut [3; 32]);
        let mut c = ck.next();
        let mut keys = alloc::vec![ck.message_key()];
        for _ in 0..3 {
            keys.push(c.message_key());
            c = c.next();
        }
        let (at, mk) = key_at(&ck, 5, 8);
        assert_eq!(mk.as_bytes(), keys[3].as_bytes());
        assert_eq!(at.unwrap().next().as_bytes(), c.as_bytes());
        let s = skip(&ck, 5, 8, |_, _, _| {});
        assert_eq!(s.len(), 3);
        for ((i, mk), expected) in s.iter().zip(&keys) {
            assert!(*i >= 5 && *i < 8);
            assert_eq!(mk.as_bytes(), expected.as_bytes());
        }
        let (none, mk) = key_at(&ck, 4, 4);
        assert!(none.is_none());
        assert_eq!(mk.as_bytes(), ck.message_key().as_bytes());
    }
}
