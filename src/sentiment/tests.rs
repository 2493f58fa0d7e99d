//! Tests of the rules, risks, explanations and learning, on a small hand-written lexicon so that
//! each rule's effect is visible on its own.

use std::path::Path;

use super::corpus::Example;
use super::learn::{LearnOptions, learn};
use super::lexicon::*;
use super::*;
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
    let text = text_pipeline(&Default::default(), &source, &lexicon).unwrap();
    Fixture { _dir: dir, text, scorer: Scorer::new(lexicon, 0.2) }
}

impl Fixture {
    fn score(&self, s: &str) -> Sentiment {
        let mut ws = Workspace::default();
        self.text.analyze_into(s, &mut ws.doc);
        self.scorer.score(&mut ws, Domain::Review, true)
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
fn a_repeated_word_counts_once_but_repeated_emoticons_add_up() {
    let f = fixture();
    let once = f.margin("满意");
    let thrice = f.score("满意,满意,满意");
    assert!((thrice.explanation.margin - once).abs() < 1e-5, "{} vs {once}", thrice.explanation.margin);
    let t = &thrice.explanation.terms[0];
    assert_eq!((t.term.as_str(), t.occurrences, t.contribution), ("满意", 3, 1.0));
    // Emoticons are emphasis: three laughs say more than one.
    assert!(f.margin("[哈哈][哈哈][哈哈]") > f.margin("[哈哈]") + 0.5);
    // A negated and a plain occurrence are two different pieces of evidence; together they cancel.
    let mixed = f.score("不满意,满意");
    assert_eq!(mixed.explanation.terms.len(), 2);
    assert!((mixed.explanation.margin - f.margin("")).abs() < 1e-5);
}

#[test]
fn a_long_repetitive_text_keeps_its_sentiment() {
    // Length damping counts distinct words, so a text repeating one positive remark is still
    // positive however long it grows (1 MB here), instead of sinking to the bias.
    let f = fixture();
    let s = f.score(&"质量满意,很漂亮。".repeat(60_000));
    assert_eq!(s.label, Label::Positive, "{:?}", s.explanation);
}

#[test]
fn the_label_follows_the_words_not_the_prior_alone() {
    // A learned bias of -1.5 (most reviews without strong words were negative): a text whose
    // only word pulls positive but not past the bias is neutral, not negative.
    let dir = lexicon_dir(SEEDS);
    std::fs::write(dir.path().join(LEARNED_FILE), "<bias>\t-1.5\n满意\t1.0\n发布\t0.4\n差\t-1.0\n").unwrap();
    let source = LexiconSource::Dir(dir.path().to_path_buf());
    let lexicon = Lexicon::load(&source, true).unwrap();
    let text = text_pipeline(&Default::default(), &source, &lexicon).unwrap();
    let f = Fixture { _dir: dir, text, scorer: Scorer::new(lexicon, 0.2) };
    let weak = f.score("新品发布");
    assert!(weak.score < -0.2, "the margin alone says negative: {}", weak.score);
    assert_eq!(weak.label, Label::Neutral);
    assert_eq!(f.score("质量差").label, Label::Negative);
    assert_eq!(f.score("非常满意,很满意!").label, Label::Positive);
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
    let text = text_pipeline(&Default::default(), &source, &prior).unwrap();
    let mut examples = Vec::new();
    for i in 0..40 {
        examples.push(Example {
            positive: true,
            text: format!("物流很快,包装完好,第{i}次购买"),
            domain: Domain::Review,
        });
        examples.push(Example {
            positive: false,
            text: format!("物流太慢,包装破损,第{i}次购买"),
            domain: Domain::Review,
        });
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
    assert_eq!(scorer.score(&mut ws, Domain::Review, false).label, Label::Positive);
    text.analyze_into("物流慢,包装还破损了", &mut ws.doc);
    assert_eq!(scorer.score(&mut ws, Domain::Review, false).label, Label::Negative);
}

#[test]
fn validation_folds_partition_the_rows_that_are_not_held_out() {
    use super::corpus::{CorpusOptions, Split, read_corpus};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reviews.csv");
    let rows: String = (0..2000).map(|i| format!("{},第{i}条评论 房间{}\n", i % 2, i * 7)).collect();
    std::fs::write(&path, format!("label,text\n{rows}")).unwrap();
    let read = |split| {
        let options = CorpusOptions { split, ..CorpusOptions::default() };
        let mut texts: Vec<String> =
            read_corpus(&path, &options).unwrap().examples.into_iter().map(|e| e.text).collect();
        texts.sort();
        texts
    };
    let held_out = read(Split::Holdout { holdout: 10 });
    let mut seen: Vec<String> = held_out.clone();
    for fold in 0..5 {
        let validation = read(Split::Validation { holdout: 10, validation: 18, fold });
        let train = read(Split::Train { holdout: 10, validation: 18, fold });
        assert!(validation.len() > 250 && validation.len() < 470, "fold {fold}: {}", validation.len());
        assert_eq!(held_out.len() + validation.len() + train.len(), 2000, "fold {fold}");
        assert!(validation.iter().all(|t| train.binary_search(t).is_err() && held_out.binary_search(t).is_err()));
        seen.extend(validation);
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 2000, "the five folds and the held-out rows cover every row once");
    assert!(Split::Validation { holdout: 10, validation: 18, fold: 4 }.check().is_ok());
    let err = Split::Train { holdout: 10, validation: 18, fold: 5 }.check().unwrap_err();
    assert!(err.contains("the last whole slice is 4"), "{err}");
}
