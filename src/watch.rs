//! Watches: the brands (and their competitors) a user follows, and the matcher that tags each
//! mention with the watches it speaks of.
//!
//! A watch matches a text when one of its aliases occurs outside every occurrence of its
//! excluded terms (小米 but not 小米粥: "喝了小米粥，小米手机也不错" still matches), and, when it
//! has required terms, one of those occurs too. Matching runs on normalized text, so aliases
//! match across full-width, case and traditional/simplified differences.

use std::collections::BTreeMap;
use std::sync::Arc;

use aho_corasick::{AhoCorasick, MatchKind};
use serde::Deserialize;

use crate::text::normalize;

/// A watch as configured, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Watch {
    /// Unique name, used in filters and reports.
    pub name: String,
    /// Names the brand goes by (华为, HUAWEI, 华子); at least one.
    pub aliases: Vec<String>,
    /// When not empty, one of these must also occur (a product line, a category word).
    pub required: Vec<String>,
    /// Occurrences of an alias inside one of these do not count (小米粥 for 小米).
    pub excluded: Vec<String>,
    /// The competitor group it belongs to, for share of voice.
    pub group: Option<String>,
    /// Aspects its group's mentions are read for beyond the shared list (aspect → terms): a
    /// milk-tea group's 小料 = [珍珠, 椰果]. Every watch of a group shares them.
    pub aspects: BTreeMap<String, Vec<String>>,
}

impl Watch {
    /// Whether `other` is in its competitor group (a watch without a group is a group of its own).
    fn same_group(&self, other: &Watch) -> bool {
        match (&self.group, &other.group) {
            (Some(a), Some(b)) => a == b,
            (None, None) => self.name == other.name,
            _ => false,
        }
    }

    /// The names of the watches in its competitor group, itself first (only itself without a group).
    pub fn group_members(&self, all: &[Watch]) -> Vec<String> {
        let mut names = vec![self.name.clone()];
        if let Some(g) = &self.group {
            names.extend(
                all.iter().filter(|w| w.group.as_ref() == Some(g) && w.name != self.name).map(|w| w.name.clone()),
            );
        }
        names
    }
}

/// One `[[watch]]` table as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWatch {
    /// The watch's name; also its first alias.
    name: toml::Spanned<String>,
    /// Other names the brand goes by.
    #[serde(default)]
    aliases: Vec<String>,
    /// When given, one of these must occur too.
    #[serde(default)]
    required: Vec<String>,
    /// Alias occurrences inside one of these do not count.
    #[serde(default)]
    excluded: Vec<String>,
    /// Competitor group, for share of voice.
    group: Option<String>,
    /// Aspects beyond the shared list, for the mentions of this watch and of its group.
    #[serde(default)]
    aspects: BTreeMap<String, Vec<String>>,
}

/// A `[[watch]]` table that makes no sense: where it starts (byte offset of its name in the
/// file), its name and why.
#[derive(Debug, Clone, PartialEq)]
pub struct WatchError {
    pub offset: usize,
    pub name: String,
    pub reason: String,
}

/// Validates the `[[watch]]` tables: names non-empty and distinct, no empty term, the name first
/// among the aliases.
pub fn validate_watches(raw: Vec<RawWatch>) -> Result<Vec<Watch>, WatchError> {
    let mut watches: Vec<Watch> = Vec::new();
    for w in raw {
        let offset = w.name.span().start;
        let name = w.name.into_inner();
        let fail = |reason: String| WatchError { offset, name: name.clone(), reason };
        if normalize(&name).is_empty() {
            return Err(fail("name is empty".into()));
        }
        if watches.iter().any(|x| x.name == name) {
            return Err(fail("another watch has this name".into()));
        }
        for (field, list) in [("aliases", &w.aliases), ("required", &w.required), ("excluded", &w.excluded)] {
            if list.iter().any(|t| normalize(t).is_empty()) {
                return Err(fail(format!("{field} has an empty term")));
            }
        }
        if w.group.as_deref().is_some_and(|g| g.trim().is_empty()) {
            return Err(fail("group is empty".into()));
        }
        for (aspect, terms) in &w.aspects {
            if aspect.trim().is_empty() || terms.is_empty() || terms.iter().any(|t| t.trim().is_empty()) {
                return Err(fail(format!(
                    "aspects: {aspect:?} needs a non-empty name and at least one non-empty term"
                )));
            }
        }
        let mut aliases = vec![name.clone()];
        aliases.extend(w.aliases.into_iter().filter(|a| *a != name));
        let (required, excluded, group, aspects) = (w.required, w.excluded, w.group, w.aspects);
        watches.push(Watch { name, aliases, required, excluded, group, aspects });
    }
    Ok(watches)
}

