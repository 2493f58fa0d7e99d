//! Alerts: spike detection over a watch's indexed counts ([`detect`]), replaying history
//! through it (`yuqing backtest`), the alert in words ([`message`]) and the channels that carry
//! it ([`channels`]), and the alerts raised with their deliveries ([`history`]). The daemon
//! (`yuqing run`) runs them after every crawl.

pub mod backtest;
pub mod channels;
pub mod detect;
pub mod history;
pub mod message;
pub mod rules;

pub use crate::index::search::TopPost;
pub use backtest::{Alert, BacktestRequest, IncidentRef, backtest, explain, series};
pub use detect::{Basis, Detector, Point, Severity, Verdict};
pub use history::{AlertHistory, AlertRecord};
pub use rules::AlertRules;

#[cfg(test)]
mod tests;
