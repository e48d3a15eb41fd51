//! Key types wrapping the primitives of suite 1, with the policies the protocol needs.
//!
//! Spec: `docs/PROTOCOL.md`, section 4 ("Primitives and key validation").
//!
//! - X25519 (RFC 7748) through `x25519-dalek`: every Diffie-Hellman output is checked to be
//!   contributory (not all zeros) in constant time; a low-order peer key is an error.
//! - ML-KEM-768 (FIPS 203) through `ml-kem`: encapsulation keys are only constructed through the
//!   FIPS 203 section 7.2 modulus check; decapsulation keys are kept as their 64-byte seed
//!   `d || z` and expanded on load.
//! - ML-DSA-65 (FIPS 204) through `ml-dsa`: signing keys are kept as their 32-byte seed; every
//!   signature uses a context string from [`crate::labels`] and the hedged (randomized)
//!   variant; verification decodes the signature strictly (hint and norm checks) first.
//!
//! Secrets are zeroized on drop and their `Debug` output is redacted. Randomness always comes
//! from the caller's RNG as seed bytes, so an RNG failure is an error, never a panic.

use alloc::boxed::Box;
use core::fmt;

use ml_dsa::{KeyExport as _, MlDsa65};
use ml_kem::{Decapsulate as _, MlKem768};
use rand_core::TryCryptoRng;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::error::{DecodeError, NonContributory, RngError};

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

/// Draws `N` bytes from the caller's RNG into a buffer that is wiped on drop.
pub(crate) fn random_bytes<const N: usize, R: TryCryptoRng + ?Sized>(
    rng: &mut R,
) -> Result<Zeroizing<[u8; N]>, RngError> {
    let mut out = Zeroizing::new([0u8; N]);
    rng.try_fill_bytes(out.as_mut_slice())
        .map_err(|_| RngError)?;
    Ok(out)
}

/// Secret bytes in their own heap cell, wiped on drop. Moving one (into a `Vec`, out of a
/// `VecDeque`) copies only the pointer, so no stale copy of the secret is left behind in a
/// collection's buffer.
pub(crate) struct SecretBox<const N: usize>(Box<[u8; N]>);

impl<const N: usize> SecretBox<N> {
    pub(crate) fn new(bytes: [u8; N]) -> Self {
        Self(Box::new(bytes))
    }

    pub(crate) fn as_bytes(&self) -> &[u8; N] {
        &self.0
    }
}

impl<const N: usize> Clone for SecretBox<N> {
    fn clone(&self) -> Self {
        Self::new(*self.0)
    }
}

impl<const N: usize> Zeroize for SecretBox<N> {
    fn zeroize(&mut self) {
        self.0.as_mut().zeroize();
    }
}

impl<const N: usize> Drop for SecretBox<N> {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl<const N: usize> ZeroizeOnDrop for SecretBox<N> {}

/// A 32-byte secret: a DH output, a KEM shared secret, a root, chain or message key.
pub(crate) type Secret32 = SecretBox<32>;

impl<const N: usize> fmt::Debug for SecretBox<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret{N}([redacted])")
    }
}

impl ConstantTimeEq for Secret32 {
    fn ct_eq(&self, other: &Self) -> subtle::Choice {
        self.as_bytes()
            .as_slice()
            .ct_eq(other.as_bytes().as_slice())
    }
}

/// Writes the first bytes of a public value in hex, for `Debug` of public keys.
fn debug_prefix(f: &mut fmt::Formatter<'_>, name: &str, bytes: &[u8]) -> fmt::Result {
    write!(f, "{name}(")?;
    for b in bytes.iter().take(8) {
        write!(f, "{b:02x}")?;
    }
    f.write_str("..)")
}

/// An X25519 public key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct X25519PublicKey([u8; X25519_LEN]);

impl X25519PublicKey {
    /// Wraps 32 bytes. Every 32-byte string is accepted here (RFC 7748); low-order keys are
    /// caught when a DH output with them turns out all-zero.
    #[must_use]
    pub const fn from_bytes(bytes: [u8; X25519_LEN]) -> Self {
        Self(bytes)
    }

    /// The 32-byte encoding.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; X25519_LEN] {
        &self.0
    }
}

impl X25519PublicKey {
    /// Whether the key is of small order (any X25519 output with it is all zeros). Checked
    /// with a fixed clamped scalar: the result is zero exactly for the low-order points.
    pub(crate) fn is_low_order(&self) -> bool {
        X25519SecretKey::from_bytes(&[0x48; 32])
            .diffie_hellman(self)
            .is_err()
    }
}

impl fmt::Debug for X25519PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_prefix(f, "X25519PublicKey", &self.0)
    }
}

