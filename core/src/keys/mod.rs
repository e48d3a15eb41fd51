//! Key types wrapping the primitives of suite 1, one file per primitive, and the secret
//! holder every role type is built on.
//!
//! Spec: `docs/PROTOCOL.md`, section 4 ("Primitives and key validation").
//!
//! - [`x25519`]: keys, the contributory [`DhOutput`], the consumed [`HandshakeEphemeral`];
//! - [`kem`]: ML-KEM-768 keys validated as FIPS 203 requires, [`KemSharedSecret`];
//! - [`sig`]: ML-DSA-65 keys and signatures with context strings;
//! - [`secret`]: [`SecretBox`] and the `role_secret!` macro.
//!
//! Secrets are zeroized on drop, never `Clone`, and their `Debug` output is redacted.
//! Randomness always comes from the caller's RNG as seed bytes, so an RNG failure is an error,
//! never a panic.

use core::fmt;

mod kem;
mod secret;
mod sig;
mod x25519;

pub use kem::{KemCiphertext, KemPublicKey};
pub(crate) use kem::{KemSecretKey, KemSharedSecret};
pub(crate) use secret::{SecretBox, random_bytes, role_secret};
pub use sig::{SigPublicKey, Signature};
pub(crate) use sig::{SigSecretKey, SigVerifier};
pub use x25519::X25519PublicKey;
pub(crate) use x25519::{DhOutput, HandshakeEphemeral, X25519SecretKey};

/// Length of an X25519 public or secret key and of a DH output.
pub const X25519_LEN: usize = 32;
/// Length of an ML-KEM-768 encapsulation key (FIPS 203, table 3).
pub const KEM_PUBLIC_KEY_LEN: usize = 1184;
/// Length of an ML-KEM-768 ciphertext.
pub const KEM_CIPHERTEXT_LEN: usize = 1088;
/// Length of an ML-KEM decapsulation-key seed `d || z`.
pub(crate) const KEM_SEED_LEN: usize = 64;
/// Length of an ML-DSA-65 verifying key (FIPS 204, table 2).
pub const SIG_PUBLIC_KEY_LEN: usize = 1952;
/// Length of an ML-DSA-65 signature.
pub const SIGNATURE_LEN: usize = 3309;
/// Length of an ML-DSA signing-key seed `xi`.
pub(crate) const SIG_SEED_LEN: usize = 32;

/// Writes the first bytes of a public value in hex, for `Debug` of public keys.
fn debug_prefix(f: &mut fmt::Formatter<'_>, name: &str, bytes: &[u8]) -> fmt::Result {
    write!(f, "{name}(")?;
    for b in bytes.iter().take(8) {
        write!(f, "{b:02x}")?;
    }
    f.write_str("..)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::DecodeError;
    use alloc::format;
    use chacha20::ChaCha20Rng;
    use rand_core::SeedableRng;

    #[test]
    fn x25519_rejects_low_order_point() {
        let mut rng = ChaCha20Rng::from_seed([1; 32]);
        let sk = X25519SecretKey::generate(&mut rng).unwrap();
        // The identity point (u = 0) and u = 1 are of small order.
        assert!(
            sk.diffie_hellman(&X25519PublicKey::from_bytes([0; 32]))
                .is_err()
        );
        let mut one = [0u8; 32];
        one[0] = 1;
        assert!(
            sk.diffie_hellman(&X25519PublicKey::from_bytes(one))
                .is_err()
        );
        let other = X25519SecretKey::generate(&mut rng).unwrap();
        let a = sk.diffie_hellman(&other.public_key()).unwrap();
        let b = other.diffie_hellman(&sk.public_key()).unwrap();
        assert_eq!(a.as_bytes(), b.as_bytes());
    }

    /// `public_key` without the precomputed tables (the Montgomery ladder on u = 9) and
    /// `x25519-dalek`'s Edwards base-point multiplication (used with them) agree.
    #[test]
    fn public_key_by_ladder_equals_edwards_base_point_multiplication() {
        for seed in [
            [0u8; 32],
            [0xff; 32],
            [0x5a; 32],
            core::array::from_fn(|i| u8::try_from(i).unwrap_or(0)),
        ] {
            let secret = x25519_dalek::StaticSecret::from(seed);
            let edwards = x25519_dalek::PublicKey::from(&secret);
            let base = x25519_dalek::PublicKey::from(x25519_dalek::X25519_BASEPOINT_BYTES);
            assert_eq!(secret.diffie_hellman(&base).to_bytes(), edwards.to_bytes());
            assert_eq!(
                X25519SecretKey::from_bytes(&seed).public_key().as_bytes(),
                edwards.as_bytes()
            );
        }
    }

    #[test]
    fn kem_round_trip_and_seed_reload() {
        let mut rng = ChaCha20Rng::from_seed([2; 32]);
        let dk = KemSecretKey::generate(&mut rng).unwrap();
        let ek = KemPublicKey::from_bytes(dk.public_key().as_bytes()).unwrap();
        let (ct, ss) = ek.encapsulate(&mut rng).unwrap();
        let again = KemSecretKey::from_seed(dk.seed());
        assert_eq!(again.decapsulate(&ct).as_bytes(), ss.as_bytes());
    }

    #[test]
    fn kem_public_key_check_rejects_unreduced_coefficient() {
        let mut rng = ChaCha20Rng::from_seed([3; 32]);
        let dk = KemSecretKey::generate(&mut rng).unwrap();
        let mut bytes = *dk.public_key().as_bytes();
        // First 12-bit coefficient set to 0xFFF >= q = 3329.
        bytes[0] = 0xFF;
        bytes[1] |= 0x0F;
        assert_eq!(
            KemPublicKey::from_bytes(&bytes).err(),
            Some(DecodeError::InvalidKey)
        );
    }

    #[test]
    fn signature_uses_context() {
        let mut rng = ChaCha20Rng::from_seed([4; 32]);
        let sk = SigSecretKey::generate(&mut rng).unwrap();
        let sig = sk.sign(&mut rng, b"ctx-a", b"message").unwrap();
        assert!(sk.public_key().verify(b"ctx-a", b"message", &sig));
        assert!(!sk.public_key().verify(b"ctx-b", b"message", &sig));
        assert!(!sk.public_key().verify(b"ctx-a", b"messagE", &sig));
    }

    #[test]
    fn debug_of_secrets_is_redacted() {
        let mut rng = ChaCha20Rng::from_seed([5; 32]);
        let x = X25519SecretKey::generate(&mut rng).unwrap();
        let k = KemSecretKey::generate(&mut rng).unwrap();
        let s = SigSecretKey::generate(&mut rng).unwrap();
        let secret = DhOutput::take(&mut [0xAB; 32]);
        for (text, raw) in [
            (format!("{x:?}"), x.to_bytes().to_vec()),
            (format!("{k:?}"), k.seed().to_vec()),
            (format!("{s:?}"), s.seed().to_vec()),
            (format!("{secret:?}"), secret.as_bytes().to_vec()),
        ] {
            assert!(text.contains("redacted"), "{text}");
            let hex: alloc::string::String =
                raw.iter().take(4).map(|b| format!("{b:02x}")).collect();
            assert!(!text.contains(&hex), "{text}");
        }
    }
}
