//! Prekey uploads: the responder's identity, signed prekey record and one batch of one-time
//! prekeys under **one** ML-DSA signature, and the secret-free function a server uses to
//! compose bundles from it while the responder is offline.
//!
//! Spec: `docs/PROTOCOL.md`, section 5.2 ("Upload and bundle"). The signature covers the
//! owner's fingerprint, the signed prekey record (with its creation time) and the root of a
//! Merkle tree over the batch ([`merkle`]); a bundle carries one leaf and its inclusion proof,
//! so every byte of it is covered by that one signature.

pub(crate) mod merkle;

use alloc::vec::Vec;

use crate::bundle::{OneTimeKeys, WithId};
use crate::consts::MAX_BATCH_LEAVES;
use crate::error::{DecodeError, SignatureKind, UploadError};
use crate::identity::{IDENTITY_BODY_LEN, PublicIdentity, UnverifiedIdentity};
use crate::keys::{
    KEM_PUBLIC_KEY_LEN, KemPublicKey, SIGNATURE_LEN, Signature, X25519_LEN, X25519PublicKey,
};
use crate::labels::{self, object};
use crate::trace::{NoTrace, TraceSink};
use crate::wire::{Reader, Writer};

use merkle::{Hash, Tree, TreeId};

/// Encoded length of the signed prekey record: `u32(spk_id) || SPK || u32(kem_id) || kem_ek
/// || u64(created_at)`.
pub(crate) const SIGNED_RECORD_LEN: usize = 4 + X25519_LEN + 4 + KEM_PUBLIC_KEY_LEN + 8;

/// Everything of an upload before its leaves, and of a bundle after its header:
/// identity body, signed record, `u32(batch_id)`, `u16(leaf_count)`, signature.
pub(crate) const FIXED_PART_LEN: usize =
    IDENTITY_BODY_LEN + SIGNED_RECORD_LEN + 4 + 2 + SIGNATURE_LEN;

/// Longest encoded leaf (both one-time prekeys).
pub(crate) const MAX_LEAF_LEN: usize = 1 + 4 + X25519_LEN + 4 + KEM_PUBLIC_KEY_LEN;

/// Size of an upload with no one-time prekeys.
pub const UPLOAD_MIN_LEN: usize = 3 + FIXED_PART_LEN;
/// Size of the largest upload: [`MAX_BATCH_LEAVES`] leaves with both one-time prekeys.
pub const UPLOAD_MAX_LEN: usize = UPLOAD_MIN_LEN + MAX_BATCH_LEAVES * MAX_LEAF_LEN;

/// The signed X25519 prekey and the last-resort ML-KEM prekey with their creation time, as
/// published (covered by the upload signature).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SignedRecord {
    pub(crate) spk: WithId<X25519PublicKey>,
    pub(crate) kem: WithId<KemPublicKey>,
    /// The owner's clock (Unix seconds) when the pair was generated.
    pub(crate) created_at: u64,
}

impl SignedRecord {
    pub(crate) fn encode(&self, w: &mut Writer) {
        w.u32(self.spk.id);
        w.bytes(self.spk.key.as_bytes());
        w.u32(self.kem.id);
        w.bytes(self.kem.key.as_bytes());
        w.u64(self.created_at);
    }

    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            spk: WithId {
                id: r.u32()?,
                key: X25519PublicKey::from_bytes(r.array()?),
            },
            kem: WithId {
                id: r.u32()?,
                key: KemPublicKey::from_bytes(&r.array()?)?,
            },
            created_at: r.u64()?,
        })
    }
}

/// What the upload signature signs (1,304 bytes):
/// `suite || wire version || fingerprint || record || u32(batch_id) || u16(leaf_count) || root`.
pub(crate) fn upload_message(
    fingerprint: &[u8; 32],
    record: &SignedRecord,
    batch_id: u32,
    leaf_count: u16,
    root: &Hash,
) -> Vec<u8> {
    let mut w = Writer::with_capacity(2 + 32 + SIGNED_RECORD_LEN + 4 + 2 + 32);
    w.u8(labels::SUITE);
    w.u8(labels::WIRE_VERSION);
    w.bytes(fingerprint);
    record.encode(&mut w);
    w.u32(batch_id);
    w.u16(leaf_count);
    w.bytes(root);
    w.into_vec()
}

/// Writes an upload (the prekey store's side, which holds the secrets and signs).
pub(crate) fn encode(
    identity: &PublicIdentity,
    record: &SignedRecord,
    batch_id: u32,
    signature: &Signature,
    leaves: &[Vec<u8>],
) -> Vec<u8> {
    let len = leaves
        .iter()
        .fold(UPLOAD_MIN_LEN, |n, leaf| n.saturating_add(leaf.len()));
    let mut w = Writer::with_capacity(len);
    w.header(object::UPLOAD);
    identity.encode_body(&mut w);
    record.encode(&mut w);
    w.u32(batch_id);
    w.u16(u16::try_from(leaves.len()).unwrap_or(u16::MAX));
    w.bytes(signature.as_bytes());
    for leaf in leaves {
        w.bytes(leaf);
    }
    w.into_vec()
}

