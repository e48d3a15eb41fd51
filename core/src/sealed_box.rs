//! Sealed boxes: one-shot hybrid encryption to a party's published signed prekeys, without a
//! session, anonymous or sender-authenticated.
//!
//! Spec: `docs/PROTOCOL.md`, section 13; properties and limits in
//! `docs/design/sealed-box.md`. The KEM is X-Wing's combiner over the recipient's signed
//! X25519 prekey and last-resort ML-KEM-768 prekey (the keys every upload signs):
//!
//! ```text
//! 0x02 || 0x06 || suite || flags || u32(spk_id) || u32(kem_id) || EK (32) || CT (1,088)
//! || [sender block (80): AEAD(IK_A || fingerprint_A)]   flags & 0x01
//! || payload: AEAD(plaintext) (plaintext + 16)
//! ```
//!
//! Opening never changes the store: a box can be opened again, and nothing detects a replay
//! (the application keeps the ids of boxes it has seen, section 13.4).

use alloc::vec::Vec;

use rand_core::TryCryptoRng;
use sha3::{Digest as _, Sha3_256};
use zeroize::{Zeroize as _, Zeroizing};

use crate::bundle::VerifiedBundle;
use crate::consts::{MAX_ASSOCIATED_DATA_LEN, MAX_PLAINTEXT_LEN};
use crate::error::{DecodeError, OpenBoxError, SealBoxError};
use crate::identity::{IdentityKeyPair, PublicIdentity};
use crate::identity_cache::IdentityCache;
use crate::kdf::{self, AEAD_KEY_LEN, AEAD_NONCE_LEN, AEAD_TAG_LEN};
use crate::keys::{
    DhOutput, KEM_CIPHERTEXT_LEN, KemCiphertext, KemSharedSecret, X25519_LEN, X25519PublicKey,
    X25519SecretKey, random_bytes, role_secret,
};
use crate::labels::{self, object};
use crate::prekeys::PrekeyStore;
use crate::trace::NoTrace;
use crate::wire::{Reader, Writer};

role_secret!(
    /// The X-Wing shared secret of a sealed box.
    XWingSecret
);

/// Flag bit: the box is sender-authenticated (a sender block follows `CT`).
const FLAG_AUTHENTICATED: u8 = 0x01;

/// Bytes of a box before its sender block: header, flags, the two ids, `EK` and `CT`.
pub const SEALED_BOX_PREFIX_LEN: usize = 3 + 1 + 4 + 4 + X25519_LEN + KEM_CIPHERTEXT_LEN;
/// The sender block of a sender-authenticated box: `IK_A || fingerprint_A`, encrypted.
pub const SEALED_BOX_SENDER_LEN: usize = X25519_LEN + 32 + AEAD_TAG_LEN;
/// Bytes an anonymous box adds to its plaintext (1,148).
pub const SEALED_BOX_OVERHEAD: usize = SEALED_BOX_PREFIX_LEN + AEAD_TAG_LEN;
/// Bytes a sender-authenticated box adds to its plaintext (1,228).
pub const SEALED_BOX_AUTHENTICATED_OVERHEAD: usize = SEALED_BOX_OVERHEAD + SEALED_BOX_SENDER_LEN;
/// The largest box: a sender-authenticated box of `MAX_PLAINTEXT_LEN` bytes.
pub const MAX_SEALED_BOX_LEN: usize = SEALED_BOX_AUTHENTICATED_OVERHEAD + MAX_PLAINTEXT_LEN;

/// The AEAD nonce of both encryptions of a box: each key is used once.
const NONCE: [u8; AEAD_NONCE_LEN] = [0; AEAD_NONCE_LEN];

/// The public facts of a sealed box: what a server (or anyone) can read from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BoxDescription {
    /// Whether the box carries a (hidden) sender.
    pub authenticated: bool,
    /// Id of the recipient's signed X25519 prekey used.
    pub signed_prekey_id: u32,
    /// Id of the recipient's last-resort ML-KEM prekey used.
    pub kem_prekey_id: u32,
    /// `SHA-256` of the whole box: what a recipient keeps, once the box opened, to refuse it
    /// when it comes again (section 13.4). Not authenticated until the box opens.
    pub box_id: [u8; 32],
    /// The payload's length (plaintext + 16).
    pub payload_len: usize,
}

