//! Sealed boxes: one-shot encryption to a bundle's signed prekeys without a session (twofold-core's `seal_box`, docs/PROTOCOL.md
//! section 13). Conversion only, as the rest of the facade.

use alloc::vec::Vec;

use js_sys::Uint8Array;
use twofold_core as core_;
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use crate::objects::{Identity, IdentityCache, PrekeyStore, max_age};
use crate::records::{self, OpenedBox, ToJs};
use crate::{INVALID_ARGUMENT, SCRUB_KEYS, core_error, error, rng, scrubbed, seconds, secret_out};

/// Seals `plaintext` to the recipient of `bundle` (its signed prekeys) as an anonymous box.
/// `max_prekey_age` in seconds (`Infinity`: no age check). `recipient`: the fingerprint the
/// bundle must have (absent: any). `cache`: verified identities (capacity 0 for none).
#[wasm_bindgen(js_name = sealBox)]
pub fn seal_box(
    bundle: &[u8],
    plaintext: Vec<u8>,
    associated_data: &[u8],
    now: f64,
    max_prekey_age: f64,
    recipient: Option<Vec<u8>>,
    cache: &mut IdentityCache,
) -> Result<Uint8Array, JsValue> {
    let plaintext = Zeroizing::new(plaintext);
    seal_box_with(
        None,
        bundle,
        plaintext,
        associated_data,
        now,
        max_prekey_age,
        recipient,
        cache,
    )
}

/// The public fields of a sealed box (strictly decoded).
#[wasm_bindgen(js_name = describeBox, unchecked_return_type = "BoxInfo")]
pub fn describe_box(sealed: &[u8]) -> Result<JsValue, JsValue> {
    Ok(records::box_info(
        core_::describe_box(sealed).map_err(core_error)?,
    ))
}

/// Both exports' body: the arguments as JavaScript passes them.
#[allow(clippy::too_many_arguments)]
fn seal_box_with(
    sender: Option<&core_::IdentityKeyPair>,
    bundle: &[u8],
    plaintext: Zeroizing<Vec<u8>>,
    associated_data: &[u8],
    now: f64,
    max_prekey_age: f64,
    recipient: Option<Vec<u8>>,
    cache: &mut IdentityCache,
) -> Result<Uint8Array, JsValue> {
    scrubbed::<_, SCRUB_KEYS>(|| {
        let recipient = recipient
            .map(|r| {
                <[u8; 32]>::try_from(r.as_slice())
                    .map_err(|_| error(INVALID_ARGUMENT, "recipient must be a 32-byte fingerprint"))
            })
            .transpose()?;
        let config = core_::BoxConfig::default()
            .with_max_prekey_age(max_age(max_prekey_age)?)
            .with_recipient(recipient);
        let now = seconds(now)?;
        let bundle =
            core_::VerifiedBundle::from_bytes_with(bundle, &mut cache.inner).map_err(core_error)?;
        let sealed = core_::seal_box(
            &mut rng(),
            &bundle,
            sender,
            &plaintext,
            associated_data,
            now,
            &config,
        )
        .map_err(core_error)?;
        Ok(Uint8Array::from(sealed.as_slice()))
    })
}

#[wasm_bindgen]
impl Identity {
    /// Seals `plaintext` to the recipient of `bundle` as a sender-authenticated box from this
    /// identity (as `sealBox`).
    // Positional, as wasm-bindgen passes them; the npm layer takes an options object.
    #[allow(clippy::too_many_arguments)]
    #[wasm_bindgen(js_name = sealBox)]
    pub fn seal_box(
        &self,
        bundle: &[u8],
        plaintext: Vec<u8>,
        associated_data: &[u8],
        now: f64,
        max_prekey_age: f64,
        recipient: Option<Vec<u8>>,
        cache: &mut IdentityCache,
    ) -> Result<Uint8Array, JsValue> {
        // Taken into a wiped buffer before anything can fail (a disposed identity).
        let plaintext = Zeroizing::new(plaintext);
        let sender = self.get()?;
        seal_box_with(
            Some(sender),
            bundle,
            plaintext,
            associated_data,
            now,
            max_prekey_age,
            recipient,
            cache,
        )
    }
}

#[wasm_bindgen]
impl PrekeyStore {
    /// Opens a sealed box addressed to `identity` (the store's owner). `sender`: the encoded
    /// identity of the sender of a sender-authenticated box (see `boxSender`); absent for an
    /// anonymous box. Its binding is verified only once the box authenticated, unless `cache`
    /// holds it. The store is not changed.
    #[wasm_bindgen(js_name = openBox, unchecked_return_type = "OpenedBox")]
    pub fn open_box(
        &self,
        identity: &Identity,
        sealed: &[u8],
        associated_data: &[u8],
        sender: Option<Vec<u8>>,
        cache: &mut IdentityCache,
    ) -> Result<JsValue, JsValue> {
        scrubbed::<_, SCRUB_KEYS>(|| {
            let core_::OpenedBox {
                mut plaintext,
                sender,
                box_id,
                ..
            } = self
                .get()?
                .open_box_cached(
                    identity.get()?,
                    sealed,
                    associated_data,
                    sender.as_deref(),
                    &mut cache.inner,
                )
                .map_err(core_error)?;
            Ok(OpenedBox {
                // Moved out, not copied: the one wasm copy is wiped by secret_out.
                plaintext: JsValue::from(secret_out(core::mem::take(&mut *plaintext))),
                sender: sender.as_ref().map(|f| &f[..]),
                boxId: &box_id[..],
            }
            .to_js())
        })
    }

    /// The fingerprint of a sender-authenticated box's sender (not yet authenticated: look the
    /// identity up and pass it to `openBox`), or `undefined` for an anonymous box (the npm
    /// layer gives `null`).
    #[wasm_bindgen(js_name = boxSender)]
    pub fn box_sender(
        &self,
        identity: &Identity,
        sealed: &[u8],
    ) -> Result<Option<Uint8Array>, JsValue> {
        scrubbed::<_, SCRUB_KEYS>(|| {
            let fingerprint = self
                .get()?
                .box_sender(identity.get()?, sealed)
                .map_err(core_error)?;
            Ok(fingerprint.map(|f| Uint8Array::from(&f[..])))
        })
    }
}