/// The watch named `name` among `all`, or an error listing the configured ones.
pub fn find<'a>(all: &'a [Watch], name: &str) -> Result<&'a Watch, String> {
    all.iter().find(|w| w.name == name).ok_or_else(|| {
        let names: Vec<&str> = all.iter().map(|w| w.name.as_str()).collect();
        if names.is_empty() {
            format!("no watch named {name:?}: no [[watch]] is configured")
        } else {
            format!("no watch named {name:?} in the config; configured: {}", names.join(", "))
        }
    })
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Role {
    Alias,
    Required,
    Excluded,
}

/// Tags texts with the watches they match; one automaton over every watch's terms.
#[derive(Debug, Clone)]
pub struct WatchMatcher {
    watches: Vec<Watch>,
    automaton: Option<AhoCorasick>,
    /// Per pattern: the watch and the pattern's role.
    patterns: Vec<(usize, Role)>,
    /// The watches' names, shared with the documents that carry them.
    names: Vec<Arc<str>>,
    /// Per watch: its group's number (a watch without a group is a group of its own), when some
    /// watch of the group has `aspects`.
    aspect_group: Vec<Option<u32>>,
}

impl WatchMatcher {
    pub fn new(watches: Vec<Watch>) -> Self {
        let mut terms = Vec::new();
        let mut patterns = Vec::new();
        for (w, watch) in watches.iter().enumerate() {
            for (role, list) in
                [(Role::Alias, &watch.aliases), (Role::Required, &watch.required), (Role::Excluded, &watch.excluded)]
            {
                for term in list {
                    terms.push(normalize(term));
                    patterns.push((w, role));
                }
            }
        }
        let automaton = (!terms.is_empty()).then(|| {
            AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(&terms)
                .expect("watch terms are validated non-empty and short")
        });
        let names = watches.iter().map(|w| Arc::from(w.name.as_str())).collect();
        // A group is numbered by its first watch.
        let aspect_group = watches
            .iter()
            .map(|w| {
                let first = watches.iter().position(|o| o.same_group(w)).expect("itself") as u32;
                watches.iter().any(|o| !o.aspects.is_empty() && o.same_group(w)).then_some(first)
            })
            .collect();
        WatchMatcher { watches, automaton, patterns, names, aspect_group }
    }

    pub fn watches(&self) -> &[Watch] {
        &self.watches
    }

