//! Inline SVG charts, drawn on the server (no script): sentiment stacked bars over time buckets
//! (`Bars`), and share-of-voice bars (an HTML table, text that wraps at any width). Used by the
//! digest, the dashboard and the incident review; labels go through maud's escaping.

use maud::{Markup, html};

use jiff::Timestamp;

use crate::index::stats::Bucket;
use crate::time::{Interval, local_minute, local_zone};

pub const POSITIVE: &str = "#2e9d5b";
pub const NEUTRAL: &str = "#9aa3ad";
pub const NEGATIVE: &str = "#d64541";
/// The net-sentiment line.
pub const NET: &str = "#0969da";

/// The charts' style, shared by every page that draws one (the dashboard, the digest, the
/// incident review). Font sizes are in the chart's own units: a phone shows the chart at about
/// 0.55 of its width, so there the labels grow and every other axis label is left out.
pub const CSS: &str = "svg.chart{width:100%;max-width:760px;height:auto;display:block}\
svg.chart text{font-size:12px;fill:#59636e}svg.chart text.total{fill:#1f2328}svg.chart text.mark{fill:#b42318}\
svg.chart a:hover rect{opacity:.75}svg.chart text.net{fill:#0969da}\
table.share td.watch{white-space:nowrap;width:1%}table.share td.track{width:70%}table.share td.n{white-space:nowrap;width:1%}\
table.share td.track div{position:relative;height:16px}table.share span{position:absolute;left:0;top:0;bottom:0;background:#8c959f}\
table.share tr.mine span{background:#0969da}table.share tr.mine td.watch{font-weight:700}\
table.share i{position:absolute;top:-3px;bottom:-3px;border-left:2px dashed #1f2328}\
svg.chart .phone{display:none}\
@media (max-width:600px){svg.chart text{font-size:26px}svg.chart .minor{display:none}svg.chart .phone{display:inline}}";

/// A moment marked on a chart's time axis: an alert, an incident's start or end.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    pub at: Timestamp,
    pub text: String,
}

/// The posts behind one bar segment: (bucket start, bucket end, sentiment name) → a URL.
pub type BarLink<'a> = &'a dyn Fn(Timestamp, Timestamp, &str) -> String;

/// The bar links of a watch's chart: its posts of the bucket and sentiment, as the dashboard's
/// search at `base` (`""` on the dashboard itself) finds them.
pub fn watch_posts(base: &str, watch: &str) -> impl Fn(Timestamp, Timestamp, &str) -> String {
    let (base, watch) = (base.to_string(), watch.to_string());
    move |since, until, sentiment| {
        search_link(
            &base,
            &[
                ("watch", &watch),
                ("since", &since.to_string()),
                ("until", &until.to_string()),
                ("sentiment", sentiment),
            ],
        )
    }
}

/// The dashboard's search at `base` (`""` on the dashboard itself) with these filters: the link
/// from any count to the posts it counts.
pub fn search_link(base: &str, pairs: &[(&str, &str)]) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        q.append_pair(k, v);
    }
    format!("{}/search?{}", base.trim_end_matches('/'), q.finish())
}

/// Stacked sentiment bars over time buckets: positive at the bottom, then neutral, then
/// negative; a legend, gridlines at round numbers, axis labels that name the day when it
/// changes, the bucket still filling at `now` drawn pale and named, marks on the time axis, and
/// each segment a link to its posts when `link` is given.
pub struct Bars<'a> {
    /// Goes into `data-chart`.
    pub name: &'a str,
    pub buckets: &'a [Bucket],
    pub interval: Interval,
    /// When the chart is drawn: a bucket that has not ended by then is still filling.
    pub now: Timestamp,
    pub marks: Vec<Mark>,
    pub link: Option<BarLink<'a>>,
    /// Draw each bucket's net sentiment as a line on its own scale (−1 to +1, labelled on the right).
    pub net: bool,
}

