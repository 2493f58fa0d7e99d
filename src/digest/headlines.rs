//! The period's changes in words a person reads at a glance ("负面提及 96 条，比上周上升 240%，
//! 主要由「起火」「召回」带动"), most important first.

use super::Digest;

/// "比上周上升 240%" / "比上周下降 12%" / "与上周持平" / "上周为 0", the period before named
/// `was` (上周, 前一日, 上月同期 …); `None` when both are 0.
pub fn change(now: u64, before: u64, was: &str) -> Option<String> {
    match (now, before) {
        (0, 0) => None,
        (_, 0) => Some(format!("{was}为 0")),
        _ => {
            let pct = (now as f64 - before as f64) / before as f64 * 100.0;
            Some(if pct.abs() < 0.5 {
                format!("与{was}持平")
            } else if pct > 0.0 {
                format!("比{was}上升 {pct:.0}%")
            } else {
                format!("比{was}下降 {:.0}%", -pct)
            })
        }
    }
}

fn quoted(terms: &[String]) -> String {
    terms.iter().map(|t| format!("「{t}」")).collect()
}

/// An aspect whose negative share rose this many points or more, with at least
/// [`ASPECT_MIN_MENTIONS`] mentions this period, is a headline.
const ASPECT_RISE_POINTS: f64 = 20.0;
const ASPECT_MIN_MENTIONS: u64 = 10;

/// The aspect whose negative share rose most (at least [`ASPECT_RISE_POINTS`], over at least
/// [`ASPECT_MIN_MENTIONS`] mentions): "电池 负面 68%（上周 21%）"; a share before without
/// mentions counts as 0.
pub fn aspect_rise(aspects: &[super::AspectChange], was: &str) -> Option<String> {
    use crate::render::shares::{aspect_share, negative_share};
    let rise = |a: &super::AspectChange| 100.0 * (negative_share(&a.now) - negative_share(&a.previous));
    let top = aspects
        .iter()
        .filter(|a| a.now.total() >= ASPECT_MIN_MENTIONS && rise(a) >= ASPECT_RISE_POINTS)
        .max_by(|a, b| rise(a).total_cmp(&rise(b)))?;
    Some(aspect_share(&top.now, Some((was, Some(&top.previous)))))
}

/// A share that moved this many points or more is explained.
const SHARE_REASON_POINTS: f64 = 1.0;

/// Why the shares moved: the watch of the group whose mentions changed most (in mentions, up or
/// down), and how many of that change were negative when they rose with it — so that a
/// competitor's crisis reads as one ("主要因为星河提及增加 300 条，其中负面增加 250 条") and
/// not as the watch's own gain or loss. `None` when nothing changed.
pub fn share_reason(own: &str, shares: &[super::ShareChange]) -> Option<String> {
    let delta = |s: &super::ShareChange| s.mentions as i64 - s.previous_mentions as i64;
    let mover = shares.iter().filter(|s| delta(s) != 0).max_by_key(|s| (delta(s).abs(), s.watch == own))?;
    let d = delta(mover);
    let who = if mover.watch == own { "本品牌".to_string() } else { format!("竞品{}", mover.watch) };
    let mut reason = format!("主要因为{who}提及{} {} 条", if d > 0 { "增加" } else { "减少" }, d.abs());
    let negative = mover.negative as i64 - mover.previous_negative as i64;
    if d > 0 && negative * 2 >= d {
        reason.push_str(&format!("，其中负面增加 {negative} 条"));
    } else if d < 0 && negative < 0 && -negative * 2 >= -d {
        reason.push_str(&format!("，其中负面减少 {} 条", -negative));
    }
    Some(reason)
}