    /// The names of the watches `normalized` (text already through [`normalize`]) matches.
    pub fn matches<'a>(&'a self, normalized: &str) -> Vec<&'a str> {
        let mut names = Vec::new();
        self.each_match(normalized, |w| names.push(self.watches[w].name.as_str()));
        names
    }

    /// [`Self::matches`], as shared names a document can keep.
    pub fn matching(&self, normalized: &str) -> Vec<Arc<str>> {
        let mut names = Vec::new();
        self.each_match(normalized, |w| names.push(self.names[w].clone()));
        names
    }

    /// The groups of the watches named `names` that add aspects to the shared list (a watch
    /// without a group is a group of its own), sorted: empty, without allocating, when none does.
    pub fn aspect_groups(&self, names: &[Arc<str>]) -> Vec<u32> {
        let mut groups = Vec::new();
        for (w, group) in self.aspect_group.iter().enumerate() {
            if let Some(g) = group
                && names.iter().any(|n| Arc::ptr_eq(n, &self.names[w]) || **n == *self.names[w])
            {
                groups.push(*g);
            }
        }
        groups.sort_unstable();
        groups.dedup();
        groups
    }

    /// The (aspect, term) pairs that the watches of `groups` ([`Self::aspect_groups`]) add.
    pub fn group_aspects<'a>(&'a self, groups: &'a [u32]) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.watches.iter().zip(&self.aspect_group).filter(|(_, g)| g.is_some_and(|g| groups.contains(&g))).flat_map(
            |(w, _)| w.aspects.iter().flat_map(|(a, terms)| terms.iter().map(move |t| (a.as_str(), t.as_str()))),
        )
    }

    fn each_match(&self, normalized: &str, mut found: impl FnMut(usize)) {
        let Some(automaton) = &self.automaton else {
            return;
        };
        let n = self.watches.len();
        let mut aliases: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
        let mut excluded: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
        let mut required = vec![false; n];
        for m in automaton.find_overlapping_iter(normalized) {
            let (w, role) = self.patterns[m.pattern().as_usize()];
            match role {
                Role::Alias => aliases[w].push((m.start(), m.end())),
                Role::Excluded => excluded[w].push((m.start(), m.end())),
                Role::Required => required[w] = true,
            }
        }
        for w in 0..n {
            let free = aliases[w].iter().any(|&(s, e)| !excluded[w].iter().any(|&(xs, xe)| xs <= s && e <= xe));
            if free && (self.watches[w].required.is_empty() || required[w]) {
                found(w);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watch(name: &str, aliases: &[&str], required: &[&str], excluded: &[&str]) -> Watch {
        let v = |l: &[&str]| l.iter().map(|s| s.to_string()).collect();
        let (required, excluded) = (v(required), v(excluded));
        Watch { name: name.into(), aliases: v(aliases), required, excluded, group: None, aspects: BTreeMap::new() }
    }

    fn matcher() -> WatchMatcher {
        WatchMatcher::new(vec![
            watch("华为", &["华为", "HUAWEI", "华子"], &[], &[]),
            watch("小米", &["小米", "xiaomi"], &[], &["小米粥", "小米椒"]),
            watch("苹果手机", &["苹果", "iphone"], &["手机", "iphone", "ios"], &[]),
        ])
    }

    fn tags(text: &str) -> Vec<String> {
        matcher().matches(&normalize(text)).into_iter().map(String::from).collect()
    }

    #[test]
    fn aliases_match_across_case_width_and_script() {
        assert_eq!(tags("ＨＵＡＷＥＩ新品发布"), vec!["华为"]);
        assert_eq!(tags("華為的售後還行"), vec!["华为"]);
        assert_eq!(tags("华子yyds"), vec!["华为"]);
    }

    #[test]
    fn excluded_terms_mask_only_their_own_occurrences() {
        assert!(tags("早上喝了一碗小米粥").is_empty());
        assert!(tags("小米椒炒肉太辣了").is_empty());
        assert_eq!(tags("喝了小米粥,小米手机也不错"), vec!["小米"]);
    }

    #[test]
    fn required_terms_disambiguate() {
        assert!(tags("今天买的苹果很甜").is_empty());
        assert_eq!(tags("苹果手机电池不耐用"), vec!["苹果手机"]);
        assert_eq!(tags("iPhone 15 发热严重"), vec!["苹果手机"]);
    }

    #[test]
    fn several_watches_in_one_text() {
        assert_eq!(tags("华为和小米哪个好"), vec!["华为", "小米"]);
        assert!(tags("今天天气不错").is_empty());
        assert!(WatchMatcher::new(Vec::new()).matches("华为").is_empty());
    }
}