/// An opened box: the plaintext, and the fingerprint of its sender when it was
/// sender-authenticated (the identity supplied to [`PrekeyStore::open_box`]). Its `Debug`
/// does not show the plaintext.
pub struct OpenedBox {
    /// The plaintext (wiped on drop).
    pub plaintext: Zeroizing<Vec<u8>>,
    /// The sender's fingerprint, for a sender-authenticated box.
    pub sender: Option<[u8; 32]>,
    /// [`BoxDescription::box_id`].
    pub box_id: [u8; 32],
}

impl core::fmt::Debug for OpenedBox {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("OpenedBox")
            .field(
                "plaintext",
                &format_args!("[{} bytes, redacted]", self.plaintext.len()),
            )
            .field("sender", &self.sender)
            .finish_non_exhaustive()
    }
}

/// How [`seal_box`] checks the bundle it seals to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BoxConfig {
    /// As `SessionConfig::max_prekey_age`: a bundle whose signed prekeys are older is refused
    /// (`STALE_PREKEY`), since its owner may have rotated them away (a box to them would not
    /// open) or stopped trusting them. Default 30 days; `None` disables the check.
    pub max_prekey_age: Option<u64>,
    /// The fingerprint of the identity the box is meant for (from the application's directory
    /// or a verified safety number). With it, a bundle of any other identity is refused
    /// (`INITIATOR_MISMATCH`) before anything is drawn or computed. Default `None`: the box
    /// goes to whoever the bundle names, as the first message of a session does.
    pub recipient: Option<[u8; 32]>,
}

impl Default for BoxConfig {
    fn default() -> Self {
        Self {
            max_prekey_age: Some(crate::consts::DEFAULT_MAX_PREKEY_AGE_SECS),
            recipient: None,
        }
    }
}

impl BoxConfig {
    /// This configuration with `max_prekey_age` set (`None`: no age check).
    #[must_use]
    pub const fn with_max_prekey_age(mut self, max_prekey_age: Option<u64>) -> Self {
        self.max_prekey_age = max_prekey_age;
        self
    }

    /// This configuration with the expected recipient's fingerprint set.
    #[must_use]
    pub const fn with_recipient(mut self, recipient: Option<[u8; 32]>) -> Self {
        self.recipient = recipient;
        self
    }
}

/// A decoded box. `sender_block` is present exactly when the box is sender-authenticated.
struct Decoded<'a> {
    spk_id: u32,
    kem_id: u32,
    ephemeral: X25519PublicKey,
    ciphertext: KemCiphertext,
    /// Bytes 0 to the end of `CT`.
    prefix: &'a [u8],
    /// Bytes 0 to the end of the sender block (`prefix` for an anonymous box).
    head: &'a [u8],
    sender_block: Option<&'a [u8]>,
    payload: &'a [u8],
}

fn decode(bytes: &[u8]) -> Result<Decoded<'_>, DecodeError> {
    let mut r = Reader::top_level(bytes, object::SEALED_BOX, MAX_SEALED_BOX_LEN)?;
    let flags = r.flags(FLAG_AUTHENTICATED, "flags")?;
    let spk_id = r.u32()?;
    let kem_id = r.u32()?;
    let ephemeral = X25519PublicKey::from_bytes(r.array::<X25519_LEN>()?);
    let ciphertext = KemCiphertext::from_bytes(&r.array::<KEM_CIPHERTEXT_LEN>()?);
    let sender_block = if flags & FLAG_AUTHENTICATED != 0 {
        Some(r.bytes(SEALED_BOX_SENDER_LEN)?)
    } else {
        None
    };
    let payload = r.rest();
    if payload.len() < AEAD_TAG_LEN {
        return Err(DecodeError::Truncated);
    }
    // An anonymous box is 80 bytes shorter at most: its plaintext too is at most
    // MAX_PLAINTEXT_LEN.
    let max = MAX_PLAINTEXT_LEN.saturating_add(AEAD_TAG_LEN);
    if payload.len() > max {
        return Err(DecodeError::TooLarge {
            len: payload.len(),
            max,
        });
    }
    let head_len = bytes.len().saturating_sub(payload.len());
    let head = bytes.get(..head_len).ok_or(DecodeError::Truncated)?;
    let prefix = bytes
        .get(..SEALED_BOX_PREFIX_LEN)
        .ok_or(DecodeError::Truncated)?;
    Ok(Decoded {
        spk_id,
        kem_id,
        ephemeral,
        ciphertext,
        prefix,
        head,
        sender_block,
        payload,
    })
}

