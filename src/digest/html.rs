//! The digest as one self-contained HTML page: inline CSS and SVG charts, no script and no
//! external asset, readable on a phone and printable. Every crawled string goes through maud's
//! escaping; links are kept only when they are http(s).

use crate::render::shares::{negative_share, percent};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::Digest;
use super::PeriodKind;
use super::charts::{BarLink, Bars, CSS as CHART_CSS, Mark, search_link, share_bars, watch_posts};
use super::headlines::change;
use crate::index::search::TopPost;
use crate::render::safe_url;
use crate::time::Interval;
use crate::time::local_minute;

pub const CSS: &str = r#"
body{font-family:-apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
main{max-width:860px;margin:0 auto;padding:16px}
section{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:12px 16px;margin:12px 0}
h1{font-size:1.4em;margin:8px 0}h2{font-size:1.1em;margin:4px 0 8px}
.sub{color:#59636e;font-size:.9em}
ul.headlines li{margin:4px 0;font-weight:600}
table{border-collapse:collapse;width:100%;font-size:.92em}td,th{padding:4px 6px;border-bottom:1px solid #eaeef2;text-align:left}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.post{margin:6px 0;line-height:1.45}.post .meta{color:#59636e;font-size:.85em}
.critical{color:#b42318;font-weight:600}.warning{color:#9a6700;font-weight:600}
@media print{body{background:#fff}section{break-inside:avoid;border:none}}
"#;

/// The digest as a complete HTML document; with `dashboard` (the dashboard's address, `""` on
/// the dashboard itself) every count links to the posts it counts there, and the page to the
/// watch's trend over the period.
pub fn render(d: &Digest, dashboard: Option<&str>) -> String {
    let page = html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (d.title) }
                style { (PreEscaped(CSS)) (PreEscaped(CHART_CSS)) }
            }
            body { main { (body(d, dashboard)) } }
        }
    };
    page.into_string()
}

/// The digest's content, for embedding in another page (the dashboard); `dashboard` as for
/// [`render`].
pub fn body(d: &Digest, dashboard: Option<&str>) -> Markup {
    let (this, was) = (d.period.this_zh(), d.period.before_zh());
    let links = Links::new(d, dashboard);
    let bar_posts = dashboard.map(|base| watch_posts(base, &d.watch));
    let share_posts = |w: &str| links.watch(w).unwrap_or_default();
    html! {
        h1 { (d.title) }
        p.sub {
            (period_line(d))
            @if let Some(trend) = links.trend() { " · " a href=(trend) { "在看板中查看" } }
        }
        section {
            h2 { (this) "要点" }
            ul.headlines { @for h in &d.headlines { li { (h) } } }
            @if d.headlines.is_empty() { p { (this) "没有提及。" } }
        }
        section {
            h2 { (volume_heading(d)) }
            p.sub { (counts_line(d)) }
            (daily_bars(d, bar_posts.as_ref().map(|l| l as _)).render())
            p.sub { (net_line(d)) }
        }
        @if d.share_of_voice.len() > 1 {
            section {
                h2 { "声量份额" }
                (share_bars(&d.watch, &d.share_of_voice.iter().map(|s| (s.watch.clone(), s.mentions, s.share, Some(s.previous_share))).collect::<Vec<_>>(), links.base.map(|_| &share_posts as &dyn Fn(&str) -> String)))
            }
        }
        section {
            h2 { "风险类别" }
            @if d.risks.is_empty() { p.sub { "没有风险类别的提及。" } } @else {
                table {
                    tr { th { "类别" } th.n { (this) } th.n { (was) } }
                    @for r in &d.risks { tr { td { (r.label) } td.n { (links.count(r.mentions, &[("risk", r.risk.name())])) } td.n { (r.previous) } } }
                }
            }
        }
        (emotions_and_aspects(d, &links))
        section {
            h2 { "上升词" }
            (terms_table(d, &links, "全部提及", &d.rising_terms, None))
            (terms_table(d, &links, "负面提及", &d.negative_terms, Some("negative")))
        }
        section { h2 { "热门负面" } (posts(&d.top_negative)) }
        section { h2 { "热门正面" } (posts(&d.top_positive)) }
        section {
            h2 { (this) "预警" }
            @if d.alerts.is_empty() { p.sub { (this) "没有预警。" } } @else {
                table {
                    tr { th { "时间" } th { "级别" } th.n { "负面" } th.n { "预期" } th { "上升词" } }
                    @for a in &d.alerts {
                        tr {
                            td { (local_minute(a.at)) }
                            td class=(a.severity.name()) { (a.severity.label_zh()) }
                            td.n { (a.observed) } td.n { (format!("{:.1}", a.expected)) }
                            td { (a.terms.join("、")) }
                        }
                    }
                }
            }
        }
    }
}

/// The period, its times and the period it is compared with.
pub fn period_line(d: &Digest) -> String {
    let p = &d.period;
    let span = match p.kind {
        PeriodKind::Span => p.label.clone(),
        _ => format!("{} · {} → {}", p.label, local_minute(p.since), local_minute(p.until)),
    };
    format!("{span} (Asia/Shanghai)，对比前一周期 {}", d.previous_period.label)
}

/// The volume section's heading: per hour for a day, else per day.
pub fn volume_heading(d: &Digest) -> &'static str {
    if d.period.interval() == Interval::Hour { "每小时提及（按情感）" } else { "每日提及（按情感）" }
}

/// The period's mentions by sentiment, and the change against the one before.
pub fn counts_line(d: &Digest) -> String {
    let c = d.counts;
    let mut line = format!("共 {} 条：正面 {}，中性 {}，负面 {}", c.total, c.positive, c.neutral, c.negative);
    if let Some(change) = change(c.total, d.previous_counts.total, &d.period.before_zh()) {
        line.push_str(&format!("；{change}"));
    }
    line
}

/// The emotions of the negative mentions in one line, and the aspects with their mentions (a
/// link to them) and negative share against the period before.
fn emotions_and_aspects(d: &Digest, links: &Links) -> Markup {
    let (this, was) = (d.period.this_zh(), d.period.before_zh());
    let pct = |a: &crate::index::stats::AspectCount| format!("{}%", percent(negative_share(a)));
    html! {
        section.emotions {
            h2 { "情绪与方面" }
            p { "负面提及的情绪：" (d.emotions_line().unwrap_or_else(|| "没有。".into())) }
            @if d.aspects.is_empty() { p.sub { "没有方面的提及。" } } @else {
                table {
                    tr { th { "方面" } th.n { (this) "提及" } th.n { (this) "负面占比" } th.n { (was) "负面占比" } }
                    @for a in &d.aspects {
                        tr {
                            td { (a.now.aspect) }
                            td.n { (links.count(a.now.total(), &[("aspect", &a.now.aspect)])) }
                            td.n { (pct(&a.now)) }
                            td.n { @if a.previous.total() == 0 { "无提及" } @else { (pct(&a.previous)) } }
                        }
                    }
                }
            }
        }
    }
}

/// Net sentiment, this period and the one before.
pub fn net_line(d: &Digest) -> String {
    format!("净情感 {:+.2}（{} {:+.2}）", d.net_sentiment, d.period.before_zh(), d.previous_net_sentiment)
}

/// The volume chart: mentions per bucket by sentiment with the net-sentiment line, the
/// period's alerts marked, each segment linked by `link` when given.
pub fn daily_bars<'a>(d: &'a Digest, link: Option<BarLink<'a>>) -> Bars<'a> {
    Bars {
        name: "daily",
        buckets: &d.days,
        interval: d.period.interval(),
        now: d.period.until,
        marks: d.alerts.iter().map(|a| Mark { at: a.at, text: a.severity.label_zh().to_string() }).collect(),
        link,
        net: true,
    }
}

fn terms_table(
    d: &Digest,
    links: &Links,
    caption: &str,
    terms: &[crate::index::terms::RisingTerm],
    sentiment: Option<&str>,
) -> Markup {
    let (this, was) = (d.period.this_zh(), d.period.before_zh());
    html! {
        @if !terms.is_empty() {
            p.sub { (caption) }
            table {
                tr { th { "词" } th.n { (this) "提及" } th.n { (was) "提及" } }
                @for t in terms {
                    @let filters: Vec<(&str, &str)> = std::iter::once(("q", t.term.as_str())).chain(sentiment.map(|s| ("sentiment", s))).collect();
                    tr { td { (t.term) } td.n { (links.count(t.mentions, &filters)) } td.n { (t.before) } }
                }
            }
        }
    }
}

/// Links from the digest's counts to the dashboard's search over the digest's period.
struct Links<'a> {
    base: Option<&'a str>,
    watch: &'a str,
    since: String,
    until: String,
}