/// The root of a batch: `0^32` for an empty batch.
pub(crate) fn root_of<'a>(tree: &TreeId, leaves: impl ExactSizeIterator<Item = &'a [u8]>) -> Hash {
    if leaves.len() == 0 {
        [0u8; 32]
    } else {
        Tree::build(tree, leaves).root()
    }
}

/// A strictly decoded upload; nothing verified.
struct Upload<'a> {
    identity: UnverifiedIdentity,
    /// The bytes after the header and before the leaves, copied as they are into bundles.
    fixed: &'a [u8],
    record: SignedRecord,
    batch_id: u32,
    signature: Signature,
    leaves: Vec<&'a [u8]>,
}

impl<'a> Upload<'a> {
    fn decode(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::top_level(bytes, object::UPLOAD, UPLOAD_MAX_LEN)?;
        let start = r.remaining();
        let identity = PublicIdentity::decode_body(&mut r)?;
        let record = SignedRecord::decode(&mut r)?;
        let batch_id = r.u32()?;
        let leaf_count = r.count_u16(MAX_BATCH_LEAVES, "leaf_count")?;
        let signature = Signature::from_bytes(&r.array()?);
        let fixed = bytes
            .get(3..)
            .and_then(|b| b.get(..start.saturating_sub(r.remaining())))
            .ok_or(DecodeError::Truncated)?;
        let mut leaves = Vec::with_capacity(leaf_count);
        let (mut last_opk, mut last_kem) = (0u32, 0u32);
        for _ in 0..leaf_count {
            let before = r.remaining();
            let rest = r.peek();
            let flags = OneTimeKeys::read_flags(&mut r)?;
            if flags == 0 {
                return Err(DecodeError::InvalidEncoding {
                    field: "leaf flags",
                });
            }
            let keys = OneTimeKeys::decode_after_flags(&mut r, flags)?;
            let increasing = |last: &mut u32, id: Option<u32>| match id {
                Some(id) if id <= *last => false,
                Some(id) => {
                    *last = id;
                    true
                }
                None => true,
            };
            if !increasing(&mut last_opk, keys.prekey.as_ref().map(|k| k.id))
                || !increasing(&mut last_kem, keys.kem.as_ref().map(|k| k.id))
            {
                return Err(DecodeError::InvalidEncoding { field: "leaf ids" });
            }
            let leaf = rest
                .get(..before.saturating_sub(r.remaining()))
                .ok_or(DecodeError::Truncated)?;
            leaves.push(leaf);
        }
        r.finish()?;
        Ok(Self {
            identity,
            fixed,
            record,
            batch_id,
            signature,
            leaves,
        })
    }

    fn leaf_count(&self) -> u16 {
        u16::try_from(self.leaves.len()).unwrap_or(u16::MAX)
    }

    fn fingerprint(&self) -> [u8; 32] {
        self.identity.unchecked().fingerprint()
    }

    fn tree_id(&self) -> TreeId {
        merkle::tree_id(&self.fingerprint(), self.batch_id)
    }

    fn info(&self) -> UploadInfo {
        let mut identity = Writer::with_capacity(3 + IDENTITY_BODY_LEN);
        identity.header(object::IDENTITY);
        self.identity.unchecked().encode_body(&mut identity);
        UploadInfo {
            fingerprint: self.fingerprint(),
            identity: identity.into_vec(),
            signed_prekey_id: self.record.spk.id,
            last_resort_kem_id: self.record.kem.id,
            created_at: self.record.created_at,
            batch_id: self.batch_id,
            leaf_count: self.leaf_count(),
        }
    }
}

/// What an upload says, read without verifying anything: untrusted until
/// [`verify_upload`] returned it (a server MUST verify an upload before it stores it or lets
/// it replace an earlier one, or anyone could replace a user's upload with junk).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadInfo {
    /// Fingerprint of the owner's identity (the key a server files a verified upload under).
    pub fingerprint: [u8; 32],
    /// The owner's identity encoding (a directory serves it to the owner's peers).
    pub identity: Vec<u8>,
    /// Id of the signed X25519 prekey.
    pub signed_prekey_id: u32,
    /// Id of the last-resort ML-KEM prekey.
    pub last_resort_kem_id: u32,
    /// When the owner generated the signed prekeys (its clock, Unix seconds).
    pub created_at: u64,
    /// The owner's batch counter: a later upload has a larger id.
    pub batch_id: u32,
    /// Number of one-time leaves: bundles with one-time prekeys it can compose.
    pub leaf_count: u16,
}

/// Decodes an upload and reports what it holds; verifies nothing.
///
/// # Errors
/// [`UploadError::Decode`].
pub fn inspect_upload(upload: &[u8]) -> Result<UploadInfo, UploadError> {
    Ok(Upload::decode(upload)?.info())
}

