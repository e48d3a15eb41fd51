//! The root key and the root KDF of the hybrid ratchet.
//!
//! Spec: `docs/PROTOCOL.md`, section 6.2:
//! `RK' || CK = HKDF(salt = RK, IKM = DH [|| s_e], info = "Twofold v2 root step" || flag)`,
//! where the flag byte is 1 when a PQ epoch secret is mixed in and 0 otherwise.

use crate::kdf;
use crate::keys::{DhOutput, role_secret};
use crate::labels;

use super::chain_key::ChainKey;
use super::pq::EpochSecret;

role_secret!(
    /// The ratchet's root key. Advancing it yields the next root key and a new chain key.
    RootKey
);

impl RootKey {
    /// One root step. Takes `self` by reference: the caller commits the new root key (and
    /// drops the old one) only once the whole operation succeeded.
    pub(crate) fn advance(&self, dh: &DhOutput, pq: Option<&EpochSecret>) -> (RootKey, ChainKey) {
        let hk = match pq {
            Some(ss) => kdf::extract(self.as_bytes(), &concat(dh.as_bytes(), ss.as_bytes())[..]),
            None => kdf::extract(self.as_bytes(), dh.as_bytes()),
        };
        let flag = [u8::from(pq.is_some())];
        let okm = kdf::expand::<64>(&hk, &[labels::KDF_ROOT, &flag]);
        let (mut rk, mut ck) = kdf::split::<32, 32, 64>(&okm);
        (RootKey::take(&mut rk), ChainKey::take(&mut ck))
    }
}

/// `a || b` in a buffer wiped on drop.
fn concat(a: &[u8; 32], b: &[u8; 32]) -> zeroize::Zeroizing<[u8; 64]> {
    let mut out = zeroize::Zeroizing::new([0u8; 64]);
    for (o, i) in out.iter_mut().zip(a.iter().chain(b.iter())) {
        *o = *i;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_step_depends_on_pq_secret_and_flag() {
        let rk = RootKey::take(&mut [1; 32]);
        let dh = DhOutput::take(&mut [2; 32]);
        let (a, _) = rk.advance(&dh, None);
        let (b, _) = rk.advance(&dh, Some(&EpochSecret::take(&mut [3; 32])));
        let (c, _) = rk.advance(&dh, Some(&EpochSecret::take(&mut [4; 32])));
        assert_ne!(a.as_bytes(), b.as_bytes());
        assert_ne!(b.as_bytes(), c.as_bytes());
    }
}
