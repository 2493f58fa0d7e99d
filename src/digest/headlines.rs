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
        out.push(format!(
            "声量份额 {:.1}%（{was} {:.1}%，{}）",
            own.share * 100.0,
            own.previous_share * 100.0,
            if points.abs() < 0.05 { "持平".to_string() } else { format!("{points:+.1} 个百分点") }
        ));
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
    use super::change;

    #[test]
    fn changes_read_as_words() {
        assert_eq!(change(34, 10, "上周").as_deref(), Some("比上周上升 240%"));
        assert_eq!(change(9, 10, "上周").as_deref(), Some("比上周下降 10%"));
        assert_eq!(change(10, 10, "上周").as_deref(), Some("与上周持平"));
        assert_eq!(change(5, 0, "上周").as_deref(), Some("上周为 0"));
        assert_eq!(change(0, 0, "上周"), None);
    }
}
