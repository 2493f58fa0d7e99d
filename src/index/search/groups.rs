//! Duplicate groups in a search: how many of the matching mentions are in each shown group, and
//! how many of those carry exactly the shown text — one pass over the matches reading two fast
//! columns, so a storm of 10,000 copies costs a count, not 10,000 stored documents.

use std::sync::Arc;

use rustc_hash::FxHashMap;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use super::hit::GroupSize;

/// Counts, for each group in `shown` (group → the shown mention's text fingerprint), its matching
/// mentions and those with that very text.
pub struct GroupCounts {
    pub shown: Arc<FxHashMap<u64, u64>>,
}

pub struct SegmentGroupCounts {
    shown: Arc<FxHashMap<u64, u64>>,
    groups: Column<u64>,
    texts: Column<u64>,
    counts: FxHashMap<u64, GroupSize>,
}

impl Collector for GroupCounts {
    type Fruit = FxHashMap<u64, GroupSize>;
    type Child = SegmentGroupCounts;

    fn for_segment(&self, _: SegmentOrdinal, segment: &SegmentReader) -> tantivy::Result<SegmentGroupCounts> {
        let fast = segment.fast_fields();
        Ok(SegmentGroupCounts {
            shown: self.shown.clone(),
            groups: fast.u64("cluster")?,
            texts: fast.u64("text_hash")?,
            counts: FxHashMap::default(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<FxHashMap<u64, GroupSize>>) -> tantivy::Result<Self::Fruit> {
        let mut all: FxHashMap<u64, GroupSize> = FxHashMap::default();
        for fruit in fruits {
            for (group, n) in fruit {
                let total = all.entry(group).or_insert(GroupSize { mentions: 0, identical: 0 });
                total.mentions += n.mentions;
                total.identical += n.identical;
            }
        }
        Ok(all)
    }
}

impl SegmentCollector for SegmentGroupCounts {
    type Fruit = FxHashMap<u64, GroupSize>;

    fn collect(&mut self, doc: DocId, _: Score) {
        let Some(group) = self.groups.first(doc) else { return };
        let Some(&text) = self.shown.get(&group) else { return };
        let n = self.counts.entry(group).or_insert(GroupSize { mentions: 0, identical: 0 });
        n.mentions += 1;
        n.identical += u64::from(self.texts.first(doc) == Some(text));
    }

    fn harvest(self) -> Self::Fruit {
        self.counts
    }
}
