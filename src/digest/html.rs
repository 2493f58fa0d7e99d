//! The digest as one self-contained HTML page: inline CSS and SVG charts, no script and no
//! external asset, readable on a phone and printable. Every crawled string goes through maud's
//! escaping; links are kept only when they are http(s).

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::Digest;
use super::headlines::change;
use crate::alert::message::safe_url;
use crate::index::search::TopPost;
use crate::mention::local_minute;

const CSS: &str = r#"
body{font-family:-apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
main{max-width:860px;margin:0 auto;padding:16px}
section{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:12px 16px;margin:12px 0}
h1{font-size:1.4em;margin:8px 0}h2{font-size:1.1em;margin:4px 0 8px}
.sub{color:#59636e;font-size:.9em}
ul.headlines li{margin:4px 0;font-weight:600}
table{border-collapse:collapse;width:100%;font-size:.92em}td,th{padding:4px 6px;border-bottom:1px solid #eaeef2;text-align:left}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
svg{width:100%;height:auto}
.legend span{display:inline-block;margin-right:12px;font-size:.85em}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
.post{margin:6px 0;line-height:1.45}.post .meta{color:#59636e;font-size:.85em}
.critical{color:#b42318;font-weight:600}.warning{color:#9a6700;font-weight:600}
@media print{body{background:#fff}section{break-inside:avoid;border:none}}
"#;

const POSITIVE: &str = "#2e9d5b";
const NEUTRAL: &str = "#9aa3ad";
const NEGATIVE: &str = "#d64541";

/// The digest as a complete HTML document.
pub fn render(d: &Digest) -> String {
    let page = html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (d.title) }
                style { (PreEscaped(CSS)) }
            }
            body { main { (body(d)) } }
        }
    };
    page.into_string()
}

/// The digest's content, for embedding in another page (the dashboard).
pub fn body(d: &Digest) -> Markup {
    html! {
        h1 { (d.title) }
        p.sub { (d.period.label) " · " (local_minute(d.period.since)) " → " (local_minute(d.period.until)) " (Asia/Shanghai)" }
        section {
            h2 { "本周要点" }
            ul.headlines { @for h in &d.headlines { li { (h) } } }
            @if d.headlines.is_empty() { p { "本周没有提及。" } }
        }
        section {
            h2 { "每日提及（按情感）" }
            p.sub {
                "共 " (d.counts.total) " 条：正面 " (d.counts.positive) "，中性 " (d.counts.neutral) "，负面 " (d.counts.negative)
                @if let Some(c) = change(d.counts.total, d.previous_counts.total) { "；" (c) }
            }
            (daily_chart(d))
            div.legend {
                span { i style={"background:" (POSITIVE)} {} "正面" }
                span { i style={"background:" (NEUTRAL)} {} "中性" }
                span { i style={"background:" (NEGATIVE)} {} "负面" }
            }
            p.sub { "净情感 " (format!("{:+.2}", d.net_sentiment)) "（上周 " (format!("{:+.2}", d.previous_net_sentiment)) "）" }
        }
        @if d.share_of_voice.len() > 1 {
            section {
                h2 { "声量份额" }
                (share_chart(d))
            }
        }
        section {
            h2 { "风险类别" }
            @if d.risks.is_empty() { p.sub { "没有风险类别的提及。" } } @else {
                table {
                    tr { th { "类别" } th.n { "本周" } th.n { "上周" } }
                    @for r in &d.risks { tr { td { (r.label) } td.n { (r.mentions) } td.n { (r.previous) } } }
                }
            }
        }
        section {
            h2 { "上升词" }
            (terms_table("全部提及", &d.rising_terms))
            (terms_table("负面提及", &d.negative_terms))
        }
        section { h2 { "热门负面" } (posts(&d.top_negative)) }
        section { h2 { "热门正面" } (posts(&d.top_positive)) }
        section {
            h2 { "本周预警" }
            @if d.alerts.is_empty() { p.sub { "本周没有预警。" } } @else {
                table {
                    tr { th { "时间" } th { "级别" } th.n { "负面" } th.n { "预期" } th { "上升词" } }
                    @for a in &d.alerts {
                        tr {
                            td { (a.at) }
                            td class=(a.severity) { @if a.severity == "critical" { "严重" } @else { "预警" } }
                            td.n { (a.observed) } td.n { (format!("{:.1}", a.expected)) }
                            td { (a.terms.join("、")) }
                        }
                    }
                }
            }
        }
    }
}

fn terms_table(caption: &str, terms: &[crate::index::terms::RisingTerm]) -> Markup {
    html! {
        @if !terms.is_empty() {
            p.sub { (caption) }
            table {
                tr { th { "词" } th.n { "本周提及" } th.n { "上周提及" } }
                @for t in terms { tr { td { (t.term) } td.n { (t.mentions) } td.n { (t.before) } } }
            }
        }
    }
}

fn posts(posts: &[TopPost]) -> Markup {
    html! {
        @if posts.is_empty() { p.sub { "没有。" } }
        @for p in posts {
            div.post {
                @match safe_url(&p.url) {
                    Some(url) => a href=(url) rel="noopener noreferrer" { (p.text) },
                    None => span { (p.text) },
                }
                div.meta { (p.source) " · " (p.published_at) " · 互动 " (p.engagement) }
            }
        }
    }
}

/// Stacked bars: one per day, positive at the bottom, then neutral, then negative.
fn daily_chart(d: &Digest) -> Markup {
    let (w, h, left, bottom, top) = (640.0, 220.0, 36.0, 36.0, 16.0);
    let n = d.days.len().max(1) as f64;
    let max = d.days.iter().map(|b| b.counts.total).max().unwrap_or(0).max(1) as f64;
    let slot = (w - left) / n;
    let bar = slot * 0.6;
    let scale = (h - bottom - top) / max;
    html! {
        svg data-chart="daily" viewBox={"0 0 " (w) " " (h)} role="img" aria-label="每日提及（按情感）" {
            line x1=(left) y1=(h - bottom) x2=(w) y2=(h - bottom) stroke="#8c959f" {}
            text x=(left - 4.0) y=(top + 4.0) text-anchor="end" font-size="11" fill="#59636e" { (max as u64) }
            text x=(left - 4.0) y=(h - bottom) text-anchor="end" font-size="11" fill="#59636e" { "0" }
            @for (i, b) in d.days.iter().enumerate() {
                @let x = left + slot * i as f64 + (slot - bar) / 2.0;
                @let c = b.counts;
                @let (pos_h, neu_h, neg_h) = (c.positive as f64 * scale, c.neutral as f64 * scale, c.negative as f64 * scale);
                @let base = h - bottom;
                rect data-sentiment="positive" x=(fmt(x)) y=(fmt(base - pos_h)) width=(fmt(bar)) height=(fmt(pos_h)) fill=(POSITIVE) {
                    title { (b.start.get(..10).unwrap_or(&b.start)) " 正面 " (c.positive) }
                }
                rect data-sentiment="neutral" x=(fmt(x)) y=(fmt(base - pos_h - neu_h)) width=(fmt(bar)) height=(fmt(neu_h)) fill=(NEUTRAL) {
                    title { (b.start.get(..10).unwrap_or(&b.start)) " 中性 " (c.neutral) }
                }
                rect data-sentiment="negative" x=(fmt(x)) y=(fmt(base - pos_h - neu_h - neg_h)) width=(fmt(bar)) height=(fmt(neg_h)) fill=(NEGATIVE) {
                    title { (b.start.get(..10).unwrap_or(&b.start)) " 负面 " (c.negative) }
                }
                text x=(fmt(x + bar / 2.0)) y=(fmt(base - pos_h - neu_h - neg_h - 3.0)) text-anchor="middle" font-size="11" { (c.total) }
                text x=(fmt(x + bar / 2.0)) y=(fmt(h - bottom + 16.0)) text-anchor="middle" font-size="11" fill="#59636e" {
                    (b.start.get(5..10).unwrap_or(&b.start))
                }
            }
        }
    }
}

/// Horizontal bars of each watch's share this week, with last week's share marked.
fn share_chart(d: &Digest) -> Markup {
    let (w, row, label) = (640.0, 26.0, 110.0);
    let h = row * d.share_of_voice.len() as f64 + 8.0;
    html! {
        svg data-chart="share" viewBox={"0 0 " (w) " " (fmt(h))} role="img" aria-label="声量份额" {
            @for (i, s) in d.share_of_voice.iter().enumerate() {
                @let y = 4.0 + row * i as f64;
                @let own = s.watch == d.watch;
                text x="0" y=(fmt(y + 15.0)) font-size="12" font-weight=(if own { "700" } else { "400" }) { (s.watch) }
                rect x=(label) y=(fmt(y + 3.0)) width=(fmt((w - label - 90.0) * s.share)) height="16" fill=(if own { "#0969da" } else { "#8c959f" }) {
                    title { (s.watch) " " (format!("{:.1}%", s.share * 100.0)) }
                }
                line x1=(fmt(label + (w - label - 90.0) * s.previous_share)) x2=(fmt(label + (w - label - 90.0) * s.previous_share)) y1=(fmt(y)) y2=(fmt(y + 22.0)) stroke="#1f2328" stroke-dasharray="2,2" {}
                text x=(fmt(w - 84.0)) y=(fmt(y + 15.0)) font-size="12" {
                    (format!("{:.1}%", s.share * 100.0)) " (" (s.mentions) ")"
                }
            }
        }
    }
}

fn fmt(v: f64) -> String {
    format!("{v:.1}")
}