/// The public facts of a box ([`BoxDescription`]), after strict decoding.
///
/// # Errors
/// [`DecodeError`] as section 13.2 lists.
pub fn describe_box(bytes: &[u8]) -> Result<BoxDescription, DecodeError> {
    let d = decode(bytes)?;
    Ok(BoxDescription {
        authenticated: d.sender_block.is_some(),
        signed_prekey_id: d.spk_id,
        kem_prekey_id: d.kem_id,
        box_id: kdf::sha256(&[bytes]),
        payload_len: d.payload.len(),
    })
}

/// The X-Wing combiner: `SHA3-256(ss_M || ss_X || ct_X || pk_X || XWingLabel)`.
fn xwing(
    ss_m: &KemSharedSecret,
    ss_x: &DhOutput,
    ct_x: &X25519PublicKey,
    pk_x: &X25519PublicKey,
) -> XWingSecret {
    let mut h = Sha3_256::new();
    h.update(ss_m.as_bytes());
    h.update(ss_x.as_bytes());
    h.update(ct_x.as_bytes());
    h.update(pk_x.as_bytes());
    h.update(labels::XWING_LABEL);
    let mut digest = h.finalize();
    let mut out = [0u8; 32];
    for (o, d) in out.iter_mut().zip(digest.iter()) {
        *o = *d;
    }
    digest.as_mut_slice().zeroize();
    XWingSecret::take(&mut out)
}

/// [`xwing`] on plain bytes, for `hazmat` (the X-Wing vectors).
#[cfg(twofold_trace)]
pub(crate) fn xwing_bytes(
    ss_m: &[u8; 32],
    ss_x: &[u8; 32],
    ct_x: &[u8; 32],
    pk_x: &[u8; 32],
) -> [u8; 32] {
    let k = xwing(
        &KemSharedSecret::from_ref(ss_m),
        &DhOutput::from_ref(ss_x),
        &X25519PublicKey::from_bytes(*ct_x),
        &X25519PublicKey::from_bytes(*pk_x),
    );
    *k.as_bytes()
}

/// `SHA-256("Twofold v2 sealed box" || fingerprint_B || bytes)`.
fn salt(recipient: &[u8; 32], bytes: &[u8]) -> [u8; 32] {
    kdf::sha256(&[labels::SEALED_BOX_SALT, recipient, bytes])
}

/// The key of the sender block: `HKDF(salt(prefix), K, "… sender")`.
fn sender_key(k: &XWingSecret, recipient: &[u8; 32], prefix: &[u8]) -> Zeroizing<[u8; 32]> {
    let salt = salt(recipient, prefix);
    kdf::expand::<AEAD_KEY_LEN>(
        &kdf::extract(&salt, k.as_bytes()),
        &[labels::KDF_SEALED_BOX_SENDER],
    )
}

