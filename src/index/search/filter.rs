//! The aspect filter of a search (`aspect=电池`, `aspect=电池:negative`): read once, by its
//! `FromStr`, for the dashboard, the API and the CLI alike.

use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Term};

use crate::index::Fields;
use crate::sentiment::Label;

/// An aspect filter as written: `电池` (any clause label) or `电池:negative` (that label only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AspectFilter {
    pub aspect: String,
    pub label: Option<Label>,
}

impl std::str::FromStr for AspectFilter {
    type Err = String;

    fn from_str(s: &str) -> Result<AspectFilter, String> {
        let s = s.trim();
        let (aspect, label) = match s.rsplit_once(':') {
            Some((a, l)) => (
                a.trim(),
                Some(l.trim().parse::<Label>().map_err(|_| {
                    format!("{l:?} after the colon is not a label; expected positive, neutral or negative")
                })?),
            ),
            None => (s, None),
        };
        if aspect.is_empty() || aspect.chars().count() > 20 || aspect.contains(char::is_whitespace) {
            return Err(format!("{aspect:?} is not an aspect: a word of at most 20 characters, like 电池"));
        }
        Ok(AspectFilter { aspect: aspect.to_string(), label })
    }
}

impl std::fmt::Display for AspectFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.label {
            Some(l) => write!(f, "{}:{}", self.aspect, l.name()),
            None => write!(f, "{}", self.aspect),
        }
    }
}

impl AspectFilter {
    /// The mentions it picks: its `aspect:label` terms, any of them.
    pub(super) fn query(&self, f: Fields) -> Box<dyn Query> {
        let labels: Vec<Label> = self.label.map_or_else(|| Label::ALL.to_vec(), |l| vec![l]);
        let any: Vec<(Occur, Box<dyn Query>)> = labels
            .into_iter()
            .map(|l| {
                let term = Term::from_field_text(f.aspects, &format!("{}:{}", self.aspect, l.name()));
                (Occur::Should, Box::new(TermQuery::new(term, IndexRecordOption::Basic)) as Box<dyn Query>)
            })
            .collect();
        Box::new(BooleanQuery::new(any))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_aspect_filter_reads_a_word_and_an_optional_label() {
        let battery: AspectFilter = " 电池 ".parse().unwrap();
        assert_eq!((battery.aspect.as_str(), battery.label), ("电池", None));
        let negative: AspectFilter = "电池:negative".parse().unwrap();
        assert_eq!((negative.aspect.as_str(), negative.label), ("电池", Some(Label::Negative)));
        assert_eq!(negative.to_string(), "电池:negative");
        assert!("电池:bad".parse::<AspectFilter>().unwrap_err().contains("not a label"));
        for bad in ["", ":negative", "电 池", "一二三四五六七八九十一二三四五六七八九十一"] {
            assert!(bad.parse::<AspectFilter>().is_err(), "{bad:?}");
        }
    }
}
