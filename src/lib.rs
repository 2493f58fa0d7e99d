//! yuqing (舆情): brand monitoring for Chinese e-commerce, social, Q&A and news sites.
//!
//! The pipeline stages are modules that hand plain values downstream (see `DESIGN.md` in the
//! shared folder and the README): [`text`] normalizes and segments, [`sentiment`] scores,
//! [`analyzer`] assembles both from [`config`]; [`index`] holds the tantivy schema and tokenizer.

pub mod alert;
pub mod analyzer;
pub mod config;
pub mod crawl;
pub mod daemon;
pub mod demo;
pub mod digest;
pub mod index;
pub mod mention;
pub mod sentiment;
pub mod serve;
pub mod source;
pub mod store;
pub mod text;
pub mod watch;
