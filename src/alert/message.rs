//! An alert in words a PR lead reads: its title and its message ([`Message`], in no markup
//! dialect: each channel renders it in its own, the console as plain text). The statistics are
//! said in words — how rare the count is instead of a p-value, each rising term's mentions in the
//! bucket and in the 7 days before instead of `(9←0)` — and kept as numbers in the alert's JSON.

use super::backtest::Alert;
use super::detect::Severity;
use crate::render::shares::{aspect_shares, emotion_shares};
use crate::render::{Block, Message, Span};
use crate::time::local_minute;

/// Rising terms the message names (the alert's JSON has them all).
const RISING_SHOWN: usize = 5;
/// Emotions and aspects the message names.
const EMOTIONS_SHOWN: usize = 3;
const ASPECTS_SHOWN: usize = 3;

/// The alert's one-line title.
pub fn title(a: &Alert) -> String {
    let level = a.verdict.severity.unwrap_or(Severity::Warning).label_zh();
    format!("【舆情{level}】{}：负面声量激增 {} 条（平时约 {:.1} 条）", a.watch, a.verdict.observed, a.verdict.expected)
}

/// The alert's message: when, how many against how many usually and on what basis, how rare,
/// the negative share, the rising terms, the risk categories, the emotions of the negative
/// mentions, the aspects and the most engaged negative posts.
pub fn message(a: &Alert) -> Message {
    let v = &a.verdict;
    let mut m = Message::default();
    m.item(format!("时段：{} 起（北京时间）", local_minute(v.start)));
    m.item(format!("负面提及：{} 条，平时约 {:.1} 条（依据：{}）", v.observed, v.expected, v.basis.label_zh()));
    m.item(format!("罕见程度：{}", rarity(v.p_value)));
    m.item(format!("负面占比：{:.0}%（平时 {:.0}%）", 100.0 * v.negative_share, 100.0 * v.usual_share));
    if !a.rising_terms.is_empty() {
        let terms: Vec<String> = a
            .rising_terms
            .iter()
            .take(RISING_SHOWN)
            .map(|t| format!("{}（本时段 {} 条，前 7 天共 {} 条）", t.term, t.mentions, t.before))
            .collect();
        m.item(format!("上升词（含该词的提及）：{}", terms.join("、")));
    }
    if !a.risks.is_empty() {
        let risks: Vec<String> = a.risks.iter().map(|(risk, n)| format!("{} {n} 条", risk.label_zh())).collect();
        m.item(format!("风险类别：{}", risks.join("、")));
    }
    if let Some(line) = emotion_shares(&a.emotions, EMOTIONS_SHOWN) {
        m.item(format!("情绪（负面提及中）：{line}"));
    }
    if let Some(line) = aspect_shares(&a.aspects, ASPECTS_SHOWN) {
        m.item(format!("方面：{line}"));
    }
    if let Some(i) = &a.incident {
        // The link is the incident's page (or, without a dashboard address, the command).
        let link = Span::Link { text: i.link.clone(), url: i.link.clone() };
        m.blocks.push(Block::Item {
            number: None, spans: vec![Span::Text(format!("事件：#{}，详情：", i.id)), link]
        });
    }
    if !a.top_posts.is_empty() {
        m.item("热门负面：");
        for (i, p) in a.top_posts.iter().enumerate() {
            let link = Span::Link { text: p.text.clone(), url: p.url.clone() };
            m.numbered(i + 1, vec![link, Span::Text(format!("（{}，互动 {}）", p.source, p.engagement))]);
        }
    }
    m
}

