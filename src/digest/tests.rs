//! The digest's figures on a fixture counted by hand: two weeks of 华为 and 小米 mentions.

use std::path::Path;
use std::sync::Arc;

use super::*;
use crate::alert::{Alert, Basis, Verdict};
use crate::analysis::{Analyzer, Preparer};
use crate::index::MentionWriter;
use crate::mention::Mention;
use crate::render::Dialect;
use crate::watch::WatchMatcher;

/// 华为 and 小米, one competitor group.
fn watches() -> Vec<crate::watch::Watch> {
    ["华为", "小米"]
        .map(|name| crate::watch::Watch {
            name: name.into(),
            aliases: vec![name.into()],
            required: Vec::new(),
            excluded: Vec::new(),
            group: Some("phones".into()),
            aspects: Default::default(),
        })
        .to_vec()
}

/// (local time, text, likes). Week 46 (11-09 … 11-15), then week 47 (11-16 … 11-22).
const MENTIONS: &[(&str, &str, u64)] = &[
    // W46, 华为: 4 positive, 1 negative (logistics), 1 neutral.
    ("2026-11-09 10:00", "华为P60用了一年依然流畅，好评", 1),
    ("2026-11-10 11:00", "华为畅享70性价比高，老人用着很满意", 2),
    ("2026-11-11 12:00", "华为nova11外观时尚，音质很好，推荐", 3),
    ("2026-11-12 13:00", "华为Mate X5折叠屏手感一流，非常喜欢", 4),
    ("2026-11-13 14:00", "华为快递发货太慢了，等了一周，很不满意", 5),
    ("2026-11-14 15:00", "华为新品将在上海发布", 0),
    // W46, 小米: 2.
    ("2026-11-10 09:00", "小米之家周末有活动", 0),
    ("2026-11-12 09:00", "小米电视画质清晰，很满意", 0),
    // W47, 华为 on Monday 11-16: 3 positive, 1 negative (service), 1 neutral.
    ("2026-11-16 09:00", "华为Mate60拍照清晰，续航给力，非常满意", 20),
    ("2026-11-16 10:00", "华为P70系统流畅，外观漂亮，很喜欢", 50),
    ("2026-11-16 11:00", "华为nova12信号稳定，做工扎实，推荐购买", 5),
    ("2026-11-16 12:00", "华为Mate60屏幕有点小毛病，客服处理得很差，太失望了", 7),
    ("2026-11-16 13:00", "华为发布会定在下周三下午举行", 0),
    // Wednesday 11-18: 4 negative (quality; 3 of them legal too).
    ("2026-11-18 08:00", "华为Mate60充电时起火了，太吓人，要求召回", 300),
    ("2026-11-18 09:00", "华为P70电池鼓包起火，质量太差，必须召回", 120),
    ("2026-11-18 10:00", "华为nova12手机充电起火爆炸，差点伤人，要求召回", 80),
    ("2026-11-18 11:00", "华为手机起火事件，官方至今没有回应，太差劲了", 40),
    // Friday 11-20: 2 positive.
    ("2026-11-20 20:00", "华为Pura70续航很棒，拍照也好看，满意", 9),
    ("2026-11-20 21:00", "<script>alert('x')</script>华为畅享很好用，非常满意", 60),
    // W47, 小米: 5.
    ("2026-11-16 09:00", "小米14今天开售", 0),
    ("2026-11-17 09:00", "小米手环续航不错，挺满意", 0),
    ("2026-11-18 09:00", "小米发布了新的路由器", 0),
    ("2026-11-19 09:00", "小米汽车订单量公布", 0),
    ("2026-11-21 09:00", "小米平板上架了新配色", 0),
    // Outside both weeks.
    ("2026-11-23 09:00", "华为Mate60起火了，下周的事", 0),
];

