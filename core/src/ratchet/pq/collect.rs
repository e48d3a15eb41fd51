//! The chunks of one incoming PQ object, collected until `k` distinct indices are held.

use alloc::vec::Vec;

use crate::consts::PQ_CHUNK_LEN;
use crate::erasure;

/// Collected chunks, by ascending index, fewer than `k` between operations.
#[derive(Default)]
pub(crate) struct Collector {
    chunks: Vec<(u16, [u8; PQ_CHUNK_LEN])>,
}

/// What adding one chunk did.
pub(crate) enum Added {
    /// The index was held with the same bytes: nothing changed.
    Repeated,
    /// The index was held with other bytes: the collection was dropped.
    Conflict,
    /// Added; fewer than `k` are held.
    Held,
    /// The `k`-th chunk: the decoded `k · 34` bytes and the indices used. The collection is
    /// empty again.
    Complete(Vec<u8>, Vec<u16>),
}

impl Collector {
    pub(crate) fn from_chunks(chunks: Vec<(u16, [u8; PQ_CHUNK_LEN])>) -> Self {
        Self { chunks }
    }

    pub(crate) fn chunks(&self) -> &[(u16, [u8; PQ_CHUNK_LEN])] {
        &self.chunks
    }

    pub(crate) fn len(&self) -> usize {
        self.chunks.len()
    }

    /// Adds chunk `index` of an object of `k` chunks.
    pub(crate) fn add(&mut self, k: usize, index: u16, bytes: &[u8; PQ_CHUNK_LEN]) -> Added {
        match self.chunks.binary_search_by_key(&index, |(i, _)| *i) {
            Ok(at) => {
                if self.chunks.get(at).is_some_and(|(_, held)| held == bytes) {
                    Added::Repeated
                } else {
                    self.chunks.clear();
                    Added::Conflict
                }
            }
            Err(at) => {
                self.chunks.insert(at, (index, *bytes));
                if self.chunks.len() < k {
                    return Added::Held;
                }
                let chunks = core::mem::take(&mut self.chunks);
                let indices = chunks.iter().map(|(i, _)| *i).collect();
                match erasure::decode(k, &chunks) {
                    Some(object) => Added::Complete(object, indices),
                    // Not reachable: exactly k chunks with distinct indices always decode.
                    None => Added::Conflict,
                }
            }
        }
    }
}
