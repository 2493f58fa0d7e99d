//! The index stage: the tantivy schema of a mention and the jieba tokenizer it is searched with.
//! Also writing ([`writer`]), searching ([`search`]) and aggregations ([`stats`]).

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

pub use schema::Fields;
pub use tokenizer::{JiebaTokenizer, TOKENIZER_NAME};
pub use writer::{Added, MentionWriter, Prepared, Preparer};

/// What can go wrong opening the index.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("cannot create the index directory {path}: {source}")]
    CreateDir { path: String, source: std::io::Error },
    #[error("bad query {query:?}: {reason}")]
    Query { query: String, reason: String },
    #[error("index: {0}")]
    Engine(#[from] tantivy::TantivyError),
    #[error("index at {path}: {source}")]
    Tantivy { path: String, source: tantivy::TantivyError },
    #[error(
        "the index at {path} was written by another version of yuqing, with other fields; \
         point --data at a new directory and ingest again (this one is left as it is)"
    )]
    OtherSchema { path: String },
}

/// Opens the index in `dir`, creating it when absent, with the tokenizer registered.
pub fn open_or_create(dir: &Path, text: Arc<TextPipeline>) -> Result<(Index, Fields), IndexError> {
    let path = dir.display().to_string();
    std::fs::create_dir_all(dir).map_err(|source| IndexError::CreateDir { path: path.clone(), source })?;
    let (schema, fields) = schema::build();
    let directory = tantivy::directory::MmapDirectory::open(dir)
        .map_err(|e| IndexError::Tantivy { path: path.clone(), source: e.into() })?;
    let index = Index::open_or_create(directory, schema).map_err(|source| match source {
        tantivy::TantivyError::SchemaError(_) => IndexError::OtherSchema { path },
        source => IndexError::Tantivy { path, source },
    })?;
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
