//! The index stage: the tantivy schema of a mention (one place, [`schema`]), the document a
//! prepared mention is indexed as ([`document`]), the jieba tokenizer registered by name
//! ([`tokenizer`]), the one writer with explicit commits ([`writer`]), searching ([`search`]),
//! aggregations ([`stats`]), who and where for any set of mentions ([`breakdown`]), top and rising terms ([`terms`]), near-duplicate clusters
//! ([`clusters`]) and CSV export ([`export`]). Searches and commits block: callers keep them off
//! the async threads.

pub mod breakdown;
pub mod clusters;
pub mod document;
pub mod export;
pub mod schema;
pub mod search;
pub mod stats;
pub mod terms;
pub mod tokenizer;
pub mod writer;

use std::path::Path;
use std::sync::Arc;

use tantivy::Index;

use crate::text::TextPipeline;

pub use schema::{Fields, SCHEMA_VERSION};
pub use tokenizer::{JiebaTokenizer, TOKENIZER_NAME};
pub use writer::{Added, MentionWriter};

/// What can go wrong opening the index.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("cannot create the index directory {path}: {source}")]
    CreateDir { path: String, source: std::io::Error },
    #[error("bad query {query:?}: {reason}")]
    Query { query: String, reason: String },
    /// A request that asks for what the index will not do (too many results or buckets, an
    /// empty period), naming the parameter.
    #[error("{0}")]
    Request(String),
    #[error("index: {0}")]
    Engine(#[from] tantivy::TantivyError),
    #[error("cannot open the index at {path}: {reason}")]
    Open { path: String, reason: String },
    #[error(
        "the index at {path} was written by another version of yuqing ({found}; this one writes version \
         {SCHEMA_VERSION}); point --data at a new directory and crawl or ingest again (this one is left as it is)"
    )]
    OtherSchema { path: String, found: String },
    #[error("cannot record the index version in {path}: {reason}")]
    Version { path: String, reason: String },
    #[error(
        "the index at {path} is being written by another yuqing ({holder}); one process writes an index at a \
         time: stop it first, or let it do the work (`yuqing run` crawls on every schedule)"
    )]
    Locked { path: String, holder: String },
}

/// The file beside tantivy's that records which version of the schema an index holds.
const VERSION_FILE: &str = "yuqing-index-version";

/// Opens the index in `dir`, creating it when absent, with the tokenizer registered. An index of
/// another schema version is refused (and left as it is).
pub fn open_or_create(dir: &Path, text: Arc<TextPipeline>) -> Result<(Index, Fields), IndexError> {
    let path = dir.display().to_string();
    std::fs::create_dir_all(dir).map_err(|source| IndexError::CreateDir { path: path.clone(), source })?;
    let version_file = dir.join(VERSION_FILE);
    let exists = dir.join("meta.json").exists();
    if exists {
        let found = std::fs::read_to_string(&version_file).map(|v| v.trim().to_string()).ok();
        if found.as_deref() != Some(SCHEMA_VERSION.to_string().as_str()) {
            let found = found.map_or_else(|| "an unversioned index".to_string(), |v| format!("version {v}"));
            return Err(IndexError::OtherSchema { path, found });
        }
    }
    let (schema, fields) = schema::build();
    let directory = tantivy::directory::MmapDirectory::open(dir)
        .map_err(|e| IndexError::Open { path: path.clone(), reason: e.to_string() })?;
    let index = Index::open_or_create(directory, schema).map_err(|source| match source {
        tantivy::TantivyError::SchemaError(_) => {
            IndexError::OtherSchema { path: path.clone(), found: "other fields".into() }
        }
        source => IndexError::Open { path: path.clone(), reason: source.to_string() },
    })?;
    if !exists {
        std::fs::write(&version_file, format!("{SCHEMA_VERSION}\n"))
            .map_err(|e| IndexError::Version { path, reason: e.to_string() })?;
    }
    register(&index, text);
    Ok((index, fields))
}

/// An index in memory (tests, benchmarks), with the tokenizer registered.
pub fn in_memory(text: Arc<TextPipeline>) -> (Index, Fields) {
    let (schema, fields) = schema::build();
    let index = Index::create_in_ram(schema);
    register(&index, text);
    (index, fields)
}

fn register(index: &Index, text: Arc<TextPipeline>) {
    index.tokenizers().register(TOKENIZER_NAME, JiebaTokenizer::new(text));
}

#[cfg(test)]
mod tests;