fn fixture(dir: &Path) -> (Vec<crate::watch::Watch>, Arc<Analyzer>, tantivy::Index, Fields) {
    let analyzer = Arc::new(Analyzer::load(&Default::default(), &Default::default()).unwrap());
    let (index, f) = crate::index::open_or_create(&dir.join("index"), analyzer.text.clone()).unwrap();
    let mut writer = MentionWriter::new(&index, f, analyzer.text.clone(), 50_000_000).unwrap();
    let preparer = Preparer::new(analyzer.clone(), WatchMatcher::new(watches()));
    let mentions: Vec<Mention> = MENTIONS
        .iter()
        .enumerate()
        .map(|(i, (at, text, likes))| {
            // Announcements are news (scored by the news rule); the rest are social posts.
            let news = ["发布", "开售", "公布", "上架", "有活动"].iter().any(|w| text.contains(w));
            serde_json::from_value(serde_json::json!({
                "id": format!("t:{i}"), "source": "weibo", "text": text, "published_at": at, "likes": likes,
                "url": format!("https://weibo.com/{i}"), "kind": if news { "news" } else { "post" }
            }))
            .unwrap()
        })
        .collect();
    writer.add_batch(mentions, &preparer).unwrap();
    writer.commit().unwrap();
    (watches(), analyzer, index, f)
}

fn alert_at(start: &str, severity: Severity) -> AlertRecord {
    AlertRecord {
        raised_at: start.parse().unwrap(),
        alert: Alert {
            watch: "华为".into(),
            verdict: Verdict {
                start: start.parse().unwrap(),
                observed: 4,
                expected: 0.5,
                p_value: 1e-9,
                basis: Basis::HourOfDay,
                dispersion: None,
                negative_share: 1.0,
                usual_share: 0.1,
                severity: Some(severity),
            },
            rising_terms: Vec::new(),
            risks: Vec::new(),
            emotions: Vec::new(),
            aspects: Vec::new(),
            top_posts: Vec::new(),
            incident: None,
        },
        deliveries: Vec::new(),
    }
}

#[test]
fn the_digest_s_figures_equal_the_fixture_counted_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let (watches, analyzer, index, f) = fixture(dir.path());
    let watch = watches[0].clone();
    let request = DigestRequest {
        group: watch.group_members(&watches),
        watch,
        period: iso_week("2026-W47").unwrap(),
        // One alert in the week (11-18 08:00 local), one the week before.
        alerts: vec![
            alert_at("2026-11-18T00:00:00Z", Severity::Critical),
            alert_at("2026-11-13T06:00:00Z", Severity::Warning),
        ],
    };
    let d = build(&index.reader().unwrap().searcher(), f, &analyzer.text, &request).unwrap();

    let c = d.counts;
    assert_eq!((c.total, c.positive, c.neutral, c.negative), (11, 5, 1, 5));
    let p = d.previous_counts;
    assert_eq!((p.total, p.positive, p.neutral, p.negative), (6, 4, 1, 1));
    assert!((d.net_sentiment - 0.0).abs() < 1e-9 && (d.previous_net_sentiment - 0.5).abs() < 1e-9);
    // Seven local days, Monday first.
    let days: Vec<(String, u64, u64, u64)> = d
        .days
        .iter()
        .map(|b| {
            (
                crate::time::local_minute(b.start)[..10].to_string(),
                b.counts.positive,
                b.counts.neutral,
                b.counts.negative,
            )
        })
        .collect();
    let days: Vec<(&str, u64, u64, u64)> = days.iter().map(|(d, p, n, g)| (d.as_str(), *p, *n, *g)).collect();
    assert_eq!(
        days,
        [
            ("2026-11-16", 3, 1, 1),
            ("2026-11-17", 0, 0, 0),
            ("2026-11-18", 0, 0, 4),
            ("2026-11-19", 0, 0, 0),
            ("2026-11-20", 2, 0, 0),
            ("2026-11-21", 0, 0, 0),
            ("2026-11-22", 0, 0, 0),
        ]
    );
    // Share of voice: 11 of 16, the week before 6 of 8.
    let own = &d.share_of_voice[0];
    assert_eq!((own.watch.as_str(), own.mentions), ("华为", 11));
    assert!((own.share - 11.0 / 16.0).abs() < 1e-9 && (own.previous_share - 0.75).abs() < 1e-9);
    assert_eq!((d.share_of_voice[1].watch.as_str(), d.share_of_voice[1].mentions), ("小米", 5));
    assert_eq!((own.previous_mentions, own.negative, own.previous_negative), (6, 5, 1));
    // 华为 grew by 5 (4 of them negative), 小米 by 3: the share's move is 华为's own.
    assert!(
        d.headlines.iter().any(|h| h == "声量份额 68.8%（上周 75.0%，-6.2 个百分点），主要因为本品牌提及增加 5 条，其中负面增加 4 条"),
        "{:?}",
        d.headlines
    );
    // Risks: quality 4, legal 3, service 1 this week; logistics 1 the week before.
    let risks: Vec<(&str, u64, u64)> = d.risks.iter().map(|r| (r.risk.name(), r.mentions, r.previous)).collect();
    assert_eq!(risks, [("quality", 4, 0), ("legal", 3, 0), ("service", 1, 0), ("logistics", 0, 1)]);
    assert_eq!(d.risks[0].label, "质量安全");
    // The negative terms that rose: 起火 in 4 of the 5 negative mentions, none before.
    let fire = d.negative_terms.iter().find(|t| t.term == "起火").expect("起火 rose");
    assert_eq!((fire.mentions, fire.before), (4, 0));
    assert!(d.negative_terms.iter().any(|t| t.term == "召回"));
    // Top posts by engagement, one per cluster, newest week only.
    let neg: Vec<u64> = d.top_negative.iter().map(|p| p.engagement).collect();
    assert_eq!(neg, [300, 120, 80, 40, 7]);
    let pos: Vec<u64> = d.top_positive.iter().map(|p| p.engagement).collect();
    assert_eq!(pos, [60, 50, 20, 9, 5]);
    // The week's alert only.
    assert_eq!(d.alerts.len(), 1);
    let first = &d.alerts[0];
    assert_eq!((crate::time::local_minute(first.at).as_str(), first.severity.name()), ("2026-11-18 08:00", "critical"));
    emotions_and_aspects(&d);
    in_words_html_and_markdown(&d);
    in_a_word_document(&d);
}

