//! Tests of normalization and segmentation together, on realistic posts.

use super::*;
use std::sync::OnceLock;

fn pipeline() -> &'static TextPipeline {
    static P: OnceLock<TextPipeline> = OnceLock::new();
    P.get_or_init(|| {
        let mut s = Segmenter::new(true);
        s.add_dictionary("test dict", "踩雷 100 v\n智商税 100 n\n".as_bytes()).unwrap();
        TextPipeline::new(s)
    })
}

fn kinds(text: &str) -> Vec<(String, TokenKind)> {
    let a = pipeline().analyze(text);
    a.words().map(|(w, k)| (w.to_string(), k)).collect()
}

#[test]
fn weibo_post_keeps_emoticons_mentions_and_urls_whole() {
    let got = kinds("@小米客服 你们的售后太差了[怒][怒] 详情见 https://t.cn/A6xYz 😡");
    let specials: Vec<_> = got.iter().filter(|(_, k)| *k != TokenKind::Word && *k != TokenKind::Punct).collect();
    assert_eq!(
        specials,
        vec![
            &("@小米客服".to_string(), TokenKind::Mention),
            &("[怒]".to_string(), TokenKind::Emoticon),
            &("[怒]".to_string(), TokenKind::Emoticon),
            &("https://t.cn/a6xyz".to_string(), TokenKind::Url),
            &("😡".to_string(), TokenKind::Emoji),
        ]
    );
    assert!(got.contains(&("售后".to_string(), TokenKind::Word)));
}

#[test]
fn user_dictionary_keeps_slang_whole() {
    let got = kinds("又踩雷了，纯纯智商税");
    let words: Vec<_> = got.iter().map(|(w, _)| w.as_str()).collect();
    assert!(words.contains(&"踩雷"), "{words:?}");
    assert!(words.contains(&"智商税"), "{words:?}");
    assert_eq!(got.iter().find(|(w, _)| w == ",").map(|x| x.1), Some(TokenKind::Punct));
}

#[test]
fn traditional_text_segments_like_simplified() {
    assert_eq!(kinds("這個價格很划算"), kinds("这个价格很划算"));
}

#[test]
fn brackets_that_are_not_emoticons_are_not_kept_whole() {
    let got = kinds("型号[2024款]很好");
    assert!(got.iter().all(|(_, k)| *k != TokenKind::Emoticon), "{got:?}");
}

#[test]
fn emoji_sequences_stay_together() {
    let got = kinds("好评👍🏻👨\u{200D}👩\u{200D}👧");
    let emoji: Vec<_> = got.iter().filter(|(_, k)| *k == TokenKind::Emoji).map(|(w, _)| w.clone()).collect();
    assert_eq!(emoji, vec!["👍🏻".to_string(), "👨\u{200D}👩\u{200D}👧".to_string()]);
}

#[test]
fn bad_dictionary_line_names_origin_and_line() {
    let mut s = Segmenter::new(false);
    let err = s.add_dictionary("my.txt", "好物 10\n翻车 lots\n".as_bytes()).unwrap_err();
    assert_eq!(err.to_string(), "dictionary my.txt, line 2: frequency \"lots\" of \"翻车\" is not a whole number");
}

#[test]
fn junk_and_huge_input_do_not_panic() {
    let junk: String = (0u32..2000).filter_map(char::from_u32).collect();
    let a = pipeline().analyze(&junk);
    assert!(!a.tokens.is_empty());
    let long = "质量很好,物流也快。".repeat(100_000);
    let a = pipeline().analyze(&long);
    assert!(a.tokens.len() >= 600_000);
    assert!(pipeline().analyze("").tokens.is_empty());
}

#[test]
fn reposts_are_near_and_different_posts_far() {
    use super::simhash::{MAX_DISTANCE, distance, simhash};
    let fp = |t: &str| simhash(&pipeline().analyze(t)).unwrap();
    let original = "小米手机充电的时候突然起火了，整个床都烧黑了，售后到现在还没有给任何说法，大家千万小心";
    let repost =
        "//@数码博主: 小米手机充电的时候突然起火了，整个床都烧黑了，售后到现在还没有给任何说法，大家千万小心[怒]";
    let edited = "小米手机充电的时候突然起火了！整个床都烧黑了，售后到现在还没有给任何说法，大家千万千万小心";
    let other = "华为新出的平板屏幕显示效果很好，续航也不错，就是价格有点贵，等双十一降价再入手吧";
    assert!(distance(fp(original), fp(repost)) <= MAX_DISTANCE, "{}", distance(fp(original), fp(repost)));
    assert!(distance(fp(original), fp(edited)) <= MAX_DISTANCE, "{}", distance(fp(original), fp(edited)));
    assert!(distance(fp(original), fp(other)) > 3 * MAX_DISTANCE, "{}", distance(fp(original), fp(other)));
    assert_eq!(simhash(&pipeline().analyze("好评")), None);
}

#[test]
fn a_handed_over_segmentation_is_taken_back_only_for_that_very_text() {
    let p = pipeline();
    let doc = p.analyze("物流很快，包装完好");
    let text: Arc<str> = Arc::from(doc.text.as_str());
    p.hand_over(text.clone(), doc.tokens.clone());
    // The same words at another address are segmented afresh, and a prefix of the text is not it.
    assert!(p.take_handed(&doc.text).is_none());
    assert!(p.take_handed(&text[..3]).is_none());
    let handed = p.take_handed(&text).expect("handed over");
    assert_eq!(handed.tokens, doc.tokens);
    assert!(p.take_handed(&text).is_none(), "taken once");
    // A text withdrawn (a duplicate, not indexed) is not kept.
    p.hand_over(text.clone(), doc.tokens.clone());
    p.withdraw(&text);
    assert!(p.take_handed(&text).is_none());
}
