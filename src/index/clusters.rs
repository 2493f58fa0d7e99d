//! Near-duplicate clusters: each mention joins the cluster of an indexed mention whose SimHash
//! is within [`MAX_DISTANCE`] bits, or starts its own. Volume counts keep every member;
//! `search --collapse` shows one per cluster.
//!
//! Lookup is by bands: the 64 bits are cut into 6 bands, so two fingerprints within 5 bits agree
//! exactly on at least one band (pigeonhole), and only mentions sharing a band are compared.
//! The tables are rebuilt from the index's fast fields when a writer opens.

use rustc_hash::FxHashMap;
use tantivy::Searcher;

use super::IndexError;
use crate::text::simhash::{MAX_DISTANCE, distance};

/// (shift, width) of each band; 6 bands cover 64 bits and tolerate 5 differing ones.
const BANDS: [(u32, u32); 6] = [(0, 11), (11, 11), (22, 11), (33, 11), (44, 10), (54, 10)];
const _: () = assert!(BANDS.len() as u32 > MAX_DISTANCE);
/// Only the latest this many members of a band bucket are compared: reposts arrive close in
/// time, and without a bound the cost of a lookup grows with the index (measured: ingest fell
/// from 12,000 to 4,000 mentions/s between 30,000 and 1,000,000 mentions).
const MAX_CANDIDATES: usize = 64;

/// The fingerprints seen so far and the cluster each belongs to.
#[derive(Debug, Default)]
pub struct Clusters {
    bands: [FxHashMap<u16, Vec<u32>>; 6],
    members: Vec<(u64, u64)>,
}

fn band(fp: u64, (shift, width): (u32, u32)) -> u16 {
    ((fp >> shift) & ((1 << width) - 1)) as u16
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
        for (b, spec) in BANDS.iter().enumerate() {
            if let Some(candidates) = self.bands[b].get(&band(fp, *spec))
                && let Some(&i) = candidates
                    .iter()
                    .rev()
                    .take(MAX_CANDIDATES)
                    .find(|&&i| distance(self.members[i as usize].0, fp) <= MAX_DISTANCE)
            {
                let cluster = self.members[i as usize].1;
                self.insert(fp, cluster);
                return cluster;
            }
        }
        self.insert(fp, own);
        own
    }

    fn insert(&mut self, fp: u64, cluster: u64) {
        let i = self.members.len() as u32;
        self.members.push((fp, cluster));
        for (b, spec) in BANDS.iter().enumerate() {
            self.bands[b].entry(band(fp, *spec)).or_default().push(i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Clusters;

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
}
