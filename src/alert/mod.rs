//! Alerts: spike detection over a watch's indexed counts ([`detect`]), replaying history
//! through it (`yuqing backtest`), the alert in words ([`message`]) and the channels that carry
//! it ([`channels`]). The daemon that runs them on a schedule and the alert history come next.

pub mod backtest;
pub mod channels;
pub mod detect;
pub mod message;

pub use backtest::{Alert, BacktestRequest, backtest, explain, hourly_series};
pub use detect::{Basis, Detector, DetectorConfig, Point, Severity, Verdict};

#[cfg(test)]
mod tests;
