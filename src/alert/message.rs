//! An alert in words: one Markdown text (DingTalk, WeCom, Feishu's lark_md, Slack's mrkdwn and
//! the console read it) and its title. Crawled text (terms) is escaped so that it cannot break
//! out of the formatting or smuggle links.

use super::backtest::Alert;
use super::detect::Severity;
use crate::render::{escape, safe_url};
use crate::time::local_minute;

/// The alert's one-line title.
pub fn title(a: &Alert) -> String {
    let level = a.verdict.severity.unwrap_or(Severity::Warning).label_zh();
    format!("[舆情{level}] {}: 负面声量激增 {} 条 (预期 {:.1})", a.watch, a.verdict.observed, a.verdict.expected)
}

/// The alert as Markdown.
pub fn markdown(a: &Alert) -> String {
    let v = &a.verdict;
    let mut s = format!("### {}\n\n", escape(&title(a)));
    s.push_str(&format!("- 时间: {} (Asia/Shanghai)\n", local_minute(v.start)));
    s.push_str(&format!(
        "- 负面提及: {} 条, 预期 {:.1} 条 (p = {:.1e})\n- 负面占比: {:.0}% (平时 {:.0}%)\n",
        v.observed,
        v.expected,
        v.p_value,
        100.0 * v.negative_share,
        100.0 * v.usual_share
    ));
    if !a.rising_terms.is_empty() {
        let terms: Vec<String> =
            a.rising_terms.iter().map(|t| format!("{} ({}←{})", escape(&t.term), t.mentions, t.before)).collect();
        s.push_str(&format!("- 上升词: {}\n", terms.join(", ")));
    }
    if !a.risks.is_empty() {
        let risks: Vec<String> = a.risks.iter().map(|(risk, n)| format!("{} {n}", risk.label_zh())).collect();
        s.push_str(&format!("- 风险类别: {}\n", risks.join(", ")));
    }
    if let Some(i) = &a.incident {
        s.push_str(&format!("- 事件: #{} · 详情: {}\n", i.id, i.link));
    }
    if !a.top_posts.is_empty() {
        s.push_str("- 热门负面:\n");
        for (i, p) in a.top_posts.iter().enumerate() {
            let text = escape(&p.text);
            let shown = match safe_url(&p.url) {
                Some(url) => format!("[{text}]({url})"),
                None => text,
            };
            s.push_str(&format!("  {}. {shown} ({}, 互动 {})\n", i + 1, escape(&p.source), p.engagement));
        }
    }
    s
}