const W: f64 = 600.0;
const LEFT: f64 = 62.0;
/// From the top down: the legend's row, the marks' row (when a mark has a text), room for the
/// bars' totals (when shown), then the plot. Texts are placed by their tops, so each row holds
/// its text at a phone's font size (26 units, about 1.45 of that with the line's extent).
const LEGEND_ROWS: f64 = 60.0;
const MARK_ROW: f64 = 36.0;
const TOTAL_ROOM: f64 = 30.0;
const PLOT_HEIGHT: f64 = 170.0;
/// The least room between two gridlines: a label at the phone's font size (26) and its spacing.
const TICK_GAP: f64 = 40.0;
/// The least mentions of a bucket whose net sentiment is drawn.
pub const NET_MIN: u64 = 5;
/// Room on the right for the net-sentiment scale's labels (+1, 0, −1 at a phone's font size).
const NET_ROOM: f64 = 44.0;
/// Room for the axis labels: two lines for hours (the hour, the date when it changes), one for days.
const fn bottom(interval: Interval) -> f64 {
    match interval {
        Interval::Hour => 78.0,
        Interval::Day => 40.0,
    }
}
/// The least distance between two marks' texts (a phone's font is about 26 units).
const MARK_ROOM: f64 = 90.0;
/// At most this many axis labels (half of them on a phone).
const LABELS: usize = 12;
/// Half the widest axis label at a phone's font ("11-28", about 66 units), and a little: a label
/// nearer the chart's edge than this is anchored at its bar instead of centred on it.
const EDGE: f64 = 38.0;
/// The least distance between two axis labels: a phone shows every other one, so its labels
/// stand at least twice this apart, room for its widest ("11-28", about 66 units) and the next.
const LABEL_GAP: f64 = 52.0;

