//! The options `eval` and `lexicon learn` share for choosing labeled rows, and which domain
//! each file's texts are.

use std::path::PathBuf;

use anyhow::Context;
use yuqing::sentiment::Domain;
use yuqing::sentiment::corpus::{Corpus, CorpusOptions, Split, read_corpus};

#[derive(Debug, clap::Args)]
pub struct CorpusArgs {
    /// Labeled CSV files with a header row (label: 1/0 or positive/negative); `DOMAIN=FILE.csv`
    /// (`social=weibo.csv`) says which domain a file's texts are, else --domain.
    #[arg(required = true, value_name = "[DOMAIN=]FILE.csv", value_parser = parse_file)]
    pub files: Vec<(Option<Domain>, PathBuf)>,
    /// The domain of the files not prefixed with one: review, social, news or hotel.
    #[arg(long, default_value = "review")]
    pub domain: Domain,
    /// Percent of rows held out by a fixed hash of their text: learning never sees them and
    /// `eval --holdout` measures only them.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=50))]
    pub holdout: u8,
    /// Percent of further rows set aside for tuning: learning skips them and
    /// `eval --validation` measures only them.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=50))]
    pub validation: u8,
    /// Which validation slice (0 = the buckets right after the held-out ones, 1 = the next …):
    /// with `--validation 18`, folds 0 to 4 cross-validate over all 90 non-held-out percent.
    #[arg(long, default_value_t = 0, requires = "validation")]
    pub fold: u8,
    /// Keep only rows whose COLUMN equals VALUE (e.g. cat=书籍); repeatable.
    #[arg(long, value_name = "COLUMN=VALUE", value_parser = parse_pair)]
    pub only: Vec<(String, String)>,
    /// Drop rows whose COLUMN equals VALUE; repeatable.
    #[arg(long, value_name = "COLUMN=VALUE", value_parser = parse_pair)]
    pub exclude: Vec<(String, String)>,
    /// Name of the text column.
    #[arg(long, default_value = "text")]
    pub text_column: String,
    /// Name of the label column.
    #[arg(long, default_value = "label")]
    pub label_column: String,
}

/// Which side of the split a command reads.
#[derive(Debug, Clone, Copy)]
pub enum Side {
    Train,
    Measure,
}

impl CorpusArgs {
    fn options(&self, side: Side) -> anyhow::Result<CorpusOptions> {
        let (holdout, validation, fold) = (self.holdout, self.validation, self.fold);
        let split = match side {
            Side::Train if holdout + validation > 0 => Split::Train { holdout, validation, fold },
            Side::Measure if validation > 0 => Split::Validation { holdout, validation, fold },
            Side::Measure if holdout > 0 => Split::Holdout { holdout },
            _ => Split::All,
        };
        split.check().map_err(|e| anyhow::anyhow!("--fold {fold}: {e}"))?;
        Ok(CorpusOptions {
            split,
            text_column: self.text_column.clone(),
            label_column: self.label_column.clone(),
            only: self.only.clone(),
            exclude: self.exclude.clone(),
            domain: self.domain,
        })
    }

    /// Reads every file's selected rows, warning about skipped ones.
    pub fn read(&self, side: Side) -> anyhow::Result<Vec<(PathBuf, Domain, Corpus)>> {
        let options = self.options(side)?;
        self.files
            .iter()
            .map(|(domain, path)| {
                let domain = domain.unwrap_or(self.domain);
                let options = CorpusOptions { domain, ..options.clone() };
                let corpus = read_corpus(path, &options).with_context(|| format!("reading {}", path.display()))?;
                for line in corpus.skipped.iter().take(5) {
                    tracing::warn!("skipped {line}");
                }
                if corpus.skipped.len() > 5 {
                    tracing::warn!("{}: {} rows skipped in all", path.display(), corpus.skipped.len());
                }
                Ok((path.clone(), domain, corpus))
            })
            .collect()
    }
}

/// `DOMAIN=FILE` or `FILE`: a prefix that is no domain's name is part of the path.
fn parse_file(s: &str) -> Result<(Option<Domain>, PathBuf), String> {
    match s.split_once('=') {
        Some((d, path)) if d.parse::<Domain>().is_ok() => Ok((d.parse().ok(), PathBuf::from(path))),
        _ => Ok((None, PathBuf::from(s))),
    }
}

fn parse_pair(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(c, v)| (c.to_string(), v.to_string()))
        .ok_or_else(|| format!("expected COLUMN=VALUE, got {s:?}"))
}