/// The week's emotions (of its negative mentions) and aspects against the week before.
fn emotions_and_aspects(d: &Digest) {
    // The emotions of the 5 negative mentions: 太吓人 and 差点伤人 fear, 质量太差 and 太差劲了
    // anger, 太失望了 sadness.
    let emotions: Vec<(&str, u64)> = d.negative_emotions.iter().map(|(e, n)| (e.name(), *n)).collect();
    assert_eq!(emotions, [("anger", 2), ("fear", 2), ("sadness", 1)]);
    assert_eq!(d.emotions_line().as_deref(), Some("愤怒 40%，恐惧 40%，悲伤 20%"));
    // Aspects, most mentions first: 电池 in 续航给力 and 续航很棒 (positive) and the three charging
    // fires (充电, 电池鼓包: negative), not spoken of the week before; 外观 positive both weeks;
    // 屏幕 negative now (小毛病), positive before (折叠屏手感一流).
    // 拍照 positive both times (拍照清晰, 拍照也好看: the second had read negative while a post's
    // clauses were weighed with the social weights, its score with the review ones).
    let battery = &d.aspects[0];
    assert_eq!((battery.now.aspect.as_str(), battery.now.positive, battery.now.negative), ("电池", 2, 3));
    assert_eq!(battery.previous.total(), 0);
    assert_eq!(
        d.aspect_lines(),
        [
            "电池 负面 60%（上周无提及）",
            "拍照 负面 0%（上周无提及）",
            "质量 负面 50%（上周无提及）",
            "外观 负面 0%（上周 0%）",
            "客服 负面 100%（上周无提及）",
            "屏幕 负面 100%（上周 0%）",
            "性能 负面 0%（上周 0%）",
        ]
    );
    // Rises of 20 points and more, but under 10 mentions each: no aspect headline.
    assert!(!d.headlines.iter().any(|h| h.contains(" 负面 ")), "{:?}", d.headlines);
}