impl Bars<'_> {
    pub fn render(&self) -> Markup {
        let buckets = self.buckets;
        let slot = self.slot();
        let bar = (slot * 0.7).max(1.0);
        let x_of = |i: usize| LEFT + slot * i as f64 + (slot - bar) / 2.0;
        let marks = self.placed_marks(&x_of, bar);
        let totals = buckets.len() <= 14;
        let plot_top = LEGEND_ROWS + if marks.iter().any(|m| m.1.is_some()) { MARK_ROW } else { 0.0 };
        let bars_top = plot_top + if totals { TOTAL_ROOM } else { 0.0 };
        let base = plot_top + PLOT_HEIGHT;
        let height = base + bottom(self.interval);
        // As many gridlines as leave room for their labels at a phone's font size between them.
        let intervals = ((base - bars_top) / TICK_GAP).floor().max(1.0) as u64;
        let (ticks, top_value) = ticks(buckets.iter().map(|b| b.counts.total).max().unwrap_or(0), intervals);
        let scale = (base - bars_top) / top_value as f64;
        let filling = |b: &Bucket| b.start + self.interval.len() > self.now;
        let any_filling = buckets.iter().any(filling);
        html! {
            svg.chart data-chart=(self.name) viewBox={"0 0 " (W) " " (height)} role="img" aria-label="提及（按情感）" {
                (legend(any_filling, self.net))
                @for t in &ticks {
                    @let y = base - *t as f64 * scale;
                    line x1=(LEFT) y1=(fmt(y)) x2=(W) y2=(fmt(y)) stroke=(if *t == 0 { "#8c959f" } else { "#eaeef2" }) {}
                    text x=(LEFT - 6.0) y=(fmt(y)) text-anchor="end" dominant-baseline="middle" { (t) }
                }
                @for (i, b) in buckets.iter().enumerate() {
                    @let x = x_of(i);
                    @let end = b.start + self.interval.len();
                    @let opacity = if filling(b) { "0.45" } else { "1" };
                    @let mut y = base;
                    @for (sentiment, label, count, color) in segments(b) {
                        @let height = count as f64 * scale;
                        @let top = { y -= height; y };
                        @let rect = html! {
                            rect data-sentiment=(sentiment) x=(fmt(x)) y=(fmt(top)) width=(fmt(bar)) height=(fmt(height)) fill=(color) fill-opacity=(opacity) {
                                title { (local_minute(b.start)) " " (label) " " (count) @if filling(b) { "（进行中）" } }
                            }
                        };
                        @match (self.link, count > 0) {
                            (Some(link), true) => a href=(link(b.start, end, sentiment)) { (rect) },
                            _ => (rect),
                        }
                    }
                    @if totals {
                        text.total x=(fmt(x + bar / 2.0)) y=(fmt(y - 4.0)) text-anchor="middle" { (b.counts.total) }
                    }
                }
                @for label in self.axis() {
                    @let x = x_of(label.index) + bar / 2.0;
                    // Near the plot's edges (within half a label at a phone's font) a label starts or
                    // ends at its bar, clear of the frame, of the y axis's labels and of the net scale's.
                    @let anchor = self.anchor(x);
                    @let x = if anchor == "start" { x - bar / 2.0 + 4.0 } else { x };
                    // Placed by their tops and in ems, so that they clear the axis and each other at any font size.
                    text x=(fmt(x)) y=(fmt(base + 6.0)) text-anchor=(anchor) dominant-baseline="hanging" class=[label.minor.then_some("minor")] { (label.text) }
                    @if let Some((day, class)) = label.day {
                        text x=(fmt(x)) y=(fmt(base + 6.0)) dy="1.5em" text-anchor=(anchor) dominant-baseline="hanging" class=[class] { (day) }
                    }
                }
                @if self.net { (self.net_line(&x_of, bar, bars_top, base)) }
                @for (x, text) in marks {
                    line x1=(fmt(x)) y1=(fmt(LEGEND_ROWS - 4.0)) x2=(fmt(x)) y2=(fmt(base)) stroke="#b42318" stroke-dasharray="4,3" {}
                    @if let Some(text) = text {
                        @let (tx, anchor) = if x > W - MARK_ROOM { (x - 3.0, "end") } else { (x + 3.0, "start") };
                        text.mark x=(fmt(tx)) y=(fmt(LEGEND_ROWS - 2.0)) text-anchor=(anchor) dominant-baseline="hanging" { (text) }
                    }
                }
            }
        }
    }

    /// How an axis label at `x` is anchored: at the plot's left or right end it starts or ends
    /// there (the right end is left of the net-sentiment scale when there is one: a label centred
    /// on a late bucket ran into its −1), elsewhere it is centred.
    fn anchor(&self, x: f64) -> &'static str {
        let right = LEFT + self.slot() * self.buckets.len() as f64;
        if x > right - EDGE {
            "end"
        } else if x < LEFT + EDGE {
            "start"
        } else {
            "middle"
        }
    }

    /// The width each bucket takes (the net-sentiment scale takes room on the right).
    fn slot(&self) -> f64 {
        (W - LEFT - if self.net { NET_ROOM } else { 6.0 }) / self.buckets.len().max(1) as f64
    }

    /// Each bucket's net sentiment ((positive − negative) / total) as a line on its own scale, +1
    /// at `top` and −1 at `base` (the bars' room), broken over buckets of fewer than [`NET_MIN`]
    /// mentions (where one post swings it from +1 to −1), with a
    /// dot and its value per bucket while they are few enough to point at.
    fn net_line(&self, x_of: &dyn Fn(usize) -> f64, bar: f64, top: f64, base: f64) -> Markup {
        let y_of = |net: f64| top + (1.0 - net) / 2.0 * (base - top);
        let points: Vec<(f64, f64, &Bucket)> = self
            .buckets
            .iter()
            .enumerate()
            .filter(|(_, b)| b.counts.total >= NET_MIN)
            .map(|(i, b)| (x_of(i) + bar / 2.0, y_of(b.counts.net_sentiment()), b))
            .collect();
        let mut d = String::new();
        let mut last: Option<usize> = None;
        for (x, y, b) in &points {
            let i = self.buckets.iter().position(|o| o.start == b.start).unwrap_or(0);
            let pen = if last.is_some_and(|l| l + 1 == i) { 'L' } else { 'M' };
            d.push_str(&format!("{pen}{} {} ", fmt(*x), fmt(*y)));
            last = Some(i);
        }
        let dots = points.len() <= 60;
        html! {
            g data-series="net" {
                line x1=(LEFT) y1=(fmt(y_of(0.0))) x2=(W - NET_ROOM) y2=(fmt(y_of(0.0))) stroke=(NET) stroke-opacity="0.35" stroke-dasharray="2,4" {}
                path d=(d.trim_end()) fill="none" stroke=(NET) stroke-width="2.5" stroke-linejoin="round" {}
                @if dots {
                    @for (x, y, b) in &points {
                        circle cx=(fmt(*x)) cy=(fmt(*y)) r="3.5" fill=(NET) {
                            title { (local_minute(b.start)) " 净情感 " (format!("{:+.2}", b.counts.net_sentiment())) }
                        }
                    }
                }
                text.net x=(fmt(W - 2.0)) y=(fmt(top + 2.0)) text-anchor="end" dominant-baseline="hanging" { "+1" }
                text.net x=(fmt(W - 2.0)) y=(fmt(y_of(0.0))) text-anchor="end" dominant-baseline="middle" { "0" }
                text.net x=(fmt(W - 2.0)) y=(fmt(base - 3.0)) text-anchor="end" { "−1" }
            }
        }
    }

    /// Where the marks fall (the middle of their bucket) and their texts, a text left out when
    /// it would overlap the one before (its line is still drawn). Marks outside the buckets are
    /// left out.
    fn placed_marks(&self, x_of: &dyn Fn(usize) -> f64, bar: f64) -> Vec<(f64, Option<&str>)> {
        let mut at: Vec<(f64, &str)> = self
            .marks
            .iter()
            .filter_map(|m| {
                let i = self.buckets.iter().position(|b| b.start <= m.at && m.at < b.start + self.interval.len())?;
                Some((x_of(i) + bar / 2.0, m.text.as_str()))
            })
            .collect();
        at.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut last_text: Option<f64> = None;
        let mut placed = Vec::new();
        for (x, text) in at {
            let room = last_text.is_none_or(|l| x - l >= MARK_ROOM);
            if room {
                last_text = Some(x);
            }
            placed.push((x, room.then_some(text)));
        }
        placed
    }

    /// The axis labels: at round hours (every 1, 2, 3, 6, 12 or 24 hours, or every 2 or 3 days)
    /// or every 1, 2, 7 or 14 days, at most `LABELS` of them and at least `LABEL_GAP` apart; every
    /// other one is minor (left out on a phone); an hour label names the date under it when the
    /// date changed since the label before it (on a phone: since the major label before it).
    fn axis(&self) -> Vec<Label> {
        let by_count = self.buckets.len().div_ceil(LABELS).max(1) as i64;
        let wanted = by_count.max((LABEL_GAP / self.slot()).ceil() as i64);
        let steps: &[i64] = match self.interval {
            Interval::Hour => &[1, 2, 3, 6, 12, 24, 48, 72, 168],
            Interval::Day => &[1, 2, 7, 14, 28],
        };
        let step = steps.iter().copied().find(|s| *s >= wanted).unwrap_or(wanted);
        let day = |t: Timestamp| local_minute(t)[5..10].to_string();
        let mut labels: Vec<Label> = Vec::new();
        // The date under the last label, and under the last major one (what a phone shows).
        let (mut last_any, mut last_major): (Option<String>, Option<String>) = (None, None);
        for (index, b) in self.buckets.iter().enumerate() {
            let on_step = match self.interval {
                // Hours since the local epoch: labels fall on 00:00, 06:00, 12:00 … local time.
                Interval::Hour => {
                    let offset = b.start.to_zoned(local_zone().clone()).offset().seconds() as i64;
                    (b.start.as_second() + offset).div_euclid(3600) % step == 0
                }
                Interval::Day => index as i64 % step == 0,
            };
            if !on_step {
                continue;
            }
            let minor = labels.len() % 2 == 1;
            let (text, date) = match self.interval {
                Interval::Hour => (format!("{}时", &local_minute(b.start)[11..13]), Some(day(b.start))),
                Interval::Day => (day(b.start), None),
            };
            let day = date.and_then(|d| {
                let changed = last_any.as_ref() != Some(&d);
                let changed_on_phone = !minor && last_major.as_ref() != Some(&d);
                last_any = Some(d.clone());
                if !minor {
                    last_major = Some(d.clone());
                }
                match (changed, changed_on_phone, minor) {
                    (true, _, true) => Some((d, Some("minor"))),
                    (true, _, false) => Some((d, None)),
                    (false, true, _) => Some((d, Some("phone"))),
                    _ => None,
                }
            });
            labels.push(Label { index, text, day, minor });
        }
        labels
    }
}

