//! An incident's evidence as HTML: the body of the dashboard's incident page and of the review's
//! file. Every count links to the search for the posts it counts (`/search?incident=ID&…`),
//! relative on the dashboard, under `incidents.dashboard_url` in a file (no links without it).
//! maud escapes every crawled string; post links are kept only when they are http(s).

use jiff::{SignedDuration, Timestamp};
use maud::{Markup, html};

use super::Incident;
use super::evidence::Evidence;
use crate::digest::charts::{Bars, Mark, search_link, watch_posts};
use crate::index::search::TopPost;
use crate::render::safe_url;
use crate::render::shares::{aspect_shares, emotion_shares};
use crate::time::Interval;
use crate::time::local_minute;

/// Links to the posts behind each count: the dashboard's address ("" for relative links).
#[derive(Clone, Copy)]
pub struct Links<'a>(pub Option<&'a str>);

impl Links<'_> {
    /// The search for incident `id`'s posts narrowed by `filters` (already URL-safe pairs).
    pub fn posts(&self, id: u64, filters: &[(&str, String)]) -> Option<String> {
        let id = id.to_string();
        let pairs: Vec<(&str, &str)> =
            std::iter::once(("incident", id.as_str())).chain(filters.iter().map(|(k, v)| (*k, v.as_str()))).collect();
        Some(search_link(self.0?, &pairs))
    }

    /// `n`, linked to the posts it counts when links are on.
    fn count(&self, id: u64, n: u64, filters: &[(&str, String)]) -> Markup {
        match self.posts(id, filters) {
            Some(href) => html! { a href=(href) { (n) } },
            None => html! { (n) },
        }
    }
}

pub(super) fn rfc(t: Timestamp) -> String {
    t.to_string()
}

/// The incident's headline facts.
pub fn summary(i: &Incident) -> Markup {
    html! {
        p.sub {
            "阶段 " b { (i.phase.label_zh()) } " · 处置 " b { (i.status.label_zh()) }
            @if let Some(a) = &i.assignee { " · 负责人 " (a) }
            " · 开始 " (local_minute(i.start))
            @if let Some(end) = i.ended_at { " · 结束 " (local_minute(end)) }
            @if let Some((at, n)) = i.peak { " · 峰值 " (local_minute(at)) " 一小时 " (n) " 条" }
            @if i.reopened > 0 { " · 再次发酵 " (i.reopened) " 次" }
        }
        p.sub {
            "关联规则: 驱动词 " (if i.scope.terms.is_empty() { "—".to_string() } else { i.scope.terms.join("、") })
            " · 风险 " (if i.scope.risks.is_empty() { "—".to_string() } else { i.scope.risks.iter().map(|r| r.label_zh()).collect::<Vec<_>>().join("、") })
            " · 复制粘贴组 " (i.scope.clusters.len())
        }
    }
}

fn post_line(p: &TopPost) -> Markup {
    html! {
        div.post {
            @match safe_url(&p.url) { Some(u) => a href=(u) rel="noreferrer" { (p.text) }, None => (p.text) }
            div.meta { (p.source) " · " (local_minute(p.published_at)) " · 互动 " (p.engagement) }
        }
    }
}

/// The watch's mentions per hour over the incident, its start and end marked, each bar segment
/// a link to the watch's posts of that hour and sentiment.
pub(super) fn hourly_chart(e: &Evidence, hours: &[crate::index::stats::Bucket], links: &Links) -> Markup {
    let i = &e.incident;
    let mut marks = vec![Mark { at: i.start, text: format!("#{} 开始", i.id) }];
    marks.extend(i.ended_at.map(|at| Mark { at, text: "结束".to_string() }));
    let posts = watch_posts(links.0.unwrap_or(""), &i.watch);
    Bars {
        name: &format!("{} 每小时提及", i.watch),
        buckets: hours,
        interval: Interval::Hour,
        now: e.as_of,
        marks,
        link: links.0.is_some().then_some(&posts as _),
        net: false,
    }
    .render()
}