/// How rare a count this high is under the expectation, in words: a level (the defaults'
/// warning is at p < 1e-4, critical at p < 1e-8) and the chance that ordinary ups and downs
/// alone would bring it, as "不到千亿分之一".
pub fn rarity(p: f64) -> String {
    let level = match p {
        p if p < 1e-8 => "极罕见",
        p if p < 1e-4 => "非常罕见",
        p if p < 1e-2 => "罕见",
        _ => "不算罕见",
    };
    const UNITS: [&str; 12] = ["", "十", "百", "千", "万", "十万", "百万", "千万", "亿", "十亿", "百亿", "千亿"];
    let chance = match (-p.log10()).floor() {
        n if n.is_nan() || n >= 12.0 => "不到万亿分之一".to_string(),
        n if n < 1.0 => format!("约 {:.0}%", 100.0 * p.clamp(0.0, 1.0)),
        n => format!("不到{}分之一", UNITS[n as usize]),
    };
    format!("{level}（若只是平常波动，出现这么多负面的可能{chance}）")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::detect::{Basis, Verdict};
    use crate::index::search::TopPost;
    use crate::index::stats::AspectCount;
    use crate::index::terms::RisingTerm;
    use crate::render::Dialect;
    use crate::sentiment::{Emotion, RiskCategory};

    fn alert() -> Alert {
        Alert {
            watch: "极光".into(),
            verdict: Verdict {
                start: "2026-12-01T06:00:00Z".parse().unwrap(),
                observed: 14,
                expected: 0.5,
                p_value: 5.4e-12,
                basis: Basis::HourOfDay,
                dispersion: None,
                negative_share: 0.9,
                usual_share: 0.2,
                severity: Some(Severity::Critical),
            },
            rising_terms: vec![
                RisingTerm { term: "召回".into(), mentions: 9, before: 0, lift: 30.0 },
                RisingTerm {
                    term: "[点我](http://evil) <!channel> *粗* \\".into(), mentions: 3, before: 1, lift: 3.0
                },
            ],
            risks: vec![(RiskCategory::Quality, 14)],
            emotions: vec![(Emotion::Fear, 3), (Emotion::Anger, 8), (Emotion::Sadness, 1), (Emotion::Joy, 1)],
            aspects: vec![
                AspectCount { aspect: "电池".into(), positive: 0, neutral: 1, negative: 11 },
                AspectCount { aspect: "充电".into(), positive: 1, neutral: 0, negative: 3 },
                AspectCount { aspect: "客服".into(), positive: 0, neutral: 1, negative: 1 },
                AspectCount { aspect: "外观".into(), positive: 1, neutral: 0, negative: 0 },
            ],
            top_posts: vec![TopPost {
                id: "wb:1".into(),
                source: "weibo".into(),
                url: "https://m.weibo.cn/detail/1".into(),
                text: "X5 充电时起火了（真的）".into(),
                published_at: "2026-12-01T06:05:00Z".parse().unwrap(),
                engagement: 1200,
                cluster: 7,
            }],
            incident: None,
        }
    }

    #[test]
    fn the_alert_reads_in_words_on_a_terminal() {
        let a = alert();
        let text = message(&a).document(&title(&a), Dialect::Plain);
        assert_eq!(
            text,
            "【舆情严重】极光：负面声量激增 14 条（平时约 0.5 条）\n\n\
             • 时段：2026-12-01 14:00 起（北京时间）\n\
             • 负面提及：14 条，平时约 0.5 条（依据：前几天同一时段的平均）\n\
             • 罕见程度：极罕见（若只是平常波动，出现这么多负面的可能不到千亿分之一）\n\
             • 负面占比：90%（平时 20%）\n\
             • 上升词（含该词的提及）：召回（本时段 9 条，前 7 天共 0 条）、\
             [点我](http://evil) <!channel> *粗* \\（本时段 3 条，前 7 天共 1 条）\n\
             • 风险类别：质量安全 14 条\n\
             • 情绪（负面提及中）：愤怒 62%，恐惧 23%，悲伤 8%\n\
             • 方面：电池 负面 92%（12 条）、充电 负面 75%（4 条）、客服 负面 50%（2 条）\n\
             • 热门负面：\n\
             1. X5 充电时起火了（真的） <https://m.weibo.cn/detail/1>（weibo，互动 1200）\n"
        );
        assert!(!text.contains("\\[") && !text.contains("\\(") && !text.contains("###"), "{text}");
    }

    #[test]
    fn robots_get_their_own_escaping_of_the_same_words() {
        let a = alert();
        let m = message(&a);
        let ding = m.render(Dialect::DingTalk);
        assert!(ding.contains("- 罕见程度：极罕见"), "{ding}");
        assert!(ding.contains("［点我］（http://evil） ＜！channel＞ ＊粗＊ ＼（本时段 3 条"), "{ding}");
        assert!(ding.contains("1. [X5 充电时起火了（真的）](https://m.weibo.cn/detail/1)（weibo"), "{ding}");
        let slack = m.render(Dialect::Mrkdwn);
        assert!(slack.contains("[点我](http://evil) &lt;!channel&gt; ＊粗＊ \\（"), "{slack}");
        assert!(slack.contains("1. <https://m.weibo.cn/detail/1|X5 充电时起火了（真的）>"), "{slack}");
        let lark = m.render(Dialect::LarkMd);
        assert!(lark.contains("&#91;点我&#93;&#40;http&#58;//evil&#41; &#60;&#33;channel&#62; &#42;粗&#42;"), "{lark}");
        let md = m.render(Dialect::Markdown);
        assert!(md.contains("\\[点我\\]\\(http://evil\\) &lt;\\!channel&gt; \\*粗\\* \\\\（"), "{md}");
    }

    #[test]
    fn rarity_is_said_in_words() {
        assert_eq!(rarity(5.4e-12), "极罕见（若只是平常波动，出现这么多负面的可能不到千亿分之一）");
        assert!(rarity(1e-13).contains("不到万亿分之一") && rarity(0.0).contains("不到万亿分之一"));
        assert!(rarity(3e-5).starts_with("非常罕见") && rarity(3e-5).contains("不到万分之一"));
        assert!(rarity(0.004).starts_with("罕见（") && rarity(0.004).contains("不到百分之一"));
        assert!(rarity(0.3).starts_with("不算罕见") && rarity(0.3).contains("约 30%"));
    }
}