/// One axis label: under bucket `index`, its text, the date under it (with its class: `minor`
/// where a phone leaves it out, `phone` where only a phone shows it), and whether a phone leaves
/// the label out.
struct Label {
    index: usize,
    text: String,
    day: Option<(String, Option<&'static str>)>,
    minor: bool,
}

/// The three segments of a bucket, bottom up: (name, label, count, colour).
fn segments(b: &Bucket) -> [(&'static str, &'static str, u64, &'static str); 3] {
    let c = b.counts;
    [
        ("positive", "正面", c.positive, POSITIVE),
        ("neutral", "中性", c.neutral, NEUTRAL),
        ("negative", "负面", c.negative, NEGATIVE),
    ]
}

fn legend(filling: bool, net: bool) -> Markup {
    html! {
        @if net {
            // After 进行中 when it is shown (its text ends near LEFT + 350 at a phone's font size).
            @let x = LEFT + if filling { 360.0 } else { 252.0 };
            line x1=(fmt(x)) y1="19" x2=(fmt(x + 16.0)) y2="19" stroke=(NET) stroke-width="3" {}
            text x=(fmt(x + 22.0)) y="10" dominant-baseline="hanging" { "净情感" }
        }
        @for (k, (name, color)) in [("正面", POSITIVE), ("中性", NEUTRAL), ("负面", NEGATIVE)].into_iter().enumerate() {
            rect x=(fmt(LEFT + 84.0 * k as f64)) y="12" width="14" height="14" fill=(color) {}
            text x=(fmt(LEFT + 84.0 * k as f64 + 20.0)) y="10" dominant-baseline="hanging" { (name) }
        }
        @if filling {
            rect x=(fmt(LEFT + 252.0)) y="12" width="14" height="14" fill=(NEUTRAL) fill-opacity="0.45" {}
            text x=(fmt(LEFT + 272.0)) y="10" dominant-baseline="hanging" { "进行中" }
        }
    }
}

/// Gridline values: round steps (1, 2 or 5 × 10ⁿ) from 0 to at least `max`, at most
/// `intervals` steps, and the top one.
fn ticks(max: u64, intervals: u64) -> (Vec<u64>, u64) {
    let max = max.max(1);
    let raw = max as f64 / intervals.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor()).max(1.0);
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(10.0 * magnitude);
    let step = (step as u64).max(1);
    let top = max.div_ceil(step) * step;
    ((0..=top / step).map(|k| k * step).collect(), top)
}

/// Each watch's share as a row of text and a bar (HTML, so that names and figures stay
/// readable at any width): (watch, mentions, share, earlier share marked by a dashed line);
/// `own` is drawn in blue; with `link`, each watch's count links to its posts.
pub fn share_bars(
    own: &str,
    rows: &[(String, u64, f64, Option<f64>)],
    link: Option<&dyn Fn(&str) -> String>,
) -> Markup {
    let percent = |v: f64| format!("{:.1}%", v * 100.0);
    html! {
        table.share data-chart="share" {
            @for (watch, mentions, share, before) in rows {
                tr.mine[watch == own] {
                    td.watch { (watch) }
                    td.track {
                        div {
                            span style={"width:" (percent(share.clamp(0.0, 1.0)))} title={(watch) " " (percent(*share))} {}
                            @if let Some(b) = before { i style={"left:" (percent(b.clamp(0.0, 1.0)))} title={"上期 " (percent(*b))} {} }
                        }
                    }
                    td.n {
                        (percent(*share)) " ("
                        @match link { Some(link) => a href=(link(watch)) { (mentions) }, None => (mentions) }
                        ")"
                    }
                }
            }
        }
        @if rows.iter().any(|r| r.3.is_some()) { p.meta { "虚线：上一周期的份额。" } }
    }
}

fn fmt(v: f64) -> String {
    format!("{v:.1}")
}

#[cfg(test)]
mod tests {
    use jiff::{SignedDuration, Timestamp};

