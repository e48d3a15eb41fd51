//! The Merkle tree that lets one ML-DSA signature cover a whole batch of one-time prekeys.
//!
//! Spec: `docs/PROTOCOL.md`, section 5.2 ("Merkle tree"). The tree of `n` leaves is padded to
//! `N = 2^D` positions, `D = ⌈log2 n⌉`; every hash input starts with a role byte (leaf, node,
//! padding) and carries the tree's identity (`tree_id`: the owner's fingerprint and the batch
//! id) and its position, so no two hash inputs of any honest tree anywhere are equal and a
//! forger must find a second preimage of one specific hash.

use alloc::vec::Vec;

use crate::kdf;
use crate::labels::merkle;

/// A node of the tree.
pub(crate) type Hash = [u8; 32];

/// `fingerprint (32) || u32(batch_id)`: the public tweak of every hash of one batch.
pub(crate) type TreeId = [u8; 36];

pub(crate) fn tree_id(fingerprint: &[u8; 32], batch_id: u32) -> TreeId {
    let mut id = [0u8; 36];
    let (fp, batch) = id.split_at_mut(32);
    fp.copy_from_slice(fingerprint);
    batch.copy_from_slice(&batch_id.to_be_bytes());
    id
}

/// `D = ⌈log2 n⌉` for `n ≥ 1` (0 for one leaf).
pub(crate) const fn depth(leaf_count: usize) -> usize {
    let mut d: usize = 0;
    while (1usize << d) < leaf_count {
        d = d.saturating_add(1);
    }
    d
}

/// `x(0, i)` of a leaf.
pub(crate) fn leaf_hash(tree: &TreeId, index: u16, leaf: &[u8]) -> Hash {
    kdf::sha256(&[&[merkle::LEAF], tree, &index.to_be_bytes(), leaf])
}

/// `x(0, i)` of an empty position `i ≥ n`.
fn padding_hash(tree: &TreeId, index: u16) -> Hash {
    kdf::sha256(&[&[merkle::PADDING], tree, &index.to_be_bytes()])
}

/// `x(h, j)` from its two children.
fn node_hash(tree: &TreeId, level: u8, index: u16, left: &Hash, right: &Hash) -> Hash {
    kdf::sha256(&[
        &[merkle::NODE],
        tree,
        &[level],
        &index.to_be_bytes(),
        left,
        right,
    ])
}

/// Every level of a padded tree: `levels[0]` the `N` leaf and padding hashes, the last level
/// the root alone.
pub(crate) struct Tree {
    levels: Vec<Vec<Hash>>,
}

impl Tree {
    /// Builds the tree over `leaves` (encoded leaves, `1 ≤ n ≤ MAX_BATCH_LEAVES`; positions
    /// are `u16`, so any `n ≤ 2^15` works).
    pub(crate) fn build<'a>(
        tree: &TreeId,
        leaves: impl ExactSizeIterator<Item = &'a [u8]>,
    ) -> Self {
        let n = leaves.len();
        let width = 1usize << depth(n);
        let mut level: Vec<Hash> = Vec::with_capacity(width);
        for (i, leaf) in (0u16..).zip(leaves) {
            level.push(leaf_hash(tree, i, leaf));
        }
        for i in (0u16..).take(width).skip(n) {
            level.push(padding_hash(tree, i));
        }
        let mut levels = Vec::with_capacity(depth(n).saturating_add(1));
        let mut height = 0u8;
        while level.len() > 1 {
            height = height.saturating_add(1);
            let next = (0u16..)
                .zip(level.chunks_exact(2))
                .map(|(j, pair)| match pair {
                    [left, right] => node_hash(tree, height, j, left, right),
                    _ => [0u8; 32],
                })
                .collect();
            levels.push(core::mem::replace(&mut level, next));
        }
        levels.push(level);
        Self { levels }
    }

    pub(crate) fn root(&self) -> Hash {
        self.levels
            .last()
            .and_then(|top| top.first())
            .copied()
            .unwrap_or([0u8; 32])
    }

    /// The inclusion proof of leaf `index`: the sibling at each level, leaves first.
    pub(crate) fn path(&self, index: usize) -> Vec<Hash> {
        self.levels
            .iter()
            .take(self.levels.len().saturating_sub(1))
            .enumerate()
            .map(|(h, level)| level.get((index >> h) ^ 1).copied().unwrap_or([0u8; 32]))
            .collect()
    }
}

/// The root that leaf `leaf` at `index` with `siblings` (leaves first) leads to.
pub(crate) fn root_from_path(tree: &TreeId, index: u16, leaf: &[u8], siblings: &[Hash]) -> Hash {
    let mut v = leaf_hash(tree, index, leaf);
    let mut j = index;
    for (height, sibling) in (1u8..).zip(siblings) {
        v = if j & 1 == 0 {
            node_hash(tree, height, j >> 1, &v, sibling)
        } else {
            node_hash(tree, height, j >> 1, sibling, &v)
        };
        j >>= 1;
    }
    v
}

#[cfg(test)]
#[allow(
    clippy::cast_possible_truncation,
    clippy::integer_division_remainder_used,
    clippy::indexing_slicing,
    clippy::unwrap_used
)]
mod tests {
    use super::*;

    fn leaves(n: usize) -> Vec<Vec<u8>> {
        (0..n).map(|i| alloc::vec![0x01, i as u8, 7]).collect()
    }

    #[test]
    fn depth_is_the_ceiling_of_log2() {
        let cases = [
            (1, 0),
            (2, 1),
            (3, 2),
            (4, 2),
            (5, 3),
            (100, 7),
            (512, 9),
            (1000, 10),
        ];
        for (n, d) in cases {
            assert_eq!(depth(n), d, "n = {n}");
        }
    }

    #[test]
    fn every_path_leads_to_the_root_and_no_other_leaf_does() {
        let id = tree_id(&[9; 32], 3);
        for n in [1usize, 2, 3, 5, 8, 13] {
            let ls = leaves(n);
            let tree = Tree::build(&id, ls.iter().map(Vec::as_slice));
            for (i, leaf) in ls.iter().enumerate() {
                let path = tree.path(i);
                assert_eq!(path.len(), depth(n));
                let index = u16::try_from(i).unwrap();
                assert_eq!(root_from_path(&id, index, leaf, &path), tree.root());
                // The same leaf at another index, another leaf at this index, or the tree of
                // another batch: another root.
                if n > 1 {
                    let other = u16::try_from((i + 1) % n).unwrap();
                    assert_ne!(root_from_path(&id, other, leaf, &path), tree.root());
                    assert_ne!(
                        root_from_path(&id, index, &ls[(i + 1) % n], &path),
                        tree.root()
                    );
                }
                let id2 = tree_id(&[9; 32], 4);
                assert_ne!(root_from_path(&id2, index, leaf, &path), tree.root());
            }
        }
    }

    #[test]
    fn one_leaf_is_its_own_root() {
        let id = tree_id(&[1; 32], 1);
        let tree = Tree::build(&id, [&b"\x01abc"[..]].into_iter());
        assert_eq!(tree.root(), leaf_hash(&id, 0, b"\x01abc"));
        assert!(tree.path(0).is_empty());
    }
}