/// The fixture's week 47 as a `.docx`: the HTML's sections, headlines and posts verbatim, the
/// daily chart as a PNG with its bars.
fn in_a_word_document(d: &Digest) {
    use crate::render::docx::read;
    let bytes = docx::render(d).unwrap();
    let xml = read::part(&bytes, "word/document.xml");
    for h in &d.headlines {
        assert!(xml.contains(h.as_str()), "headline {h:?} in {xml}");
    }
    let sections = [
        "本周要点",
        "每日提及（按情感）",
        "声量份额",
        "风险类别",
        "情绪与方面",
        "上升词",
        "热门负面",
        "热门正面",
        "本周预警",
    ];
    for s in
        [d.title.as_str(), &html::period_line(d), &html::counts_line(d), &html::net_line(d)].into_iter().chain(sections)
    {
        assert!(xml.contains(s), "{s:?} in {xml}");
    }
    assert!(xml.contains("华为Mate60屏幕有点小毛病，客服处理得很差，太失望了"), "a top post quoted whole");
    assert!(xml.contains("&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt;华为畅享很好用，非常满意"), "{xml}");
    assert!(!xml.contains("<script"), "markup in a post is text");
    assert!(xml.contains("2026-11-18 08:00") && xml.contains("质量安全"), "the alert and risk tables");
    // Share of voice, risks, aspects, both rising-term lists, alerts.
    assert_eq!(xml.matches("<w:tbl>").count(), 6, "{xml}");
    assert!(
        xml.contains("负面提及的情绪：愤怒 40%，恐惧 40%，悲伤 20%") && xml.contains("电池 负面 60%（上周无提及）")
    );
    let rels = read::part(&bytes, "word/_rels/document.xml.rels");
    assert_eq!(rels.matches("Target=\"https://weibo.com/").count(), 10, "each top post links to itself: {rels}");
    let images = read::images(&bytes);
    assert_eq!(images.len(), 1, "the daily chart");
    let (width, _, pixels) = &images[0];
    assert_eq!(*width, 1800);
    let red = pixels.iter().filter(|p| p[0] > 180 && p[1] < 100 && p[2] < 100).count();
    assert!(red > 1000, "the negative bars are drawn ({red} red pixels)");
}

/// The headlines, the HTML page and the Markdown of the fixture's week 47.
fn in_words_html_and_markdown(d: &Digest) {
    assert_eq!(d.headlines[0], "负面提及 5 条，比上周上升 400%，主要由「起火」「召回」带动", "{:?}", d.headlines);
    assert!(d.headlines.contains(&"本周触发预警 1 次（其中严重 1 次）".to_string()), "{:?}", d.headlines);
    assert!(d.headlines.contains(&"全部提及 11 条，比上周上升 83%".to_string()), "{:?}", d.headlines);
    assert!(d.headlines.contains(&"风险上升最多：质量安全 4 条（上周 0）".to_string()), "{:?}", d.headlines);

    // HTML: self-contained, charts with one bar per day and polarity, crawled markup escaped.
    let page = html::render(d, None);
    assert!(page.starts_with("<!DOCTYPE html>") && page.contains("data-chart=\"daily\""));
    assert_eq!(page.matches("data-sentiment=\"negative\"").count(), 7);
    assert!(!page.contains("<script>") && page.contains("&lt;script&gt;"), "markup in a post is text");
    assert!(!page.contains("src=\"http") && !page.contains("<link"), "no external assets");
    assert!(page.contains("href=\"https://weibo.com/"));
    assert!(!page.contains("/search?"), "no dashboard, no links to it");
    // With the dashboard's address, the digest links back to it: its trend over the week, each
    // bar segment, risk count, rising term and share to the posts it counts.
    let linked = html::render(d, Some("https://y.example.com/"));
    let week = "since=2026-11-15T16%3A00%3A00Z&until=2026-11-22T16%3A00%3A00Z";
    assert!(
        linked.contains(&format!(
            "href=\"https://y.example.com/trends?watch=%E5%8D%8E%E4%B8%BA&amp;{}\"",
            week.replace('&', "&amp;")
        )),
        "{linked}"
    );
    let to_search = linked.matches("href=\"https://y.example.com/search?").count();
    // 7 days × 3 sentiments less the empty segments, 4 risks with mentions… at least one of each kind.
    for kind in [
        "sentiment=negative",
        "risk=quality",
        "q=%E8%B5%B7%E7%81%AB",
        "watch=%E5%B0%8F%E7%B1%B3",
        "aspect=%E7%94%B5%E6%B1%A0",
    ] {
        assert!(linked.contains(kind), "{kind} linked");
    }
    assert!(to_search > 10, "{to_search}");
    // Markdown for the robots, with the link to the full digest.
    let message = markdown::render(d, Some("https://yuqing.example.com/digests/华为-2026-W47.html"));
    let md = message.document(&d.title, Dialect::Markdown);
    assert!(md.starts_with("### 华为 舆情周报 2026-W47") && md.contains("- 负面提及 5 条"), "{md}");
    assert!(md.contains("负面情绪：愤怒 40%，恐惧 40%，悲伤 20%"), "{md}");
    assert!(md.contains("方面：电池 负面 60%（上周无提及），拍照 负面 0%（上周无提及），"), "{md}");
    assert!(page.contains("<h2>情绪与方面</h2>") && page.contains("负面提及的情绪：愤怒 40%，恐惧 40%，悲伤 20%"));
    assert!(md.contains("1. [华为Mate60充电时起火了") && md.contains("[完整周报](https://yuqing.example.com/"), "{md}");
    // The same message on a terminal: no markup, the link after its text.
    let plain = message.document(&d.title, Dialect::Plain);
    assert!(plain.starts_with("华为 舆情周报 2026-W47\n\n• 负面提及 5 条") && !plain.contains("]("), "{plain}");
    assert!(plain.contains("完整周报 <https://yuqing.example.com/"), "{plain}");
}