/// The evidence sections.
pub fn body(e: &Evidence, links: Links) -> Markup {
    let (i, id) = (&e.incident, e.incident.id);
    let hour = |t: Timestamp| vec![("since", rfc(t)), ("until", rfc(t + SignedDuration::from_hours(1)))];
    let watch_hours: Vec<_> = e.timeline.iter().map(|h| h.watch.clone()).collect();
    html! {
        section {
            h2 { "规模" }
            p { "事件提及 " b { (links.count(id, e.totals.mentions, &[])) } " 条 · 账号 " (e.totals.accounts) " 个 · 互动 " (e.totals.engagement) }
            (hourly_chart(e, &watch_hours, &links))
            @let shown = e.timeline.iter().filter(|h| h.incident.bucket.counts.total > 0 || h.watch.counts.negative > i.usual_negative).count();
            details {
                summary { "每小时明细（" (shown) " 小时）" }
                table {
                    tr { th { "小时" } th.n { "事件提及" } th { "来源" } th.n { "品牌负面" } th.n { "品牌总量" } }
                    @for h in e.timeline.iter().rev().filter(|h| h.incident.bucket.counts.total > 0 || h.watch.counts.negative > i.usual_negative) {
                        tr {
                            td { (local_minute(h.watch.start)) }
                            td.n { (links.count(id, h.incident.bucket.counts.total, &hour(h.watch.start))) }
                            td { @for (s, n) in &h.incident.by_source { (s) " " (n) " " } }
                            td.n { (h.watch.counts.negative) }
                            td.n { (h.watch.counts.total) }
                        }
                    }
                }
            }
        }
        section {
            h2 { "起源: 最早的帖子" }
            @for p in &e.first_posts { (post_line(p)) }
        }
        section {
            h2 { "扩散: 来源与传播者" }
            p { @for (s, n) in &e.sources { (s) " " (links.count(id, *n, &[("source", s.clone())])) " 条　" } }
            table {
                tr { th { "账号" } th { "来源" } th.n { "粉丝" } th.n { "提及" } th.n { "互动" } }
                @for s in &e.spreaders {
                    tr {
                        td { (s.author) } td { (s.source) }
                        td.n { (s.followers.map_or("—".to_string(), |f| f.to_string())) }
                        td.n { (links.count(id, s.mentions, &[("author", s.author.clone())])) }
                        td.n { (s.engagement) }
                    }
                }
            }
            @if !e.waves.is_empty() {
                h2 { "复制粘贴" }
                table {
                    tr { th { "文本" } th.n { "条数" } th.n { "账号" } th { "时间" } }
                    @for w in &e.waves {
                        tr {
                            td { (w.text.chars().take(60).collect::<String>()) }
                            td.n { (links.count(id, w.mentions, &[("cluster", w.cluster.to_string())])) }
                            td.n { (w.accounts) }
                            td { (local_minute(w.first)) " – " (local_minute(w.last)) }
                        }
                    }
                }
            }
        }
        section {
            h2 { "驱动: 上升词、风险、情绪与方面" }
            p { @for t in &e.rising_terms { (t.term) " " (t.mentions) "　" } }
            p { @for (r, n) in &e.risks { (r.label_zh()) " " (n) "　" } }
            @if let Some(line) = emotion_shares(&e.emotions, e.emotions.len()) { p.emotions { "情绪：" (line) } }
            @if let Some(line) = aspect_shares(&e.aspects, e.aspects.len()) { p.aspects { "方面：" (line) } }
            h2 { "互动最高的帖子" }
            @for p in &e.top_posts { (post_line(p)) }
        }
        section {
            h2 { "处置记录" }
            table {
                tr { th { "时间" } th { "人" } th { "内容" } }
                @for l in i.log.iter().rev() { tr { td { (local_minute(l.at)) } td { (l.by) } td { (l.what) } } }
            }
        }
    }
}
