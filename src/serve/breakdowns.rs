//! The trends page's breakdowns of a watch's period: by source, by emotion (情绪) and by aspect
//! (方面), every count a link to the posts it counts.

use maud::{Markup, html};

use crate::index::stats::Stats;
use crate::render::shares::{emotion_shares, negative_share, percent};

/// The link to the posts of a count: the page's watch and period, narrowed by these filters.
pub type PostsOf<'a> = &'a dyn Fn(&[(&str, &str)]) -> String;

/// The watch's mentions per source: total, negative and net sentiment, each count a link.
pub fn by_source(s: &Stats, of: PostsOf) -> Markup {
    html! {
        section {
            h2 { "来源" }
            @if s.by_source.is_empty() { p.meta { "没有。" } }
            table.sources {
                @if !s.by_source.is_empty() { tr { th { "来源" } th { "提及" } th { "负面" } th { "净情感" } } }
                @for x in &s.by_source {
                    tr {
                        td { (x.source) }
                        td { a href=(of(&[("source", &x.source)])) { (x.counts.total) } }
                        td { a href=(of(&[("source", &x.source), ("sentiment", "negative")])) { (x.counts.negative) } }
                        td { (format!("{:+.2}", x.counts.net_sentiment())) }
                    }
                }
            }
        }
    }
}

/// The watch's mentions by their strongest emotion: the shares in one line, then each emotion's
/// mentions, a link to them.
pub fn emotions(s: &Stats, of: PostsOf) -> Markup {
    let with_one: u64 = s.emotions.iter().map(|(_, n)| n).sum();
    html! {
        section.emotions {
            h2 { "情绪" }
            @match emotion_shares(&s.emotions, s.emotions.len()) {
                None => p.meta { "没有带情绪的提及。" },
                Some(line) => p { (line) "（" (with_one) " 条带情绪的提及）" },
            }
            @if with_one > 0 {
                table {
                    tr { th { "情绪" } th { "提及" } th { "占比" } }
                    @for (e, n) in &s.emotions {
                        tr {
                            td { (e.label_zh()) }
                            td { a href=(of(&[("emotion", e.name())])) { (n) } }
                            td { (percent(*n as f64 / with_one as f64)) "%" }
                        }
                    }
                }
            }
        }
    }
}

/// Aspects shown on the trends page.
const ASPECTS_SHOWN: usize = 20;

/// The aspects the watch's mentions speak of, most first: mentions (a link to them), negative
/// ones (a link to those) and the negative share.
pub fn aspects(s: &Stats, of: PostsOf) -> Markup {
    html! {
        section.aspects {
            h2 { "方面" }
            @if s.aspects.is_empty() { p.meta { "没有。" } }
            @else {
                table {
                    tr { th { "方面" } th { "提及" } th { "负面" } th { "负面占比" } }
                    @for a in s.aspects.iter().take(ASPECTS_SHOWN) {
                        @let negative = format!("{}:negative", a.aspect);
                        tr {
                            td { (a.aspect) }
                            td { a href=(of(&[("aspect", &a.aspect)])) { (a.total()) } }
                            td { a href=(of(&[("aspect", &negative)])) { (a.negative) } }
                            td { (percent(negative_share(a))) "%" }
                        }
                    }
                }
            }
        }
    }
}
