//! Inline SVG charts, drawn on the server (no script): sentiment stacked bars over time buckets
//! and share-of-voice bars. Used by the digest and the dashboard; labels go through maud's
//! escaping.

use maud::{Markup, html};

use jiff::Timestamp;

use crate::index::stats::Bucket;
use crate::time::local_minute;

pub const POSITIVE: &str = "#2e9d5b";
pub const NEUTRAL: &str = "#9aa3ad";
pub const NEGATIVE: &str = "#d64541";

/// Stacked bars, one per bucket: positive at the bottom, then neutral, then negative; `label`
/// turns a bucket start into its axis label. `name` goes into `data-chart`.
pub fn sentiment_bars(name: &str, buckets: &[Bucket], label: impl Fn(Timestamp) -> String) -> Markup {
    let (w, h, left, bottom, top) = (640.0, 220.0, 36.0, 36.0, 16.0);
    let n = buckets.len().max(1) as f64;
    let max = buckets.iter().map(|b| b.counts.total).max().unwrap_or(0).max(1) as f64;
    let slot = (w - left) / n;
    let bar = slot * 0.6;
    let scale = (h - bottom - top) / max;
    // Label at most about 14 buckets.
    let every = (buckets.len() / 14).max(1);
    html! {
        svg data-chart=(name) viewBox={"0 0 " (w) " " (h)} role="img" aria-label="提及（按情感）" {
            line x1=(left) y1=(h - bottom) x2=(w) y2=(h - bottom) stroke="#8c959f" {}
            text x=(left - 4.0) y=(top + 4.0) text-anchor="end" font-size="11" fill="#59636e" { (max as u64) }
            text x=(left - 4.0) y=(h - bottom) text-anchor="end" font-size="11" fill="#59636e" { "0" }
            @for (i, b) in buckets.iter().enumerate() {
                @let x = left + slot * i as f64 + (slot - bar) / 2.0;
                @let c = b.counts;
                @let (pos_h, neu_h, neg_h) = (c.positive as f64 * scale, c.neutral as f64 * scale, c.negative as f64 * scale);
                @let base = h - bottom;
                rect data-sentiment="positive" x=(fmt(x)) y=(fmt(base - pos_h)) width=(fmt(bar)) height=(fmt(pos_h)) fill=(POSITIVE) {
                    title { (local_minute(b.start)) " 正面 " (c.positive) }
                }
                rect data-sentiment="neutral" x=(fmt(x)) y=(fmt(base - pos_h - neu_h)) width=(fmt(bar)) height=(fmt(neu_h)) fill=(NEUTRAL) {
                    title { (local_minute(b.start)) " 中性 " (c.neutral) }
                }
                rect data-sentiment="negative" x=(fmt(x)) y=(fmt(base - pos_h - neu_h - neg_h)) width=(fmt(bar)) height=(fmt(neg_h)) fill=(NEGATIVE) {
                    title { (local_minute(b.start)) " 负面 " (c.negative) }
                }
                @if buckets.len() <= 14 {
                    text x=(fmt(x + bar / 2.0)) y=(fmt(base - pos_h - neu_h - neg_h - 3.0)) text-anchor="middle" font-size="11" { (c.total) }
                }
                @if i % every == 0 {
                    text x=(fmt(x + bar / 2.0)) y=(fmt(h - bottom + 16.0)) text-anchor="middle" font-size="11" fill="#59636e" {
                        (label(b.start))
                    }
                }
            }
        }
    }
}

/// Horizontal bars of each watch's share: (watch, mentions, share, earlier share to mark);
/// `own` is drawn in blue.
pub fn share_bars(own: &str, rows: &[(String, u64, f64, Option<f64>)]) -> Markup {
    let (w, row, label) = (640.0, 26.0, 110.0);
    let h = row * rows.len() as f64 + 8.0;
    let span = w - label - 90.0;
    html! {
        svg data-chart="share" viewBox={"0 0 " (w) " " (fmt(h))} role="img" aria-label="声量份额" {
            @for (i, (watch, mentions, share, before)) in rows.iter().enumerate() {
                @let y = 4.0 + row * i as f64;
                @let mine = watch == own;
                text x="0" y=(fmt(y + 15.0)) font-size="12" font-weight=(if mine { "700" } else { "400" }) { (watch) }
                rect x=(label) y=(fmt(y + 3.0)) width=(fmt(span * share)) height="16" fill=(if mine { "#0969da" } else { "#8c959f" }) {
                    title { (watch) " " (format!("{:.1}%", share * 100.0)) }
                }
                @if let Some(b) = before {
                    line x1=(fmt(label + span * b)) x2=(fmt(label + span * b)) y1=(fmt(y)) y2=(fmt(y + 22.0)) stroke="#1f2328" stroke-dasharray="2,2" {}
                }
                text x=(fmt(w - 84.0)) y=(fmt(y + 15.0)) font-size="12" {
                    (format!("{:.1}%", share * 100.0)) " (" (mentions) ")"
                }
            }
        }
    }
}

fn fmt(v: f64) -> String {
    format!("{v:.1}")
}

/// A bucket start as `MM-DD` (days) or `MM-DD HH` (hours), local time.
pub fn day_label(t: Timestamp) -> String {
    local_minute(t)[5..10].to_string()
}

/// A bucket start as `MM-DD HH`, local time.
pub fn hour_label(t: Timestamp) -> String {
    local_minute(t)[5..13].to_string()
}