    use super::*;
    use crate::index::stats::Counts;

    fn hours(from: &str, counts: &[(u64, u64, u64)]) -> Vec<Bucket> {
        let start: Timestamp = from.parse().unwrap();
        counts
            .iter()
            .enumerate()
            .map(|(k, &(positive, neutral, negative))| Bucket {
                start: start + SignedDuration::from_hours(k as i64),
                counts: Counts { total: positive + neutral + negative, positive, neutral, negative },
            })
            .collect()
    }

    /// An hourly chart of `buckets`, all of them past, without marks or links.
    fn hourly(buckets: &[Bucket], net: bool) -> Bars<'_> {
        let now = "2026-12-05T00:00:00Z".parse().unwrap();
        Bars { name: "t", buckets, interval: Interval::Hour, now, marks: vec![], link: None, net }
    }

    #[test]
    fn gridlines_fall_on_round_numbers_above_the_tallest_bar() {
        assert_eq!(ticks(36, 4), (vec![0, 10, 20, 30, 40], 40));
        assert_eq!(ticks(724, 4), (vec![0, 200, 400, 600, 800], 800));
        assert_eq!(ticks(0, 4), (vec![0, 1], 1));
        assert_eq!(ticks(3, 4), (vec![0, 1, 2, 3], 3));
        // Three steps where only three fit: 80 is not drawn as 0, 20, 40, 60, 80.
        assert_eq!(ticks(80, 3), (vec![0, 50, 100], 100));
        assert_eq!(ticks(36, 3), (vec![0, 20, 40], 40));
    }

