//! yuqing (舆情): brand monitoring for Chinese e-commerce, social, Q&A and news sites.
//!
//! The pipeline stages are modules that hand plain values downstream (`DESIGN.md` in the shared
//! folder, and the README's "Layout", which lists which module may use which): [`source`] reads
//! definitions and pages, [`crawl`] fetches, [`analysis`] normalizes, segments ([`text`]), scores
//! ([`sentiment`]) and tags ([`watch`]) each mention, [`index`] keeps and searches them, [`alert`]
//! judges and delivers, [`digest`] reports, [`daemon`] runs it all on schedules, [`serve`] shows
//! it; [`config`] only assembles the settings each stage owns.

pub mod alert;
pub mod analysis;
pub mod app;
pub mod cluster;
pub mod config;
pub mod crawl;
pub mod daemon;
pub mod data_dir;
pub mod demo;
pub mod digest;
pub mod import;
pub mod incident;
pub mod index;
pub mod mention;
pub mod render;
pub mod saved;
pub mod schedule;
pub mod sentiment;
pub mod serve;
pub mod setting;
pub mod source;
pub mod store;
pub mod text;
pub mod time;
pub mod watch;
