//! Strict binary encoding: the only place bytes from outside become typed values.
//!
//! Spec: `docs/PROTOCOL.md`, section 3 ("Encoding rules"). Integers are big-endian and
//! fixed-width; every field has an exact length; optional fields are announced by flag bits
//! whose unused bits must be zero; a decoder must consume its input exactly.
//!
//! [`Reader`] never panics and never indexes: every read is checked and a short input is
//! [`DecodeError::Truncated`].

use alloc::vec::Vec;

use crate::error::DecodeError;
use crate::labels::{SUITE, version_of};

/// A cursor over untrusted input.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(input: &'a [u8]) -> Self {
        Self { rest: input }
    }

    /// A reader over a whole top-level encoding of `object` of at most `max` bytes: the length
    /// first (3.3: `TOO_LARGE` before the header), then the header.
    pub(crate) fn top_level(input: &'a [u8], object: u8, max: usize) -> Result<Self, DecodeError> {
        if input.len() > max {
            return Err(DecodeError::TooLarge {
                len: input.len(),
                max,
            });
        }
        let mut r = Self::new(input);
        r.header(object)?;
        Ok(r)
    }

    /// Reads the three-byte header `version || object type || suite` and checks all three.
    pub(crate) fn header(&mut self, object: u8) -> Result<(), DecodeError> {
        let [version, found, suite] = self.array::<3>()?;
        // The type byte first: the version expected depends on it (ratchet messages are
        // version 2, everything else version 1), so a bundle given to the message decoder is
        // WRONG_OBJECT_TYPE, not UNSUPPORTED_VERSION.
        if found != object {
            return Err(DecodeError::WrongObjectType {
                expected: object,
                found,
            });
        }
        if version != version_of(object) {
            return Err(DecodeError::UnsupportedVersion { found: version });
        }
        if suite != SUITE {
            return Err(DecodeError::UnsupportedSuite { found: suite });
        }
        Ok(())
    }

    pub(crate) fn bytes(&mut self, len: usize) -> Result<&'a [u8], DecodeError> {
        let (head, tail) = self
            .rest
            .split_at_checked(len)
            .ok_or(DecodeError::Truncated)?;
        self.rest = tail;
        Ok(head)
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let bytes = self.bytes(N)?;
        bytes.try_into().map_err(|_| DecodeError::Truncated)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, DecodeError> {
        let [b] = self.array::<1>()?;
        Ok(b)
    }

    pub(crate) fn u16(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    pub(crate) fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    pub(crate) fn u64(&mut self) -> Result<u64, DecodeError> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    /// Reads a boolean encoded as exactly `0x00` or `0x01`.
    pub(crate) fn bool(&mut self, field: &'static str) -> Result<bool, DecodeError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(DecodeError::InvalidEncoding { field }),
        }
    }

    /// Reads a flags byte and rejects any bit outside `allowed`.
    pub(crate) fn flags(&mut self, allowed: u8, field: &'static str) -> Result<u8, DecodeError> {
        let flags = self.u8()?;
        if flags & !allowed != 0 {
            return Err(DecodeError::InvalidEncoding { field });
        }
        Ok(flags)
    }

    /// Reads a `u32` element count and checks it against `max`.
    pub(crate) fn count(&mut self, max: usize, field: &'static str) -> Result<usize, DecodeError> {
        let n = usize::try_from(self.u32()?).map_err(|_| DecodeError::InvalidEncoding { field })?;
        if n > max {
            return Err(DecodeError::InvalidEncoding { field });
        }
        Ok(n)
    }

    /// Reads a `u32`-length-prefixed byte string of at most `max` bytes.
    pub(crate) fn var_bytes(&mut self, max: usize) -> Result<&'a [u8], DecodeError> {
        let len = usize::try_from(self.u32()?).map_err(|_| DecodeError::Truncated)?;
        if len > max {
            return Err(DecodeError::TooLarge { len, max });
        }
        self.bytes(len)
    }

    /// Takes everything that is left.
    pub(crate) fn rest(&mut self) -> &'a [u8] {
        core::mem::take(&mut self.rest)
    }

    pub(crate) fn remaining(&self) -> usize {
        self.rest.len()
    }

    /// What is left, without consuming it (to slice out a field just decoded).
    pub(crate) fn peek(&self) -> &'a [u8] {
        self.rest
    }

    /// Reads a `u16` element count and checks it against `max`.
    pub(crate) fn count_u16(
        &mut self,
        max: usize,
        field: &'static str,
    ) -> Result<usize, DecodeError> {
        let n = usize::from(self.u16()?);
        if n > max {
            return Err(DecodeError::InvalidEncoding { field });
        }
        Ok(n)
    }

    /// Succeeds only if the input was consumed exactly.
    pub(crate) fn finish(self) -> Result<(), DecodeError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::TrailingBytes {
                extra: self.rest.len(),
            })
        }
    }
}

/// An append-only output buffer. Writing cannot fail.
///
/// State encodings hold secrets, so the buffer never leaves a copy behind when it grows: it
/// moves to a larger allocation and wipes the old one itself (a plain `Vec` would free it
/// unwiped). Callers that wrote secrets wipe the final buffer.
#[derive(Default)]
pub(crate) struct Writer {
    buf: Vec<u8>,
}