/// An X25519 secret key, usable any number of times (identity, prekey, ratchet key). Boxed,
/// like every secret held in a collection, so moves copy only the pointer.
#[derive(Clone)]
pub(crate) struct X25519SecretKey(Box<x25519_dalek::StaticSecret>);

impl X25519SecretKey {
    pub(crate) fn generate<R: TryCryptoRng + ?Sized>(rng: &mut R) -> Result<Self, RngError> {
        let bytes = random_bytes::<X25519_LEN, R>(rng)?;
        Ok(Self::from_bytes(&bytes))
    }

    pub(crate) fn from_bytes(bytes: &[u8; X25519_LEN]) -> Self {
        Self(Box::new(x25519_dalek::StaticSecret::from(*bytes)))
    }

    pub(crate) fn to_bytes(&self) -> Zeroizing<[u8; X25519_LEN]> {
        Zeroizing::new(self.0.to_bytes())
    }

    pub(crate) fn public_key(&self) -> X25519PublicKey {
        X25519PublicKey(x25519_dalek::PublicKey::from(self.0.as_ref()).to_bytes())
    }

    /// X25519 with a contributory check: the all-zero output (peer key of small order) is
    /// rejected. `x25519-dalek` compares against zero in constant time.
    pub(crate) fn diffie_hellman(
        &self,
        peer: &X25519PublicKey,
    ) -> Result<Secret32, NonContributory> {
        let shared = self
            .0
            .diffie_hellman(&x25519_dalek::PublicKey::from(peer.0));
        if shared.was_contributory() {
            let mut bytes = shared.to_bytes();
            let out = Secret32::new(bytes);
            bytes.zeroize();
            Ok(out)
        } else {
            Err(NonContributory)
        }
    }
}

impl fmt::Debug for X25519SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("X25519SecretKey([redacted])")
    }
}

impl ZeroizeOnDrop for X25519SecretKey {}

/// An ML-KEM-768 encapsulation key that passed the FIPS 203 section 7.2 check.
#[derive(Clone)]
pub struct KemPublicKey {
    bytes: Box<[u8; KEM_PUBLIC_KEY_LEN]>,
    key: Box<ml_kem::EncapsulationKey<MlKem768>>,
}

impl KemPublicKey {
    /// Decodes and validates an encapsulation key (FIPS 203, section 7.2: every coefficient
    /// must already be reduced modulo q, i.e. `ByteEncode(ByteDecode(ek)) == ek`).
    ///
    /// # Errors
    /// [`DecodeError::InvalidKemKey`] if the check fails.
    pub fn from_bytes(bytes: &[u8; KEM_PUBLIC_KEY_LEN]) -> Result<Self, DecodeError> {
        let array = ml_kem::array::Array::from(*bytes);
        let key = ml_kem::EncapsulationKey::<MlKem768>::new(&array)
            .map_err(|_| DecodeError::InvalidKemKey)?;
        Ok(Self {
            bytes: Box::new(*bytes),
            key: Box::new(key),
        })
    }

    /// The 1184-byte encoding.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; KEM_PUBLIC_KEY_LEN] {
        &self.bytes
    }

    /// Encapsulates a fresh shared secret to this key with 32 random bytes `m` from `rng`.
    #[cfg(test)]
    pub(crate) fn encapsulate<R: TryCryptoRng + ?Sized>(
        &self,
        rng: &mut R,
    ) -> Result<(KemCiphertext, Secret32), RngError> {
        let m = random_bytes::<32, R>(rng)?;
        Ok(self.encapsulate_with(&m))
    }

    /// `ML-KEM.Encaps_internal(ek, m)` (FIPS 203, algorithm 17). `m` must be 32 bytes fresh
    /// from a cryptographic RNG: callers draw it with [`random_bytes`].
    pub(crate) fn encapsulate_with(&self, m: &[u8; 32]) -> (KemCiphertext, Secret32) {
        let m = Zeroizing::new(ml_kem::B32::from(*m));
        let (ct, mut ss) = self.key.encapsulate_deterministic(&m);
        let mut ct_bytes = [0u8; KEM_CIPHERTEXT_LEN];
        ct_bytes.copy_from_slice(ct.as_slice());
        let mut ss_bytes = [0u8; 32];
        ss_bytes.copy_from_slice(ss.as_slice());
        ss.as_mut_slice().zeroize();
        let out = (KemCiphertext(Box::new(ct_bytes)), Secret32::new(ss_bytes));
        ss_bytes.zeroize();
        out
    }
}

impl PartialEq for KemPublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for KemPublicKey {}

