//! The server's functions (feature `server`, built into `npm/pkg-server`): reading and
//! checking prekey uploads, composing bundles from them, and the fingerprint a directory files
//! identities under. None holds a secret or draws randomness; they live in a module of their
//! own so that the client download does not carry them.

use js_sys::Uint8Array;
use twofold_core as core_;
use wasm_bindgen::prelude::*;

use crate::{DISPOSED, core_error, error, records};

/// The fingerprint of an encoded public identity (its binding verified): what a directory
/// files it under, what `describeMessage` names an initiator by and what
/// `session.peerFingerprint()` returns.
#[wasm_bindgen(js_name = fingerprintOf)]
pub fn fingerprint_of(identity: &[u8]) -> Result<Uint8Array, JsValue> {
    let id = core_::PublicIdentity::from_bytes(identity).map_err(core_error)?;
    Ok(Uint8Array::from(&id.fingerprint()[..]))
}

/// What an upload says (a server's bookkeeping); verifies nothing.
#[wasm_bindgen(js_name = inspectUpload, unchecked_return_type = "UploadInfo")]
pub fn inspect_upload(upload: &[u8]) -> Result<JsValue, JsValue> {
    Ok(records::upload_info(
        core_::inspect_upload(upload).map_err(core_error)?,
    ))
}

/// Checks an upload's identity binding and signature (a server's check at upload time).
#[wasm_bindgen(js_name = verifyUpload, unchecked_return_type = "UploadInfo")]
pub fn verify_upload(upload: &[u8]) -> Result<JsValue, JsValue> {
    Ok(records::upload_info(
        core_::verify_upload(upload).map_err(core_error)?,
    ))
}

/// Composes one bundle from an upload: leaf `index`, or none for `undefined`.
#[wasm_bindgen(js_name = composeBundle)]
pub fn compose_bundle(upload: &[u8], index: Option<u16>) -> Result<Uint8Array, JsValue> {
    let bytes = core_::compose_bundle(upload, index).map_err(core_error)?;
    Ok(Uint8Array::from(bytes.as_slice()))
}

/// The public fields of a sealed box (what a relay routes and deduplicates by); verifies
/// nothing. The client module has its own (`boxes::describe_box`): a build with both features
/// (the workspace's clippy runs) keeps that one, so no export is defined twice.
#[cfg(not(feature = "client"))]
#[wasm_bindgen(js_name = describeBox, unchecked_return_type = "BoxInfo")]
pub fn describe_box(sealed: &[u8]) -> Result<JsValue, JsValue> {
    Ok(records::box_info(
        core_::describe_box(sealed).map_err(core_error)?,
    ))
}

/// Composes bundles from one upload, parsing and hashing it once.
#[wasm_bindgen]
#[derive(Debug)]
pub struct BundleComposer {
    inner: Option<core_::BundleComposer>,
}

#[wasm_bindgen]
impl BundleComposer {
    /// Parses an upload and builds its Merkle tree.
    #[wasm_bindgen(constructor)]
    pub fn new(upload: &[u8]) -> Result<BundleComposer, JsValue> {
        Ok(Self {
            inner: Some(core_::BundleComposer::new(upload).map_err(core_error)?),
        })
    }

    fn get(&self) -> Result<&core_::BundleComposer, JsValue> {
        self.inner
            .as_ref()
            .ok_or_else(|| error(DISPOSED, "BundleComposer was disposed"))
    }

    /// The bundle with leaf `index`, or without one-time prekeys for `undefined`.
    pub fn bundle(&self, index: Option<u16>) -> Result<Uint8Array, JsValue> {
        let bytes = self.get()?.bundle(index).map_err(core_error)?;
        Ok(Uint8Array::from(bytes.as_slice()))
    }

    /// One-time leaves in the upload.
    #[wasm_bindgen(getter, js_name = leafCount)]
    pub fn leaf_count(&self) -> Result<u16, JsValue> {
        Ok(self.get()?.leaf_count())
    }

    /// Drops the parsed upload; later calls throw `DISPOSED`.
    pub fn dispose(&mut self) {
        self.inner = None;
    }

    /// Whether `dispose` was called.
    #[wasm_bindgen(getter, js_name = isDisposed)]
    pub fn is_disposed(&self) -> bool {
        self.inner.is_none()
    }
}