/// The key of the payload: `HKDF(salt(head), K || [DH_S], "… key")`.
fn payload_key(
    k: &XWingSecret,
    dh_s: Option<&DhOutput>,
    recipient: &[u8; 32],
    head: &[u8],
) -> Zeroizing<[u8; 32]> {
    let salt = salt(recipient, head);
    let mut ikm = Zeroizing::new(Vec::with_capacity(64));
    ikm.extend_from_slice(k.as_bytes());
    if let Some(dh) = dh_s {
        ikm.extend_from_slice(dh.as_bytes());
    }
    kdf::expand::<AEAD_KEY_LEN>(&kdf::extract(&salt, &ikm), &[labels::KDF_SEALED_BOX_KEY])
}

/// Seals `plaintext` (with `associated_data`, which the recipient must pass to open it) to the
/// recipient of `bundle`: to its signed X25519 prekey and last-resort ML-KEM prekey, which the
/// bundle's upload signature covers (a one-time prekey in the bundle is not used). With
/// `sender`, the box is sender-authenticated: it carries the sender's X25519 key and
/// fingerprint encrypted (the server does not see them) and mixes `X25519(ik_A, SPK_B)` into
/// the payload key, so only the holder of that identity (or of the recipient's signed
/// prekey) can have made it — classically authenticated and deniable, section 13.5.
///
/// `now` (Unix seconds) and [`BoxConfig`] say which bundles are refused: too old, or of
/// another identity than the expected recipient. A verified bundle proves only that its keys
/// belong to the identity it names; whether that identity is the intended recipient is the
/// application's to know (its directory, a checked safety number): pass it as
/// [`BoxConfig::recipient`].
///
/// Random draws, in order: the ephemeral X25519 secret (32), the ML-KEM randomness `m` (32).
///
/// # Errors
/// [`SealBoxError`]. `TOO_LARGE`, `STALE_PREKEY` and `INITIATOR_MISMATCH` come before any
/// draw; `RNG_FAILED` and `NON_CONTRIBUTORY` after one or both.
pub fn seal_box<R: TryCryptoRng + ?Sized>(
    rng: &mut R,
    bundle: &VerifiedBundle,
    sender: Option<&IdentityKeyPair>,
    plaintext: &[u8],
    associated_data: &[u8],
    now: u64,
    config: &BoxConfig,
) -> Result<Vec<u8>, SealBoxError> {
    if plaintext.len() > MAX_PLAINTEXT_LEN || associated_data.len() > MAX_ASSOCIATED_DATA_LEN {
        return Err(SealBoxError::TooLarge);
    }
    let recipient = bundle.identity.fingerprint();
    if config
        .recipient
        .is_some_and(|expected| expected != recipient)
    {
        return Err(SealBoxError::InitiatorMismatch);
    }
    let created_at = bundle.created_at;
    if let Some(max) = config.max_prekey_age
        && now.saturating_sub(created_at) > max
    {
        return Err(SealBoxError::StalePrekey { created_at, now });
    }
    let spk = &bundle.signed_prekey;
    let kem = &bundle.last_resort_kem;
    let ephemeral = X25519SecretKey::generate(rng)?;
    let m = random_bytes::<32, R>(rng)?;
    let ss_x = ephemeral.diffie_hellman(&spk.key)?;
    let ek = ephemeral.public_key();
    drop(ephemeral);
    let dh_s = match sender {
        Some(s) => Some(s.dh_secret().diffie_hellman(&spk.key)?),
        None => None,
    };
    let (ct, ss_m) = kem.key.encapsulate_with(&m);
    let k = xwing(&ss_m, &ss_x, &ek, &spk.key);

    let overhead = if sender.is_some() {
        SEALED_BOX_AUTHENTICATED_OVERHEAD
    } else {
        SEALED_BOX_OVERHEAD
    };
    let mut w = Writer::with_capacity(overhead.saturating_add(plaintext.len()));
    w.header(object::SEALED_BOX);
    w.u8(if sender.is_some() {
        FLAG_AUTHENTICATED
    } else {
        0
    });
    w.u32(spk.id);
    w.u32(kem.id);
    w.bytes(ek.as_bytes());
    w.bytes(ct.as_bytes());
    let mut out = w.into_vec();
    if let Some(s) = sender {
        let key = sender_key(&k, &recipient, &out);
        let mut block = Zeroizing::new([0u8; X25519_LEN + 32]);
        let identity = s.public();
        for (o, b) in block.iter_mut().zip(
            identity
                .dh_key()
                .as_bytes()
                .iter()
                .chain(&identity.fingerprint()),
        ) {
            *o = *b;
        }
        // 64 bytes: far below the cipher's limit.
        if !kdf::seal_with(&key, &NONCE, &[], block.as_slice(), &mut out) {
            return Err(SealBoxError::TooLarge);
        }
    }
    let key = payload_key(&k, dh_s.as_ref(), &recipient, &out);
    if !kdf::seal_with(&key, &NONCE, associated_data, plaintext, &mut out) {
        return Err(SealBoxError::TooLarge);
    }
    Ok(out)
}

