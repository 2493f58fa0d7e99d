//! Alerts: spike detection over a watch's indexed counts ([`detect`]) and replaying history
//! through it (`yuqing backtest`). Delivery channels and the alert history come with the daemon.

pub mod backtest;
pub mod detect;

pub use backtest::{Alert, BacktestRequest, backtest};
pub use detect::{Basis, Detector, DetectorConfig, Point, Severity, Verdict};

#[cfg(test)]
mod tests;
