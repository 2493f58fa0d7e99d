//! Emotions and aspects in words, written the same wherever they are shown (`yuqing stats`,
//! search results, the trends page, digests, alerts, incidents): "愤怒 62%，恐惧 21%" and
//! "电池 负面 68%（上周 21%）".

use crate::index::stats::AspectCount;
use crate::sentiment::Emotion;

/// A share in [0, 1] as a whole percent, halves rounded up (62.5% reads 63%).
pub fn percent(share: f64) -> u64 {
    (100.0 * share.clamp(0.0, 1.0)).round() as u64
}

/// Each emotion's share of the mentions that have one, most first, at most `max` of them:
/// "愤怒 62%，恐惧 21%"; `None` when no mention has one.
pub fn emotion_shares(emotions: &[(Emotion, u64)], max: usize) -> Option<String> {
    let with_one: u64 = emotions.iter().map(|(_, n)| n).sum();
    if with_one == 0 {
        return None;
    }
    let mut sorted: Vec<(Emotion, u64)> = emotions.iter().copied().filter(|(_, n)| *n > 0).collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let shown: Vec<String> = sorted
        .iter()
        .take(max)
        .map(|(e, n)| format!("{} {}%", e.label_zh(), percent(*n as f64 / with_one as f64)))
        .collect();
    Some(shown.join("，"))
}

/// The share of an aspect's mentions whose clause is negative, in [0, 1]; 0 without mentions.
pub fn negative_share(a: &AspectCount) -> f64 {
    if a.total() == 0 { 0.0 } else { a.negative as f64 / a.total() as f64 }
}

/// An aspect and its negative share: "电池 负面 68%"; with the period before, named `was` (上周,
/// 前一日 …), when there is one: "电池 负面 68%（上周 21%）", or "电池 负面 68%（上周无提及）".
pub fn aspect_share(a: &AspectCount, before: Option<(&str, Option<&AspectCount>)>) -> String {
    let now = format!("{} 负面 {}%", a.aspect, percent(negative_share(a)));
    match before {
        None => now,
        Some((was, Some(b))) if b.total() > 0 => format!("{now}（{was} {}%）", percent(negative_share(b))),
        Some((was, _)) => format!("{now}（{was}无提及）"),
    }
}

/// The `max` aspects most spoken of (the list's order), each with its negative share and
/// mentions: "电池 负面 77%（296 条）、屏幕 负面 20%（5 条）"; `None` when there are none.
pub fn aspect_shares(aspects: &[AspectCount], max: usize) -> Option<String> {
    let shown: Vec<String> = aspects
        .iter()
        .filter(|a| a.total() > 0)
        .take(max)
        .map(|a| format!("{}（{} 条）", aspect_share(a, None), a.total()))
        .collect();
    if shown.is_empty() { None } else { Some(shown.join("、")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aspect(name: &str, positive: u64, neutral: u64, negative: u64) -> AspectCount {
        AspectCount { aspect: name.into(), positive, neutral, negative }
    }

    #[test]
    fn emotions_read_as_shares_of_those_with_one() {
        // 62 + 21 + 17 = 100; the order is by count, not by the list's.
        let e = [(Emotion::Fear, 21), (Emotion::Anger, 62), (Emotion::Joy, 17), (Emotion::Sadness, 0)];
        assert_eq!(emotion_shares(&e, 2).as_deref(), Some("愤怒 62%，恐惧 21%"));
        assert_eq!(emotion_shares(&e, 6).as_deref(), Some("愤怒 62%，恐惧 21%，喜悦 17%"));
        // 5 of 8 is 62.5%: rounded up; 3 of 8 is 37.5%: 38%.
        assert_eq!(
            emotion_shares(&[(Emotion::Anger, 5), (Emotion::Disgust, 3)], 6).as_deref(),
            Some("愤怒 63%，厌恶 38%")
        );
        assert_eq!(emotion_shares(&[], 3), None);
        assert_eq!(emotion_shares(&[(Emotion::Anger, 0)], 3), None);
    }

    #[test]
    fn aspects_read_with_their_negative_share_and_the_period_before() {
        let now = aspect("电池", 5, 3, 17); // 17 of 25 = 68%
        let before = aspect("电池", 20, 10, 8); // 8 of 38 = 21.05%
        assert_eq!(aspect_share(&now, None), "电池 负面 68%");
        assert_eq!(aspect_share(&now, Some(("上周", Some(&before)))), "电池 负面 68%（上周 21%）");
        assert_eq!(aspect_share(&now, Some(("上周", None))), "电池 负面 68%（上周无提及）");
        assert_eq!(
            aspect_share(&now, Some(("前一日", Some(&aspect("电池", 0, 0, 0))))),
            "电池 负面 68%（前一日无提及）"
        );
        assert_eq!(negative_share(&aspect("屏幕", 0, 0, 0)), 0.0);
        let list = [now, aspect("屏幕", 4, 0, 1), aspect("空", 0, 0, 0), aspect("外观", 1, 0, 0)];
        assert_eq!(aspect_shares(&list, 2).as_deref(), Some("电池 负面 68%（25 条）、屏幕 负面 20%（5 条）"));
        assert_eq!(aspect_shares(&[], 2), None);
    }
}