impl core::fmt::Debug for Writer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Writer({} bytes)", self.buf.len())
    }
}

impl Writer {
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self {
            buf: Vec::with_capacity(capacity),
        }
    }

    /// Makes room for `additional` bytes, wiping the old allocation if it has to move.
    fn reserve(&mut self, additional: usize) {
        let needed = self.buf.len().saturating_add(additional);
        if needed > self.buf.capacity() {
            let capacity = needed.max(self.buf.capacity().saturating_mul(2)).max(64);
            let mut fresh = Vec::with_capacity(capacity);
            fresh.extend_from_slice(&self.buf);
            zeroize::Zeroize::zeroize(&mut self.buf);
            self.buf = fresh;
        }
    }

    pub(crate) fn header(&mut self, object: u8) {
        self.bytes(&[version_of(object), object, SUITE]);
    }

    pub(crate) fn bytes(&mut self, bytes: &[u8]) {
        self.reserve(bytes.len());
        self.buf.extend_from_slice(bytes);
    }

    pub(crate) fn u8(&mut self, v: u8) {
        self.bytes(&[v]);
    }

    pub(crate) fn u16(&mut self, v: u16) {
        self.bytes(&v.to_be_bytes());
    }

    pub(crate) fn u32(&mut self, v: u32) {
        self.bytes(&v.to_be_bytes());
    }

    pub(crate) fn u64(&mut self, v: u64) {
        self.bytes(&v.to_be_bytes());
    }

    pub(crate) fn bool(&mut self, v: bool) {
        self.u8(u8::from(v));
    }

    /// Writes a `u32` count. Callers only count collections bounded by `consts` limits, far
    /// below `u32::MAX`; a larger value saturates and is then rejected by the decoder.
    pub(crate) fn count(&mut self, n: usize) {
        self.u32(u32::try_from(n).unwrap_or(u32::MAX));
    }

    /// Writes a `u32` length prefix and the bytes.
    pub(crate) fn var_bytes(&mut self, bytes: &[u8]) {
        self.count(bytes.len());
        self.bytes(bytes);
    }

    pub(crate) fn len(&self) -> usize {
        self.buf.len()
    }

    pub(crate) fn into_vec(self) -> Vec<u8> {
        self.buf
    }

    pub(crate) fn as_slice(&self) -> &[u8] {
        &self.buf
    }
}

impl zeroize::Zeroize for Writer {
    fn zeroize(&mut self) {
        self.buf.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::{VERSION, object};

    #[test]
    fn header_checks_each_byte_with_its_own_error() {
        let ok = [VERSION, object::IDENTITY, SUITE];
        assert_eq!(Reader::new(&ok).header(object::IDENTITY), Ok(()));
        assert_eq!(
            Reader::new(&[9, object::IDENTITY, SUITE]).header(object::IDENTITY),
            Err(DecodeError::UnsupportedVersion { found: 9 })
        );
        assert_eq!(
            Reader::new(&[VERSION, object::BUNDLE, SUITE]).header(object::IDENTITY),
            Err(DecodeError::WrongObjectType {
                expected: object::IDENTITY,
                found: object::BUNDLE
            })
        );
        assert_eq!(
            Reader::new(&[VERSION, object::IDENTITY, 7]).header(object::IDENTITY),
            Err(DecodeError::UnsupportedSuite { found: 7 })
        );
        assert_eq!(
            Reader::new(&[VERSION, object::IDENTITY]).header(object::IDENTITY),
            Err(DecodeError::Truncated)
        );
    }

    #[test]
    fn finish_rejects_trailing_bytes() {
        let mut r = Reader::new(&[1, 2, 3]);
        assert_eq!(r.array::<2>(), Ok([1, 2]));
        assert_eq!(r.finish(), Err(DecodeError::TrailingBytes { extra: 1 }));
    }

    #[test]
    fn flags_and_bools_are_strict() {
        assert_eq!(Reader::new(&[0b11]).flags(0b11, "f"), Ok(0b11));
        assert_eq!(
            Reader::new(&[0b100]).flags(0b11, "f"),
            Err(DecodeError::InvalidEncoding { field: "f" })
        );
        assert_eq!(
            Reader::new(&[2]).bool("b"),
            Err(DecodeError::InvalidEncoding { field: "b" })
        );
    }

    #[test]
    fn growing_keeps_the_content() {
        let mut w = Writer::default();
        for i in 0..1000u32 {
            w.u32(i);
        }
        let v = w.into_vec();
        assert_eq!(v.len(), 4000);
        assert_eq!(Reader::new(&v[3996..]).u32(), Ok(999));
    }

    #[test]
    fn var_bytes_respects_maximum() {
        let mut w = Writer::default();
        w.var_bytes(&[7; 10]);
        let bytes = w.into_vec();
        assert_eq!(Reader::new(&bytes).var_bytes(10), Ok(&[7u8; 10][..]));
        assert_eq!(
            Reader::new(&bytes).var_bytes(9),
            Err(DecodeError::TooLarge { len: 10, max: 9 })
        );
        assert_eq!(
            Reader::new(&bytes[..8]).var_bytes(10),
            Err(DecodeError::Truncated)
        );
    }
}
