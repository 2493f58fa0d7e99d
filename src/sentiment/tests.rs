//! Tests of the rules, risks, explanations and learning, on a small hand-written lexicon so that
//! each rule's effect is visible on its own.

use std::path::Path;

use super::corpus::Example;
use super::learn::{LearnOptions, learn};
use super::lexicon::*;
use super::*;
use crate::analyzer::text_pipeline;
use crate::config::Config;
use crate::text::TextPipeline;

const SEEDS: &str = "满意\t1.0\n漂亮\t1.0\n差\t-1.0\n";

/// A lexicon directory with the shipped function-word lists and `SEEDS` as the only weights.
fn lexicon_dir(seeds: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("lexicons");
    for name in [NEGATION_FILE, DEGREE_FILE, CONTRAST_FILE, RHETORICAL_FILE, RISK_FILE, USER_DICT_FILE, EMOTICON_FILE] {
        std::fs::copy(shipped.join(name), dir.path().join(name)).unwrap();
    }
    std::fs::write(dir.path().join(SEED_FILE), seeds).unwrap();
    dir
}

struct Fixture {
    _dir: tempfile::TempDir,
    text: TextPipeline,
    scorer: Scorer,
}

fn fixture() -> Fixture {
    let dir = lexicon_dir(SEEDS);
    let source = LexiconSource::Dir(dir.path().to_path_buf());
    let lexicon = Lexicon::load(&source, true).unwrap();
    let text = text_pipeline(&Config::default(), &source, &lexicon).unwrap();
    Fixture { _dir: dir, text, scorer: Scorer::new(lexicon, 0.2) }
}

impl Fixture {
    fn score(&self, s: &str) -> Sentiment {
        let mut ws = Workspace::default();
        self.text.analyze_into(s, &mut ws.doc);
        self.scorer.score(&mut ws, true)
    }
    fn margin(&self, s: &str) -> f32 {
        self.score(s).explanation.margin
    }
}

#[test]
fn negation_flips_and_softens() {
    let f = fixture();
    assert!(f.margin("质量满意") > 0.9);
    assert!((f.margin("质量不满意") + 1.0).abs() < 1e-6, "{}", f.margin("质量不满意"));
    assert!((f.margin("没有想象中满意") + 1.0).abs() < 1e-6, "{}", f.margin("没有想象中满意"));
    assert!((f.margin("一点也不满意") + 1.0).abs() < 1e-6);
    let mild = f.margin("不太满意");
    assert!(mild < 0.0 && mild > -1.0, "不太满意 should be milder than 不满意: {mild}");
}

#[test]
fn double_negation_and_negation_scope() {
    let f = fixture();
    assert!(f.margin("不是不满意") > 0.9, "{}", f.margin("不是不满意"));
    // The comma ends the negation's reach.
    assert!(f.margin("不贵,满意") > 0.9);
}

#[test]
fn degree_adverbs_scale() {
    let f = fixture();
    let (plain, very, little) = (f.margin("满意"), f.margin("非常满意"), f.margin("有点满意"));
    assert!(very > plain && plain > little && little > 0.0, "{very} {plain} {little}");
}

#[test]
fn clause_after_contrast_decides() {
    let f = fixture();
    let s = f.score("外观漂亮,但是质量差");
    assert_eq!(s.label, Label::Negative, "{s:?}");
    assert!(s.explanation.rules.iter().any(|r| r.contains("但是")));
    assert_eq!(f.score("质量差,但是外观漂亮").label, Label::Positive);
    // A contrast opening a sentence discounts the sentence before it.
    assert_eq!(f.score("外观漂亮。不过质量差。").label, Label::Negative);
}

#[test]
fn questions_exclamations_and_rhetoric() {
    let f = fixture();
    assert!(f.margin("满意!") > f.margin("满意"));
    assert!(f.margin("满意吗?") < f.margin("满意"));
    assert!(f.margin("这不是很满意吗?") > 1.4, "rhetorical negation reversed");
    assert!(f.margin("难道不漂亮?") > 0.0);
}

#[test]
fn explanation_names_terms_and_rules() {
    let f = fixture();
    let s = f.score("质量不满意");
    let t = &s.explanation.terms[0];
    assert_eq!(t.term, "满意");
    assert_eq!(t.weight, 1.0);
    assert_eq!(t.contribution, -1.0);
    assert_eq!(t.rules, vec!["negated by 不".to_string()]);
}