/// The digest of 华为 for `period`.
fn digest_of(dir: &Path, period: Period) -> Digest {
    let (watches, analyzer, index, f) = fixture(dir);
    let watch = watches[0].clone();
    let request = DigestRequest { group: watch.group_members(&watches), watch, period, alerts: Vec::new() };
    build(&index.reader().unwrap().searcher(), f, &analyzer.text, &request).unwrap()
}

#[test]
fn a_day_a_month_and_a_week_so_far_each_against_the_one_before() {
    // 日报 of Wednesday 11-18: the four fires, by the hour; the day before had no 华为 mention.
    let dir = tempfile::tempdir().unwrap();
    let d = digest_of(dir.path(), day("2026-11-18").unwrap());
    assert_eq!(d.title, "华为 舆情日报 2026-11-18");
    assert_eq!((d.counts.total, d.counts.negative, d.previous_counts.total), (4, 4, 0));
    assert_eq!(d.days.len(), 24, "by the hour");
    assert_eq!(d.days.iter().map(|b| b.counts.negative).collect::<Vec<_>>()[8..12], [1, 1, 1, 1]);
    assert!(d.headlines[0].starts_with("负面提及 4 条，前一日为 0"), "{:?}", d.headlines);
    let page = html::render(&d, None);
    assert!(page.contains("每小时提及") && page.contains("当日要点") && !page.contains("上周"), "{page}");

    // 月报 of November: every 华为 mention of the fixture; October had none.
    let dir = tempfile::tempdir().unwrap();
    let d = digest_of(dir.path(), month("2026-11").unwrap());
    assert_eq!((d.title.as_str(), d.counts.total, d.previous_counts.total), ("华为 舆情月报 2026-11", 18, 0));
    assert_eq!(d.days.len(), 30);

    // Wednesday 11-18 12:00 mid-crisis: the week so far (Monday's 5, the morning's 4 fires)
    // against last week up to Wednesday 12:00 (Monday's and Tuesday's, not Wednesday noon's).
    let dir = tempfile::tempdir().unwrap();
    let noon: jiff::Timestamp = "2026-11-18T04:00:00Z".parse().unwrap();
    let d = digest_of(dir.path(), Period::so_far(PeriodKind::Week, noon));
    assert_eq!((d.counts.total, d.counts.negative, d.previous_counts.total), (9, 5, 2));
    assert_eq!(d.period.label, "2026-W47 截至 11-18 12:00");
    assert!(d.headlines.iter().any(|h| h == "全部提及 9 条，比上周同期上升 350%"), "{:?}", d.headlines);
    assert_eq!(d.headlines[0], "负面提及 5 条，上周同期为 0");
    assert_eq!(schedule::file_name("华为", &d.period), "华为-2026-W47-to-202611181200.html");
}