impl<'a> Links<'a> {
    fn new(d: &'a Digest, base: Option<&'a str>) -> Self {
        Links { base, watch: &d.watch, since: d.period.since.to_string(), until: d.period.until.to_string() }
    }

    /// `n`, a link to the watch's posts of the period narrowed by `filters` when there is a dashboard.
    fn count(&self, n: u64, filters: &[(&str, &str)]) -> Markup {
        let Some(base) = self.base else { return html! { (n) } };
        let mut pairs = vec![("watch", self.watch), ("since", self.since.as_str()), ("until", self.until.as_str())];
        pairs.extend_from_slice(filters);
        html! { a href=(search_link(base, &pairs)) { (n) } }
    }

    /// A watch's posts of the period, for the share-of-voice counts.
    fn watch(&self, w: &str) -> Option<String> {
        Some(search_link(self.base?, &[("watch", w), ("since", &self.since), ("until", &self.until)]))
    }

    /// The watch's trend page over the period.
    fn trend(&self) -> Option<String> {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        q.append_pair("watch", self.watch).append_pair("since", &self.since).append_pair("until", &self.until);
        Some(format!("{}/trends?{}", self.base?.trim_end_matches('/'), q.finish()))
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
                div.meta { (p.source) " · " (local_minute(p.published_at)) " · 互动 " (p.engagement) }
            }
        }
    }
}