#[test]
fn no_evidence_is_neutral() {
    let f = fixture();
    for text in ["", "今天下午三点到货", "\u{0}\u{1}\u{2}", "@某人 https://example.com/x"] {
        let s = f.score(text);
        assert_eq!(s.label, Label::Neutral, "{text:?}");
        assert!(s.score.abs() < 1e-6);
    }
}

#[test]
fn risks_need_negative_context_unless_always() {
    let f = fixture();
    let cats = |s: &str| f.score(s).risks.iter().map(|r| r.category).collect::<Vec<_>>();
    assert_eq!(cats("手机充电的时候起火了"), vec![RiskCategory::Quality]);
    assert_eq!(cats("客服态度差,退款拖了一个月"), vec![RiskCategory::Service]);
    assert!(cats("客服很满意").is_empty());
    let hit = &f.score("买到假货,已经打12315投诉").risks;
    assert_eq!(
        hit.iter().map(|r| r.category).collect::<Vec<_>>(),
        vec![RiskCategory::Counterfeit, RiskCategory::Legal]
    );
    assert_eq!(hit[1].terms, vec!["12315".to_string(), "投诉".to_string()]);
}

#[test]
fn bad_lexicon_line_names_file_and_line() {
    let dir = lexicon_dir("满意\t1.0\n差\tbad\n");
    let err = Lexicon::load(&LexiconSource::Dir(dir.path().to_path_buf()), true).unwrap_err();
    let msg = err.to_string();
    assert!(msg.ends_with("seed_sentiment.tsv, line 2: column 2 is \"bad\", not a number"), "{msg}");
    std::fs::write(dir.path().join(DEGREE_FILE), "很\t1.5\t2\t3\n").unwrap();
    std::fs::write(dir.path().join(SEED_FILE), SEEDS).unwrap();
    let err = Lexicon::load(&LexiconSource::Dir(dir.path().to_path_buf()), true).unwrap_err();
    assert!(err.to_string().ends_with("degree.tsv, line 1: expected 2 tab-separated columns, found 4"), "{err}");
    std::fs::remove_file(dir.path().join(NEGATION_FILE)).unwrap();
    let err = Lexicon::load(&LexiconSource::Dir(dir.path().to_path_buf()), true).unwrap_err();
    assert!(err.to_string().contains("negation.tsv is missing"), "{err}");
}

#[test]
fn learning_finds_polarity_and_round_trips_through_the_file() {
    let dir = lexicon_dir("满意\t1.0\n");
    let source = LexiconSource::Dir(dir.path().to_path_buf());
    let prior = Lexicon::load(&source, false).unwrap();
    let text = text_pipeline(&Config::default(), &source, &prior).unwrap();
    let mut examples = Vec::new();
    for i in 0..40 {
        examples.push(Example { positive: true, text: format!("物流很快,包装完好,第{i}次购买") });
        examples.push(Example { positive: false, text: format!("物流太慢,包装破损,第{i}次购买") });
    }
    let options = LearnOptions { min_docs: 3, ..LearnOptions::default() };
    let learned = learn(&text, &prior, &examples, &options);
    let w = |t: &str| learned.entries.iter().find(|e| e.term == t).map(|e| e.weight);
    // jieba keeps 很快 and 太慢 whole.
    assert!(w("很快").unwrap() > 0.3, "{:?}", w("很快"));
    assert!(w("太慢").unwrap() < -0.3);
    assert!(w("破损").unwrap() < -0.3);
    // The seed, never seen in the data, is kept as curated.
    assert_eq!(w("满意"), Some(1.0));
    let mut tsv = Vec::new();
    learned.write_tsv(&mut tsv, &["test".into()]).unwrap();
    std::fs::write(dir.path().join(LEARNED_FILE), &tsv).unwrap();
    let lexicon = Lexicon::load(&source, true).unwrap();
    let scorer = Scorer::new(lexicon, 0.2);
    let mut ws = Workspace::default();
    text.analyze_into("这次物流很快,包装也完好", &mut ws.doc);
    assert_eq!(scorer.score(&mut ws, false).label, Label::Positive);
    text.analyze_into("物流慢,包装还破损了", &mut ws.doc);
    assert_eq!(scorer.score(&mut ws, false).label, Label::Negative);
}
