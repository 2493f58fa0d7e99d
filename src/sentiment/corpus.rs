//! Labeled corpora: CSV files with a label column and a text column (the layout of the corpora
//! in `../shared/data/sentiment/`), read for learning and evaluation.
//!
//! Splits are deterministic: a row falls in bucket `fnv1a(text without whitespace) % 100`, so a
//! text that stands in two corpora lands on the same side everywhere, and learning with
//! `--holdout 10` never sees a row that `eval --holdout 10` measures.

use std::hash::Hasher;
use std::path::Path;

use super::SentimentError;
use super::domain::Domain;

/// Which rows of a corpus to use.
///
/// Buckets `0..holdout` are held out; after them the buckets are cut into validation slices of
/// `validation` buckets each, and `fold` picks one of them (fold 0 right after the held-out
/// buckets, fold 1 after that, …), so `--validation 18 --fold 0..=4` is a five-fold
/// cross-validation over the 90 buckets `--holdout 10` leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Split {
    /// Every row.
    #[default]
    All,
    /// Rows for learning: neither held out nor in the validation slice.
    Train { holdout: u8, validation: u8, fold: u8 },
    /// The held-out rows (buckets below `holdout`): never learned from, never tuned on.
    Holdout { holdout: u8 },
    /// The validation slice `fold`: for tuning.
    Validation { holdout: u8, validation: u8, fold: u8 },
}

impl Split {
    fn keeps(self, bucket: u8) -> bool {
        let in_slice = |holdout: u8, validation: u8, fold: u8| {
            let start = u32::from(holdout) + u32::from(fold) * u32::from(validation);
            (start..start + u32::from(validation)).contains(&u32::from(bucket))
        };
        match self {
            Split::All => true,
            Split::Train { holdout, validation, fold } => bucket >= holdout && !in_slice(holdout, validation, fold),
            Split::Holdout { holdout } => bucket < holdout,
            Split::Validation { holdout, validation, fold } => in_slice(holdout, validation, fold),
        }
    }

    /// Checks that the validation slice lies within the 100 buckets; the error says why not.
    pub fn check(self) -> Result<(), String> {
        if let Split::Train { holdout, validation, fold } | Split::Validation { holdout, validation, fold } = self {
            let end = u32::from(holdout) + (u32::from(fold) + 1) * u32::from(validation);
            if end > 100 {
                let last = (100 - u32::from(holdout)) / u32::from(validation).max(1);
                return Err(format!(
                    "validation slice {fold} of {validation}% after {holdout}% held out would end at {end}%; \
                     the last whole slice is {}",
                    last.saturating_sub(1)
                ));
            }
        }
        Ok(())
    }
}

/// How to read a corpus.
#[derive(Debug, Clone)]
pub struct CorpusOptions {
    pub split: Split,
    pub text_column: String,
    pub label_column: String,
    /// Keep only rows whose column equals the value (`cat=书籍`).
    pub only: Vec<(String, String)>,
    /// Drop rows whose column equals the value (files without the column keep every row).
    pub exclude: Vec<(String, String)>,
    /// The domain its texts are (learned and measured as).
    pub domain: Domain,
}

impl Default for CorpusOptions {
    fn default() -> Self {
        CorpusOptions {
            split: Split::All,
            text_column: "text".into(),
            label_column: "label".into(),
            only: Vec::new(),
            exclude: Vec::new(),
            domain: Domain::Review,
        }
    }
}

/// One labeled text.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    pub positive: bool,
    pub text: String,
    pub domain: Domain,
}

/// A corpus as read: the examples and what was skipped.
#[derive(Debug, Default)]
pub struct Corpus {
    pub examples: Vec<Example>,
    /// Rows left out because they could not be read, e.g. `file.csv:12: label "x" ...`.
    pub skipped: Vec<String>,
}

/// The bucket (0..100) a text falls in.
pub fn bucket(text: &str) -> u8 {
    let mut h = fnv::FnvHasher::default();
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        let mut buf = [0u8; 4];
        h.write(c.encode_utf8(&mut buf).as_bytes());
    }
    (h.finish() % 100) as u8
}

/// Parses a label: 1/0, positive/negative, pos/neg.
pub fn parse_label(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "positive" | "pos" => Some(true),
        "0" | "negative" | "neg" => Some(false),
        _ => None,
    }
}

/// Reads the labeled rows of `path` that `options` selects.
pub fn read_corpus(path: &Path, options: &CorpusOptions) -> Result<Corpus, SentimentError> {
    let csv_err = |e: csv::Error| SentimentError::Corpus { path: path.to_path_buf(), reason: e.to_string() };
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_path(path).map_err(csv_err)?;
    let headers = reader.headers().map_err(csv_err)?.clone();
    let column = |name: &str| {
        headers.iter().position(|h| h.trim_start_matches('\u{feff}') == name).ok_or_else(|| SentimentError::Corpus {
            path: path.to_path_buf(),
            reason: format!("no column {name:?}; the header has {:?}", headers.iter().collect::<Vec<_>>()),
        })
    };
    let text_col = column(&options.text_column)?;
    let label_col = column(&options.label_column)?;
    let only = resolve(&options.only, &column)?;
    // A file without the column has no row to exclude; a file without an `only` column is an error.
    let exclude: Vec<(usize, &str)> =
        options.exclude.iter().filter_map(|(c, v)| column(c).ok().map(|i| (i, v.as_str()))).collect();
    let mut corpus = Corpus::default();
    for (n, record) in reader.records().enumerate() {
        let line = n + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                corpus.skipped.push(format!("{}:{line}: {e}", path.display()));
                continue;
            }
        };
        let field = |i: usize| record.get(i).unwrap_or("");
        if !only.iter().all(|(i, v)| field(*i) == *v) || exclude.iter().any(|(i, v)| field(*i) == *v) {
            continue;
        }
        let text = field(text_col).trim();
        let Some(positive) = parse_label(field(label_col)) else {
            corpus.skipped.push(format!(
                "{}:{line}: label {:?} is not 1/0 or positive/negative",
                path.display(),
                field(label_col)
            ));
            continue;
        };
        if text.is_empty() || !options.split.keeps(bucket(text)) {
            continue;
        }
        corpus.examples.push(Example { positive, text: text.to_string(), domain: options.domain });
    }
    Ok(corpus)
}

fn resolve<'a>(
    pairs: &'a [(String, String)],
    column: &impl Fn(&str) -> Result<usize, SentimentError>,
) -> Result<Vec<(usize, &'a str)>, SentimentError> {
    pairs.iter().map(|(c, v)| Ok((column(c)?, v.as_str()))).collect()
}