/// Checks an upload as an initiator would check each bundle composed from it: the identity
/// binding and the upload signature over the recomputed root (two ML-DSA verifications). A
/// server MUST call it before storing an upload: an unverified one could be anyone's junk
/// under a copied identity, replacing the owner's (and, with a high batch id, locking out his
/// later uploads). Initiators verify every bundle regardless.
///
/// # Errors
/// [`UploadError::Decode`]; [`UploadError::BadSignature`] naming the signature.
pub fn verify_upload(upload: &[u8]) -> Result<UploadInfo, UploadError> {
    let u = Upload::decode(upload)?;
    let info = u.info();
    let root = root_of(&u.tree_id(), u.leaves.iter().copied());
    let message = upload_message(
        &info.fingerprint,
        &u.record,
        u.batch_id,
        u.leaf_count(),
        &root,
    );
    let (_, verifier) = u.identity.verified_with_key(&mut NoTrace)?;
    if verifier.verify(labels::SIG_CTX_UPLOAD, &message, &u.signature, &mut NoTrace) {
        Ok(info)
    } else {
        Err(UploadError::BadSignature {
            which: SignatureKind::Upload,
        })
    }
}

/// Composes prekey bundles from one (verified) upload: parses and hashes it once, then each
/// bundle is a copy. Holds no secret, draws no randomness, verifies and signs nothing; the output is a
/// function of the upload and the index, so any server (and the vectors) compose the same
/// bytes.
pub struct BundleComposer {
    fixed: Vec<u8>,
    leaves: Vec<Vec<u8>>,
    tree: Option<Tree>,
}

impl BundleComposer {
    /// Decodes the upload strictly and builds its Merkle tree.
    ///
    /// # Errors
    /// [`UploadError::Decode`].
    pub fn new(upload: &[u8]) -> Result<Self, UploadError> {
        let u = Upload::decode(upload)?;
        let tree =
            (!u.leaves.is_empty()).then(|| Tree::build(&u.tree_id(), u.leaves.iter().copied()));
        Ok(Self {
            fixed: u.fixed.to_vec(),
            leaves: u.leaves.iter().map(|l| l.to_vec()).collect(),
            tree,
        })
    }

    /// Number of one-time leaves in the batch.
    #[must_use]
    pub fn leaf_count(&self) -> u16 {
        u16::try_from(self.leaves.len()).unwrap_or(u16::MAX)
    }

    /// The bundle with leaf `index` and its inclusion proof, or, for `None`, the bundle
    /// without one-time prekeys (the root instead of a leaf). A server hands out each leaf
    /// once, in index order, and `None` when they are used up.
    ///
    /// # Errors
    /// [`UploadError::LimitExceeded`] if `index` is not below [`Self::leaf_count`].
    pub fn bundle(&self, index: Option<u16>) -> Result<Vec<u8>, UploadError> {
        let mut w = Writer::with_capacity(crate::bundle::BUNDLE_MAX_LEN);
        w.header(object::BUNDLE);
        w.bytes(&self.fixed);
        match index {
            None => {
                w.u8(0);
                w.bytes(&self.tree.as_ref().map_or([0u8; 32], Tree::root));
            }
            Some(i) => {
                let (Some(leaf), Some(tree)) = (self.leaves.get(usize::from(i)), &self.tree) else {
                    return Err(UploadError::LimitExceeded);
                };
                w.bytes(leaf);
                w.u16(i);
                for sibling in tree.path(usize::from(i)) {
                    w.bytes(&sibling);
                }
            }
        }
        Ok(w.into_vec())
    }
}

impl core::fmt::Debug for BundleComposer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("BundleComposer")
            .field("leaf_count", &self.leaves.len())
            .finish_non_exhaustive()
    }
}

/// Composes one bundle from an upload: [`BundleComposer::new`] then
/// [`BundleComposer::bundle`]. It parses the whole upload (every ML-KEM key checked) and
/// hashes its tree each time: a server handing out many bundles keeps a composer instead.
///
/// # Errors
/// As [`BundleComposer::new`] and [`BundleComposer::bundle`].
pub fn compose_bundle(upload: &[u8], index: Option<u16>) -> Result<Vec<u8>, UploadError> {
    BundleComposer::new(upload)?.bundle(index)
}

/// Reports the upload signature's verification to `trace` too (used by the bundle).
pub(crate) fn verify_signature<T: TraceSink>(
    verifier: &crate::keys::SigVerifier,
    message: &[u8],
    signature: &Signature,
    trace: &mut T,
) -> bool {
    verifier.verify(labels::SIG_CTX_UPLOAD, message, signature, trace)
}

/// What an [`crate::IdentityCache`] keeps of an upload verified under a cached identity:
/// SHA-256 of the signed message and the signature (5.2). Local only; never on the wire.
pub(crate) fn verified_digest(message: &[u8], signature: &Signature) -> [u8; 32] {
    crate::kdf::sha256(&[message, signature.as_bytes()])
}
