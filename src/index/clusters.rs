//! Near-duplicate clusters: each mention joins the cluster of an indexed mention whose SimHash
//! is within [`MAX_DISTANCE`] bits, or starts its own. Volume counts keep every member;
//! `search --collapse` shows one per cluster.
//!
//! Lookup is by bands: the 64 bits are cut into 6 bands, so two fingerprints within 5 bits agree
//! exactly on at least one band (pigeonhole), and only mentions sharing a band are compared.
//! The tables are rebuilt from the index's fast fields when a writer opens.

use tantivy::Searcher;

use super::IndexError;
use crate::text::simhash::{MAX_DISTANCE, distance};

/// (shift, width) of each band; 6 bands cover 64 bits and tolerate 5 differing ones.
const BANDS: [(u32, u32); 6] = [(0, 11), (11, 11), (22, 11), (33, 11), (44, 10), (54, 10)];
const _: () = assert!(BANDS.len() as u32 > MAX_DISTANCE);
/// Only the latest this many members of a band bucket are compared: reposts arrive close in
/// time, and without a bound the cost of a lookup grows with the index (measured: ingest fell
/// from 12,000 to 4,000 mentions/s between 30,000 and 1,000,000 mentions). Older members are
/// forgotten, so the tables' memory is bounded too (at most 6 × 2,048 × 2 × 64 members, 25 MB).
const MAX_CANDIDATES: usize = 64;
/// Buckets per band: a band has at most 11 bits.
const BUCKETS: usize = 1 << 11;

/// The latest fingerprints seen and the cluster each belongs to.
#[derive(Debug)]
pub struct Clusters {
    /// Bucket `b * BUCKETS + v` holds the members whose band `b` has the value `v`, oldest
    /// first. The fingerprints themselves are kept in the bucket, apart from their clusters, so
    /// a look-up reads one short run of memory.
    buckets: Vec<Bucket>,
}

#[derive(Debug, Clone, Default)]
struct Bucket {
    fps: Vec<u64>,
    clusters: Vec<u64>,
}

impl Default for Clusters {
    fn default() -> Self {
        Clusters { buckets: vec![Bucket::default(); BANDS.len() * BUCKETS] }
    }
}

/// The bucket of `fp` in band `b`.
fn bucket(fp: u64, b: usize) -> usize {
    let (shift, width) = BANDS[b];
    b * BUCKETS + ((fp >> shift) & ((1 << width) - 1)) as usize
}

impl Clusters {
    /// Reads every fingerprint and cluster of the committed index.
    pub fn load(searcher: &Searcher) -> Result<Clusters, IndexError> {
        let mut clusters = Clusters::default();
        for segment in searcher.segment_readers() {
            let fast = segment.fast_fields();
            let fps = fast.u64("simhash")?;
            let ids = fast.u64("cluster")?;
            for doc in 0..segment.max_doc() {
                if let (Some(fp), Some(cluster)) = (fps.first(doc), ids.first(doc)) {
                    clusters.insert(fp, cluster);
                }
            }
        }
        Ok(clusters)
    }

    /// The cluster for a mention with fingerprint `fp` (`None`: too short to compare) whose own
    /// id, should it start a cluster, is `own`.
    pub fn assign(&mut self, fp: Option<u64>, own: u64) -> u64 {
        let Some(fp) = fp else { return own };
        for b in 0..BANDS.len() {
            let candidates = &self.buckets[bucket(fp, b)];
            let recent = candidates.fps.len().saturating_sub(MAX_CANDIDATES);
            if let Some(near) = candidates.fps[recent..].iter().rposition(|&c| distance(c, fp) <= MAX_DISTANCE) {
                let cluster = candidates.clusters[recent + near];
                self.insert(fp, cluster);
                return cluster;
            }
        }
        self.insert(fp, own);
        own
    }

    fn insert(&mut self, fp: u64, cluster: u64) {
        for b in 0..BANDS.len() {
            let members = &mut self.buckets[bucket(fp, b)];
            if members.fps.len() == 2 * MAX_CANDIDATES {
                members.fps.drain(..MAX_CANDIDATES);
                members.clusters.drain(..MAX_CANDIDATES);
            }
            members.fps.push(fp);
            members.clusters.push(cluster);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{BUCKETS, Clusters, MAX_CANDIDATES};

    #[test]
    fn near_fingerprints_share_a_cluster_far_ones_do_not() {
        let mut c = Clusters::default();
        let a = 0xDEAD_BEEF_0123_4567u64;
        assert_eq!(c.assign(Some(a), 1), 1);
        // Five differing bits, spread over five bands: still found through the sixth.
        let near = a ^ (1 << 3) ^ (1 << 14) ^ (1 << 25) ^ (1 << 36) ^ (1 << 47);
        assert_eq!(c.assign(Some(near), 2), 1);
        let far = a ^ 0x0F0F_0F0F_0000_0000;
        assert_eq!(c.assign(Some(far), 3), 3);
        assert_eq!(c.assign(None, 4), 4);
    }

    #[test]
    fn a_busy_bucket_keeps_only_its_latest_members() {
        let mut c = Clusters::default();
        // 1,000 unrelated fingerprints that all share band 0 (the low 11 bits).
        let fp = |i: u64| (i.wrapping_mul(0x9E37_79B9_7F4A_7C15) & !0x7FF) | 0x123;
        for i in 0..1_000 {
            c.assign(Some(fp(i)), i);
        }
        assert!(c.buckets[0x123].fps.len() <= 2 * MAX_CANDIDATES, "{}", c.buckets[0x123].fps.len());
        assert!(c.buckets.iter().all(|b| b.fps.len() <= 2 * MAX_CANDIDATES && b.clusters.len() == b.fps.len()));
        assert_eq!(c.buckets.len(), 6 * BUCKETS);
        // A repost of the latest one is still found: two bits differ.
        assert_eq!(c.assign(Some(fp(999) ^ (1 << 40) ^ (1 << 60)), 5_000), 999);
    }
}
