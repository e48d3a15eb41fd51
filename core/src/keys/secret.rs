//! Secret bytes in their own heap cell, and randomness drawn from the caller's RNG.
//!
//! Every secret of the protocol is held by a role type (a root key, a chain key, a KEM shared
//! secret, ...) built on [`SecretBox`]. None of them is `Clone` or `Debug`-printable: a second
//! live copy of a ratchet secret is how a key stream gets reused.

use alloc::boxed::Box;

use rand_core::TryCryptoRng;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::error::RngError;

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
/// collection's buffer. Deliberately neither `Clone` nor `Debug`.
pub(crate) struct SecretBox<const N: usize>(Box<[u8; N]>);

impl<const N: usize> SecretBox<N> {
    /// Moves `bytes` into a new cell and wipes the caller's copy.
    pub(crate) fn take(bytes: &mut [u8; N]) -> Self {
        let cell = Self(Box::new(*bytes));
        bytes.zeroize();
        cell
    }

    /// Copies `bytes` into a new cell (the caller wipes its own copy, e.g. a `Zeroizing`).
    pub(crate) fn from_ref(bytes: &[u8; N]) -> Self {
        Self(Box::new(*bytes))
    }

    pub(crate) fn as_bytes(&self) -> &[u8; N] {
        &self.0
    }
}

impl<const N: usize> Drop for SecretBox<N> {
    fn drop(&mut self) {
        self.0.as_mut().zeroize();
    }
}

impl<const N: usize> ZeroizeOnDrop for SecretBox<N> {}

/// Declares a 32-byte secret type for one role: boxed, wiped on drop, no `Clone`, a redacted
/// `Debug`. Each role is its own type, so passing a DH output where a KEM secret belongs, or
/// swapping a root key and a chain key, does not compile.
macro_rules! role_secret {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub(crate) struct $name($crate::keys::SecretBox<32>);

        impl $name {
            /// Takes ownership of the bytes (the caller's copy is wiped).
            pub(crate) fn take(bytes: &mut [u8; 32]) -> Self {
                Self($crate::keys::SecretBox::take(bytes))
            }

            /// Reads a stored value (state decoding; not every role is stored).
            #[allow(dead_code)]
            pub(crate) fn from_ref(bytes: &[u8; 32]) -> Self {
                Self($crate::keys::SecretBox::from_ref(bytes))
            }

            pub(crate) fn as_bytes(&self) -> &[u8; 32] {
                self.0.as_bytes()
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }

        impl zeroize::ZeroizeOnDrop for $name {}
    };
}
pub(crate) use role_secret;