/// What opening has established before the payload: the combined secret, the recipient's
/// fingerprint (the salts' input) and, for a sender-authenticated box, the sender's X25519 key
/// and fingerprint.
struct Unwrapped {
    k: XWingSecret,
    recipient: [u8; 32],
    sender: Option<(X25519PublicKey, [u8; 32])>,
}

impl PrekeyStore {
    /// Steps 1 to 5 of section 13.3: decode, owner check, prekey lookup, decapsulation, and
    /// the sender block.
    fn unwrap_box<'a>(
        &self,
        identity: &IdentityKeyPair,
        bytes: &'a [u8],
    ) -> Result<(Decoded<'a>, Unwrapped, &X25519SecretKey), OpenBoxError> {
        let d = decode(bytes)?;
        self.owned_by(identity)
            .map_err(|_| OpenBoxError::IdentityMismatch)?;
        let (spk, spk_public, kem) = self.signed_prekeys_for_box(d.spk_id, d.kem_id)?;
        let ss_x = spk.diffie_hellman(&d.ephemeral)?;
        let ss_m = kem.decapsulate(&d.ciphertext);
        let k = xwing(&ss_m, &ss_x, &d.ephemeral, &spk_public);
        let recipient = identity.public().fingerprint();
        let sender = match d.sender_block {
            None => None,
            Some(block) => {
                let key = sender_key(&k, &recipient, d.prefix);
                let plain = Zeroizing::new(
                    kdf::open_with(&key, &NONCE, &[], block).ok_or(OpenBoxError::AuthFailed)?,
                );
                let (dh, fingerprint) = plain
                    .split_at_checked(X25519_LEN)
                    .ok_or(OpenBoxError::AuthFailed)?;
                let dh = <[u8; X25519_LEN]>::try_from(dh).map_err(|_| OpenBoxError::AuthFailed)?;
                let fingerprint =
                    <[u8; 32]>::try_from(fingerprint).map_err(|_| OpenBoxError::AuthFailed)?;
                Some((X25519PublicKey::from_bytes(dh), fingerprint))
            }
        };
        Ok((
            d,
            Unwrapped {
                k,
                recipient,
                sender,
            },
            spk,
        ))
    }

    /// The fingerprint of a sender-authenticated box's sender (`None` for an anonymous box),
    /// read from its encrypted sender block: look the identity up, then [`Self::open_box`]
    /// with it. Costs one ML-KEM decapsulation. The fingerprint is not yet evidence of
    /// anything: only `open_box` authenticates it.
    ///
    /// # Errors
    /// The [`OpenBoxError`]s of steps 1 to 5 of section 13.3.
    pub fn box_sender(
        &self,
        identity: &IdentityKeyPair,
        sealed: &[u8],
    ) -> Result<Option<[u8; 32]>, OpenBoxError> {
        let (_, unwrapped, _) = self.unwrap_box(identity, sealed)?;
        Ok(unwrapped.sender.map(|(_, fingerprint)| fingerprint))
    }

    /// Opens a sealed box addressed to `identity` (which must own this store) with the
    /// `associated_data` it was sealed with. For a sender-authenticated box, `sender` must be
    /// the sender's identity (from the application's directory, by [`Self::box_sender`]'s
    /// fingerprint); for an anonymous box it must be `None`. The store is not changed, so the
    /// same box opens again: see section 13.4 on replays.
    ///
    /// # Errors
    /// [`OpenBoxError`], in the order of section 13.3.
    pub fn open_box(
        &self,
        identity: &IdentityKeyPair,
        sealed: &[u8],
        associated_data: &[u8],
        sender: Option<&PublicIdentity>,
    ) -> Result<OpenedBox, OpenBoxError> {
        let named = sender.map(|s| Ok((*s.dh_key(), s.fingerprint())));
        self.open_box_inner(identity, sealed, associated_data, named)
    }

    /// As [`Self::open_box`], with the sender's identity as its encoding (strictly decoded; an
    /// encoding that does not decode is `INITIATOR_MISMATCH`), whose binding signature is
    /// verified only once the box authenticated (`BAD_SIGNATURE`), unless `cache` holds it byte
    /// for byte: a forged box naming a known sender costs no signature verification. A sender
    /// verified now is added to `cache` (as `Session::accept_cached` does).
    ///
    /// # Errors
    /// [`OpenBoxError`], in the order of section 13.3.
    pub fn open_box_cached(
        &self,
        identity: &IdentityKeyPair,
        sealed: &[u8],
        associated_data: &[u8],
        sender: Option<&[u8]>,
        cache: &mut IdentityCache,
    ) -> Result<OpenedBox, OpenBoxError> {
        let decoded = sender.map(|bytes| {
            PublicIdentity::decode_unverified(bytes).map_err(|_| OpenBoxError::InitiatorMismatch)
        });
        let named = decoded.as_ref().map(|d| match d {
            Ok(id) => Ok((*id.unchecked().dh_key(), id.unchecked().fingerprint())),
            Err(e) => Err(*e),
        });
        let mut opened = self.open_box_inner(identity, sealed, associated_data, named)?;
        if let Some(Ok(unverified)) = decoded {
            // Authenticated: only now is the sender's binding checked (and the plaintext
            // wiped, with `opened`, if it does not verify).
            if cache.verified(unverified, &mut NoTrace).is_err() {
                opened.plaintext.zeroize();
                return Err(OpenBoxError::BadSignature);
            }
        }
        Ok(opened)
    }

    /// Steps 0 to 8 of section 13.3; `sender` is the supplied identity's X25519 key and
    /// fingerprint (or the error its decoding gave, reported at step 6).
    fn open_box_inner(
        &self,
        identity: &IdentityKeyPair,
        sealed: &[u8],
        associated_data: &[u8],
        sender: Option<Result<(X25519PublicKey, [u8; 32]), OpenBoxError>>,
    ) -> Result<OpenedBox, OpenBoxError> {
        if associated_data.len() > MAX_ASSOCIATED_DATA_LEN {
            return Err(OpenBoxError::TooLarge);
        }
        let (d, unwrapped, spk) = self.unwrap_box(identity, sealed)?;
        let dh_s = match (&unwrapped.sender, sender) {
            (None, None) => None,
            (Some(_), None) => return Err(OpenBoxError::IdentityRequired),
            (None, Some(_)) => return Err(OpenBoxError::InitiatorMismatch),
            (Some((dh, fingerprint)), Some(expected)) => {
                let (expected_dh, expected_fingerprint) = expected?;
                if expected_dh != *dh || expected_fingerprint != *fingerprint {
                    return Err(OpenBoxError::InitiatorMismatch);
                }
                Some(spk.diffie_hellman(dh)?)
            }
        };
        let key = payload_key(&unwrapped.k, dh_s.as_ref(), &unwrapped.recipient, d.head);
        let plaintext = kdf::open_with(&key, &NONCE, associated_data, d.payload)
            .ok_or(OpenBoxError::AuthFailed)?;
        Ok(OpenedBox {
            plaintext: Zeroizing::new(plaintext),
            sender: unwrapped.sender.map(|(_, fingerprint)| fingerprint),
            box_id: kdf::sha256(&[sealed]),
        })
    }
}