impl fmt::Debug for KemPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_prefix(f, "KemPublicKey", &self.bytes[..])
    }
}

/// An ML-KEM-768 ciphertext.
#[derive(Clone, PartialEq, Eq)]
pub struct KemCiphertext(Box<[u8; KEM_CIPHERTEXT_LEN]>);

impl KemCiphertext {
    /// Wraps 1088 bytes. Any value is a valid ciphertext (ML-KEM decapsulation rejects
    /// implicitly: a wrong ciphertext yields an unrelated secret).
    #[must_use]
    pub fn from_bytes(bytes: &[u8; KEM_CIPHERTEXT_LEN]) -> Self {
        Self(Box::new(*bytes))
    }

    /// The 1088-byte encoding.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; KEM_CIPHERTEXT_LEN] {
        &self.0
    }
}

impl fmt::Debug for KemCiphertext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_prefix(f, "KemCiphertext", &self.0[..])
    }
}

/// An ML-KEM-768 decapsulation key, stored as its seed.
pub(crate) struct KemSecretKey {
    seed: SecretBox<KEM_SEED_LEN>,
    key: Box<ml_kem::DecapsulationKey<MlKem768>>,
    public: KemPublicKey,
}

impl KemSecretKey {
    pub(crate) fn generate<R: TryCryptoRng + ?Sized>(rng: &mut R) -> Result<Self, RngError> {
        let seed = random_bytes::<KEM_SEED_LEN, R>(rng)?;
        Ok(Self::from_seed(&seed))
    }

    /// Expands a seed `d || z` (FIPS 203, `ML-KEM.KeyGen_internal`).
    pub(crate) fn from_seed(seed: &[u8; KEM_SEED_LEN]) -> Self {
        let key = ml_kem::DecapsulationKey::<MlKem768>::from_seed(ml_kem::Seed::from(*seed));
        let mut public = [0u8; KEM_PUBLIC_KEY_LEN];
        public.copy_from_slice(key.encapsulation_key().to_bytes().as_slice());
        let public = KemPublicKey {
            bytes: Box::new(public),
            key: Box::new(key.encapsulation_key().clone()),
        };
        Self {
            seed: SecretBox::new(*seed),
            key: Box::new(key),
            public,
        }
    }

    pub(crate) fn seed(&self) -> &[u8; KEM_SEED_LEN] {
        self.seed.as_bytes()
    }

    pub(crate) fn public_key(&self) -> &KemPublicKey {
        &self.public
    }

    pub(crate) fn decapsulate(&self, ct: &KemCiphertext) -> Secret32 {
        let ct = ml_kem::Ciphertext::<MlKem768>::from(*ct.0);
        let mut ss = self.key.decapsulate(&ct);
        let mut out = [0u8; 32];
        out.copy_from_slice(ss.as_slice());
        ss.as_mut_slice().zeroize();
        let secret = Secret32::new(out);
        out.zeroize();
        secret
    }
}

impl Clone for KemSecretKey {
    fn clone(&self) -> Self {
        Self::from_seed(self.seed.as_bytes())
    }
}

impl fmt::Debug for KemSecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KemSecretKey([redacted])")
    }
}

impl ZeroizeOnDrop for KemSecretKey {}

/// An ML-DSA-65 verifying key.
#[derive(Clone)]
pub struct SigPublicKey {
    bytes: Box<[u8; SIG_PUBLIC_KEY_LEN]>,
    key: Box<ml_dsa::VerifyingKey<MlDsa65>>,
}

impl SigPublicKey {
    /// Decodes a verifying key (FIPS 204 `pkDecode`; every 1952-byte string decodes).
    #[must_use]
    pub fn from_bytes(bytes: &[u8; SIG_PUBLIC_KEY_LEN]) -> Self {
        let array = ml_dsa::EncodedVerifyingKey::<MlDsa65>::from(*bytes);
        Self {
            bytes: Box::new(*bytes),
            key: Box::new(ml_dsa::VerifyingKey::<MlDsa65>::decode(&array)),
        }
    }

    /// The 1952-byte encoding.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; SIG_PUBLIC_KEY_LEN] {
        &self.bytes
    }

    /// FIPS 204 `ML-DSA.Verify(pk, M, sigma, ctx)`. The signature is decoded strictly
    /// (`sigDecode` with the hint-encoding and `||z||_inf` checks); any failure is `false`.
    pub(crate) fn verify(&self, ctx: &[u8], message: &[u8], signature: &Signature) -> bool {
        match ml_dsa::Signature::<MlDsa65>::try_from(&signature.0[..]) {
            Ok(sig) => self.key.verify_with_context(message, ctx, &sig),
            Err(_) => false,
        }
    }
}