/// The headlines of `d`.
pub fn headlines(d: &Digest) -> Vec<String> {
    let (this, was) = (d.period.this_zh(), d.period.before_zh());
    let mut out = Vec::new();
    let (neg, neg_before) = (d.counts.negative, d.previous_counts.negative);
    if let Some(c) = change(neg, neg_before, &was) {
        let mut line = format!("负面提及 {neg} 条，{c}");
        let leaders: Vec<String> = d.negative_terms.iter().take(2).map(|t| t.term.clone()).collect();
        if neg > neg_before && !leaders.is_empty() {
            line.push_str(&format!("，主要由{}带动", quoted(&leaders)));
        }
        out.push(line);
    }
    if !d.alerts.is_empty() {
        let critical = d.alerts.iter().filter(|a| a.severity == crate::alert::Severity::Critical).count();
        out.push(format!("{this}触发预警 {} 次（其中严重 {critical} 次）", d.alerts.len()));
    }
    if let Some(c) = change(d.counts.total, d.previous_counts.total, &was) {
        out.push(format!("全部提及 {} 条，{c}", d.counts.total));
    }
    if d.counts.total > 0 {
        out.push(format!("净情感 {:+.2}（{was} {:+.2}）", d.net_sentiment, d.previous_net_sentiment));
    }
    if let Some(own) = d.share_of_voice.iter().find(|s| s.watch == d.watch)
        && d.share_of_voice.len() > 1
    {
        let points = (own.share - own.previous_share) * 100.0;
        let mut line = format!(
            "声量份额 {:.1}%（{was} {:.1}%，{}）",
            own.share * 100.0,
            own.previous_share * 100.0,
            if points.abs() < 0.05 { "持平".to_string() } else { format!("{points:+.1} 个百分点") }
        );
        if points.abs() >= SHARE_REASON_POINTS
            && let Some(reason) = share_reason(&d.watch, &d.share_of_voice)
        {
            line.push_str(&format!("，{reason}"));
        }
        out.push(line);
    }
    if let Some(line) = aspect_rise(&d.aspects, &was) {
        out.push(line);
    }
    if let Some(r) = d.risks.iter().filter(|r| r.mentions > r.previous).max_by_key(|r| r.mentions - r.previous) {
        out.push(format!("风险上升最多：{} {} 条（{was} {}）", r.label, r.mentions, r.previous));
    }
    let rising: Vec<String> = d.rising_terms.iter().take(3).map(|t| t.term.clone()).collect();
    if !rising.is_empty() {
        out.push(format!("上升最快的词：{}", quoted(&rising)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{aspect_rise, change, share_reason};
    use crate::digest::{AspectChange, ShareChange};
    use crate::index::stats::AspectCount;

    fn change_of(aspect: &str, now: (u64, u64, u64), before: (u64, u64, u64)) -> AspectChange {
        let count = |(positive, neutral, negative)| AspectCount { aspect: aspect.into(), positive, neutral, negative };
        AspectChange { now: count(now), previous: count(before) }
    }

    #[test]
    fn an_aspect_whose_negative_share_rose_20_points_over_10_mentions_is_a_headline() {
        // 电池 17 of 25 (68%) against 8 of 38 (21%): +47 points; 屏幕 +25 points; 外观 only 9
        // mentions; 客服 +5 points (40% against 35%).
        let aspects = [
            change_of("屏幕", (5, 0, 5), (15, 0, 5)),
            change_of("电池", (5, 3, 17), (20, 10, 8)),
            change_of("外观", (0, 0, 9), (10, 0, 0)),
            change_of("客服", (6, 0, 4), (13, 0, 7)),
        ];
        assert_eq!(aspect_rise(&aspects, "上周").as_deref(), Some("电池 负面 68%（上周 21%）"));
        assert_eq!(aspect_rise(&aspects[2..], "上周"), None);
        // Exactly 20 points over exactly 10 mentions counts; not spoken of before counts as 0%.
        assert_eq!(
            aspect_rise(&[change_of("物流", (8, 0, 2), (10, 0, 0))], "前一日").as_deref(),
            Some("物流 负面 20%（前一日 0%）")
        );
        assert_eq!(
            aspect_rise(&[change_of("物流", (0, 0, 10), (0, 0, 0))], "上周").as_deref(),
            Some("物流 负面 100%（上周无提及）")
        );
    }

    fn share(
        watch: &str,
        (previous_mentions, mentions): (u64, u64),
        (previous_negative, negative): (u64, u64),
    ) -> ShareChange {
        ShareChange {
            watch: watch.into(),
            mentions,
            share: 0.0,
            previous_share: 0.0,
            previous_mentions,
            negative,
            previous_negative,
        }
    }

    #[test]
    fn a_competitor_s_crisis_is_named_as_what_moved_the_share() {
        // 极光 steady at 200; 星河's crisis adds 300 mentions, 250 of them negative.
        let shares = [
            share("极光", (200, 205), (20, 22)),
            share("星河", (100, 400), (10, 260)),
            share("青橙", (50, 40), (5, 4)),
        ];
        assert_eq!(
            share_reason("极光", &shares).as_deref(),
            Some("主要因为竞品星河提及增加 300 条，其中负面增加 250 条")
        );
        // The watch's own crisis.
        let shares = [share("极光", (200, 500), (20, 300)), share("星河", (100, 120), (10, 12))];
        assert_eq!(
            share_reason("极光", &shares).as_deref(),
            Some("主要因为本品牌提及增加 300 条，其中负面增加 280 条")
        );
        // A competitor gone quiet; a gain that is not negative says no more.
        let shares = [share("极光", (200, 210), (20, 20)), share("星河", (300, 100), (30, 10))];
        assert_eq!(share_reason("极光", &shares).as_deref(), Some("主要因为竞品星河提及减少 200 条"));
        let shares = [share("极光", (200, 400), (20, 25))];
        assert_eq!(share_reason("极光", &shares).as_deref(), Some("主要因为本品牌提及增加 200 条"));
        assert_eq!(share_reason("极光", &[share("极光", (5, 5), (1, 1))]), None);
    }

    #[test]
    fn changes_read_as_words() {
        assert_eq!(change(34, 10, "上周").as_deref(), Some("比上周上升 240%"));
        assert_eq!(change(9, 10, "上周").as_deref(), Some("比上周下降 10%"));
        assert_eq!(change(10, 10, "上周").as_deref(), Some("与上周持平"));
        assert_eq!(change(5, 0, "上周").as_deref(), Some("上周为 0"));
        assert_eq!(change(0, 0, "上周"), None);
    }
}