    #[test]
    fn hour_labels_fall_on_round_local_hours_and_name_the_date_when_it_changes() {
        // 30 hours from 19:00 local: a label every 3 hours (21, 00, 03 …), every other one minor.
        let buckets = hours("2026-12-01T19:00:00+08:00", &[(1, 0, 2); 30]);
        let chart = hourly(&buckets, false);
        let labels = chart.axis();
        let texts: Vec<&str> = labels.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["21时", "00时", "03时", "06时", "09时", "12时", "15时", "18时", "21时", "00时"]);
        let minor: Vec<bool> = labels.iter().map(|l| l.minor).collect();
        assert_eq!(minor, [false, true, false, true, false, true, false, true, false, true]);
        let days: Vec<Option<(&str, Option<&str>)>> =
            labels.iter().map(|l| l.day.as_ref().map(|(d, c)| (d.as_str(), *c))).collect();
        // On a desktop the date shows under 21时 and under 00时; a phone, which leaves 00时 out,
        // shows it under 03时 instead; the next day's 00时 is minor too.
        let (desktop, phone) = (None, Some("phone"));
        assert_eq!(
            days,
            [
                Some(("12-01", desktop)),
                Some(("12-02", Some("minor"))),
                Some(("12-02", phone)),
                None,
                None,
                None,
                None,
                None,
                None,
                Some(("12-03", Some("minor"))),
            ]
        );
        let svg = chart.render().into_string();
        assert!(!svg.contains("进行中") && !svg.contains("fill-opacity=\"0.45\""), "nothing is still filling");
    }

    #[test]
    fn a_late_label_ends_at_its_bar_left_of_the_net_scale() {
        // Seven days by the hour ending 03:00 local: the last 00时 stands three buckets from the
        // end, where a centred label reached under the net scale's −1 (seen at 390 px).
        let buckets = hours("2026-11-27T04:00:00+08:00", &[(3, 1, 2); 168]);
        let chart = hourly(&buckets, true);
        let slot = chart.slot();
        let last = chart.axis().pop().unwrap();
        assert_eq!((last.text.as_str(), buckets.len() - last.index), ("00时", 4));
        let x = LEFT + slot * last.index as f64 + slot / 2.0;
        assert!(x < W - NET_ROOM - 5.0, "the label's bar is inside the plot: {x}");
        assert_eq!(chart.anchor(x), "end", "it ends at its bar, clear of the net scale");
        assert_eq!(chart.anchor(LEFT + 3.0 * slot), "start");
        assert_eq!(chart.anchor(LEFT + 80.0 * slot), "middle");
        let svg = chart.render().into_string();
        assert!(svg.contains("text-anchor=\"end\" dominant-baseline=\"hanging\">00时"), "{svg}");
    }

    #[test]
    fn the_filling_bucket_is_pale_and_named_marks_do_not_overlap_and_segments_link_to_their_posts() {
        let buckets = hours("2026-12-01T10:00:00+08:00", &[(2, 1, 3), (0, 0, 9), (1, 0, 4)]);
        let link = |since: Timestamp, _until: Timestamp, sentiment: &str| {
            format!("/search?since={since}&sentiment={sentiment}")
        };
        let at = |h: &str| h.parse::<Timestamp>().unwrap();
        let chart = Bars {
            name: "t",
            buckets: &buckets,
            interval: Interval::Hour,
            now: at("2026-12-01T12:30:00+08:00"),
            marks: vec![
                Mark { at: at("2026-12-01T11:10:00+08:00"), text: "预警".into() },
                Mark { at: at("2026-12-01T11:40:00+08:00"), text: "严重".into() },
                Mark { at: at("2026-12-02T11:40:00+08:00"), text: "范围外".into() },
            ],
            link: Some(&link),
            net: false,
        };
        let svg = chart.render().into_string();
        // The third bucket (12:00) is still filling at 12:30: its three segments are pale.
        assert_eq!(svg.matches("fill-opacity=\"0.45\"").count(), 3 + 1, "3 segments and the legend's key: {svg}");
        assert!(svg.contains(">进行中<"));
        // Two marks in one bucket: both lines, one text; the mark outside the chart is left out.
        assert_eq!(svg.matches("stroke-dasharray=\"4,3\"").count(), 2);
        assert!(svg.contains(">预警<") && !svg.contains(">严重<") && !svg.contains("范围外"));
        // Each segment with posts links to them; the empty ones (positive and neutral at 11:00) do not.
        assert_eq!(svg.matches("<a href=\"/search?").count(), 3 + 1 + 2, "{svg}");
        assert!(svg.contains("sentiment=negative"));
    }

    #[test]
    fn the_net_line_follows_each_bucket_s_sentiment_and_breaks_over_empty_buckets() {
        // Nets: +1, −1, (too few mentions: 4), 0, +0.5.
        let buckets = hours("2026-12-01T10:00:00+08:00", &[(8, 0, 0), (0, 0, 6), (3, 0, 1), (3, 0, 3), (6, 0, 2)]);
        let chart = hourly(&buckets, true);
        let svg = chart.render().into_string();
        let path = svg.split("<path d=\"").nth(1).and_then(|p| p.split('"').next()).expect("a net path");
        let moves: Vec<(char, f64)> = path
            .split_whitespace()
            .collect::<Vec<_>>()
            .chunks(2)
            .map(|xy| (xy[0].chars().next().unwrap(), xy[1].parse::<f64>().unwrap()))
            .collect();
        // Four points, the pen lifted over the bucket of 4 mentions: M L M L.
        assert_eq!(moves.iter().map(|m| m.0).collect::<String>(), "MLML", "{path}");
        let ys: Vec<f64> = moves.iter().map(|m| m.1).collect();
        // +1 is highest (smallest y), −1 lowest, 0 halfway, +0.5 a quarter down.
        let (top, bottom) = (ys[0], ys[1]);
        assert!(top < bottom);
        assert!(((ys[2] - (top + bottom) / 2.0).abs()) < 0.6, "{ys:?}");
        assert!(((ys[3] - (top + (bottom - top) / 4.0)).abs()) < 0.6, "{ys:?}");
        assert!(svg.contains(">净情感<") && svg.contains(">+1<") && svg.contains(">−1<"));
        assert!(svg.contains("净情感 +0.50"), "each dot names its value");
        assert!(!Bars { net: false, ..chart }.render().into_string().contains("data-series=\"net\""));
    }
}