impl PartialEq for SigPublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for SigPublicKey {}

impl fmt::Debug for SigPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_prefix(f, "SigPublicKey", &self.bytes[..])
    }
}

/// An ML-DSA-65 signature (3309 bytes, not yet decoded).
#[derive(Clone, PartialEq, Eq)]
pub struct Signature(Box<[u8; SIGNATURE_LEN]>);

impl Signature {
    /// Wraps 3309 bytes; they are decoded strictly when verified.
    #[must_use]
    pub fn from_bytes(bytes: &[u8; SIGNATURE_LEN]) -> Self {
        Self(Box::new(*bytes))
    }

    /// The 3309-byte encoding.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; SIGNATURE_LEN] {
        &self.0
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_prefix(f, "Signature", &self.0[..])
    }
}

/// An ML-DSA-65 signing key, stored as its seed.
pub(crate) struct SigSecretKey {
    seed: SecretBox<SIG_SEED_LEN>,
    /// Key generation computes the verifying key along with the expanded signing key (the
    /// `alloc` feature of `ml-dsa`), so neither is computed twice.
    key: Box<ml_dsa::SigningKey<MlDsa65>>,
    public: SigPublicKey,
}

impl SigSecretKey {
    pub(crate) fn generate<R: TryCryptoRng + ?Sized>(rng: &mut R) -> Result<Self, RngError> {
        let seed = random_bytes::<SIG_SEED_LEN, R>(rng)?;
        Ok(Self::from_seed(&seed))
    }

    /// FIPS 204 `ML-DSA.KeyGen_internal(xi)`.
    pub(crate) fn from_seed(seed: &[u8; SIG_SEED_LEN]) -> Self {
        let xi = Zeroizing::new(ml_dsa::Seed::from(*seed));
        let key = ml_dsa::SigningKey::<MlDsa65>::from_seed(&xi);
        let vk: ml_dsa::VerifyingKey<MlDsa65> =
            AsRef::<ml_dsa::VerifyingKey<MlDsa65>>::as_ref(&key).clone();
        let mut public = [0u8; SIG_PUBLIC_KEY_LEN];
        public.copy_from_slice(vk.to_bytes().as_slice());
        Self {
            seed: SecretBox::new(*seed),
            key: Box::new(key),
            public: SigPublicKey {
                bytes: Box::new(public),
                key: Box::new(vk),
            },
        }
    }

    pub(crate) fn seed(&self) -> &[u8; SIG_SEED_LEN] {
        self.seed.as_bytes()
    }

    pub(crate) fn public_key(&self) -> &SigPublicKey {
        &self.public
    }

    /// Hedged FIPS 204 `ML-DSA.Sign(sk, M, ctx)` with 32 bytes `rnd` from `rng`.
    pub(crate) fn sign<R: TryCryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        ctx: &[u8],
        message: &[u8],
    ) -> Result<Signature, RngError> {
        // `expanded_key()` is public but hidden from the docs; it is the only way to sign with a
        // context string and the hedged variant without expanding the key again.
        let sig = self
            .key
            .expanded_key()
            .sign_randomized(message, ctx, rng)
            .map_err(|_| RngError)?;
        let mut out = [0u8; SIGNATURE_LEN];
        out.copy_from_slice(sig.encode().as_slice());
        Ok(Signature(Box::new(out)))
    }
}

impl Clone for SigSecretKey {
    fn clone(&self) -> Self {
        Self::from_seed(self.seed.as_bytes())
    }
}

impl fmt::Debug for SigSecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigSecretKey([redacted])")
    }
}

impl ZeroizeOnDrop for SigSecretKey {}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use chacha20::ChaCha20Rng;
    use rand_core::SeedableRng;

    #[test]
    fn x25519_rejects_low_order_point() {
        let mut rng = ChaCha20Rng::from_seed([1; 32]);
        let sk = X25519SecretKey::generate(&mut rng).unwrap();
        // The identity point (u = 0) and u = 1 are of small order.
        assert!(sk.diffie_hellman(&X25519PublicKey([0; 32])).is_err());
        let mut one = [0u8; 32];
        one[0] = 1;
        assert!(sk.diffie_hellman(&X25519PublicKey(one)).is_err());
        let other = X25519SecretKey::generate(&mut rng).unwrap();
        let a = sk.diffie_hellman(&other.public_key()).unwrap();
        let b = other.diffie_hellman(&sk.public_key()).unwrap();
        assert_eq!(a.as_bytes(), b.as_bytes());
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
            Some(DecodeError::InvalidKemKey)
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
        let secret = Secret32::new([0xAB; 32]);
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
