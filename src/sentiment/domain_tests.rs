//! Tests of the per-domain weights (learned jointly, loaded as shared + offset), the news rule,
//! the star rule, emotions and aspects, on small hand-written lexicons and the shipped lists.

use super::aspect::AspectList;
use super::corpus::Example;
use super::emotion::{EmotionEval, distant_label, learn_emotions};
use super::learn::{LearnOptions, learn};
use super::lexicon::*;
use super::*;
use crate::text::TextPipeline;

fn dir_with(seeds: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("lexicons");
    for name in [NEGATION_FILE, DEGREE_FILE, CONTRAST_FILE, RHETORICAL_FILE, RISK_FILE, USER_DICT_FILE, EMOTICON_FILE] {
        std::fs::copy(shipped.join(name), dir.path().join(name)).unwrap();
    }
    std::fs::write(dir.path().join(SEED_FILE), seeds).unwrap();
    dir
}

fn pipeline(source: &LexiconSource) -> (Lexicon, TextPipeline) {
    let lexicon = Lexicon::load(source, true).unwrap();
    let text = text_pipeline(&Default::default(), source, &lexicon).unwrap();
    (lexicon, text)
}

/// The curated lists alone (`seeds` as the seed list), as learning starts from them.
fn curated_only(seeds: &str) -> (Lexicon, TextPipeline) {
    let dir = dir_with(seeds);
    let source = LexiconSource::Dir(dir.path().to_path_buf());
    let prior = Lexicon::load(&source, false).unwrap();
    let text = text_pipeline(&Default::default(), &source, &prior).unwrap();
    (prior, text)
}

fn score(scorer: &Scorer, text: &TextPipeline, s: &str, domain: Domain) -> Sentiment {
    let mut ws = Workspace::default();
    text.analyze_into(s, &mut ws.doc);
    scorer.score(&mut ws, domain, true)
}

#[test]
fn a_domain_reads_its_offsets_added_to_the_shared_weights() {
    let dir = dir_with("满意\t1.0\n");
    std::fs::write(dir.path().join(LEARNED_FILE), "<bias>\t0.1\n心疼\t-0.5\n满意 心疼\t0.2\n").unwrap();
    std::fs::write(dir.path().join(Domain::Social.offsets_file()), "<bias>\t-0.3\n心疼\t2.0\n").unwrap();
    let source = LexiconSource::Dir(dir.path().to_path_buf());
    let (lexicon, _) = pipeline(&source);
    let id = lexicon.id("心疼");
    assert_eq!(lexicon.weight(id, Domain::Review), -0.5);
    assert!((lexicon.weight(id, Domain::Social) - 1.5).abs() < 1e-6);
    assert_eq!(lexicon.weight(id, Domain::News), -0.5, "a domain without offsets reads the shared weight");
    assert!((lexicon.bias(Domain::Social) + 0.2).abs() < 1e-6);
    assert_eq!(lexicon.bigram(lexicon.id("满意"), id, Domain::Social), 0.2);
}

#[test]
fn joint_learning_gives_a_domain_its_own_reading_of_a_shared_word() {
    // 太慢 is bad in reviews (slow delivery) but the only sign of a happy post here: the social
    // offset must turn it while the review weight stays negative.
    let (prior, text) = curated_only("满意\t1.0\n");
    let mut examples = Vec::new();
    for i in 0..60 {
        let review = |positive, t: &str| Example { positive, text: format!("{t},第{i}单"), domain: Domain::Review };
        examples.push(review(false, "发货太慢"));
        examples.push(review(true, "发货很快"));
        let post = |positive, t: &str| Example { positive, text: format!("{t},第{i}天"), domain: Domain::Social };
        examples.push(post(true, "太慢"));
        examples.push(post(false, "今天"));
    }
    let learned = learn(&text, &prior, &examples, &LearnOptions { min_docs: 3, ..LearnOptions::default() });
    let shared = |t: &str| learned.entries.iter().find(|e| e.term == t).map_or(0.0, |e| e.weight);
    let offset = |d: Domain, t: &str| learned.offsets[d.index()].iter().find(|e| e.term == t).map_or(0.0, |e| e.weight);
    assert_eq!(learned.texts[Domain::Social.index()], 120);
    let (review, social) =
        (shared("太慢") + offset(Domain::Review, "太慢"), shared("太慢") + offset(Domain::Social, "太慢"));
    assert!(social > 0.5 && review < social - 1.0, "review {review}, social {social}");
    assert!(offset(Domain::Review, "太慢") < 0.0 && offset(Domain::Social, "太慢") > 0.0);
    assert!(learned.offsets[Domain::News.index()].is_empty(), "no news texts, no news offsets");
    let mut tsv = Vec::new();
    assert!(learned.write_offsets(Domain::Social, &mut tsv, &["test".into()]).unwrap());
    assert!(String::from_utf8(tsv).unwrap().lines().any(|l| l.starts_with("太慢\t")));
}

#[test]
fn a_hotel_review_reads_the_review_offsets_and_its_own() {
    let dir = dir_with("满意\t1.0\n");
    std::fs::write(dir.path().join(LEARNED_FILE), "<bias>\t0.1\n隔音\t-0.5\n隔音 差\t-0.2\n").unwrap();
    std::fs::write(dir.path().join(Domain::Review.offsets_file()), "<bias>\t-0.3\n隔音\t-0.25\n隔音 差\t-0.1\n")
        .unwrap();
    std::fs::write(dir.path().join(Domain::Hotel.offsets_file()), "<bias>\t0.6\n隔音\t-1.0\n").unwrap();
    let source = LexiconSource::Dir(dir.path().to_path_buf());
    let (lexicon, _) = pipeline(&source);
    let (id, bad) = (lexicon.id("隔音"), lexicon.id("差"));
    assert!((lexicon.weight(id, Domain::Review) + 0.75).abs() < 1e-6);
    assert!((lexicon.weight(id, Domain::Hotel) + 1.75).abs() < 1e-6, "shared + review + hotel");
    assert!((lexicon.bigram(id, bad, Domain::Hotel) + 0.3).abs() < 1e-6, "a pair inherits the review offset");
    assert_eq!(lexicon.weight(id, Domain::Social), -0.5);
    assert!((lexicon.bias(Domain::Hotel) - 0.7).abs() < 1e-6, "the intercept is the hotel's own");
    assert_eq!(Domain::Hotel.parent(), Some(Domain::Review));
    assert!(Domain::Hotel.counts_toward(Domain::Review) && !Domain::Review.counts_toward(Domain::Hotel));
}

#[test]
fn hotel_texts_teach_the_hotel_offsets_and_the_review_ones() {
    // 隔音 (sound-proofing) is met only in hotel reviews, where it is a complaint: the hotel
    // reading learns it from them, and the review reading borrows it (hotels count toward the
    // review offsets), while social posts, which never met it, read only the shared weight.
    let (prior, text) = curated_only("满意\t1.0\n");
    let mut examples = Vec::new();
    for i in 0..60 {
        let ex = |positive, t: &str, domain| Example { positive, text: format!("{t},第{i}次"), domain };
        examples.push(ex(false, "发货太慢", Domain::Review));
        examples.push(ex(true, "发货很快", Domain::Review));
        examples.push(ex(false, "隔音", Domain::Hotel));
        examples.push(ex(true, "早餐丰富", Domain::Hotel));
        examples.push(ex(true, "开心", Domain::Social));
        examples.push(ex(false, "难过", Domain::Social));
    }
    let learned = learn(&text, &prior, &examples, &LearnOptions { min_docs: 3, ..LearnOptions::default() });
    assert_eq!(learned.texts[Domain::Hotel.index()], 120);
    let find = |list: &[learn::Entry], t: &str| list.iter().find(|e| e.term == t).cloned();
    let review = find(&learned.offsets[Domain::Review.index()], "隔音").expect("隔音 has a review offset");
    assert_eq!((review.positive_docs, review.negative_docs), (0, 60), "hotel texts count toward review offsets");
    let shared = find(&learned.entries, "隔音").map_or(0.0, |e| e.weight);
    let hotel = find(&learned.offsets[Domain::Hotel.index()], "隔音").map_or(0.0, |e| e.weight);
    assert!(shared + review.weight + hotel < -1.0, "hotel reads 隔音 as a complaint");
    assert!(shared + review.weight < shared, "the review reading borrows the hotel evidence");
    assert!(find(&learned.offsets[Domain::Social.index()], "隔音").is_none(), "no social text met it");
}

#[test]
fn news_without_an_evaluative_term_is_neutral_with_score_zero() {
    let dir = dir_with("满意\t1.0\n差\t-1.5\n召回\t-1.2\n");
    std::fs::write(dir.path().join(LEARNED_FILE), "<bias>\t-0.9\n开售\t-0.3\n发布\t0.2\n").unwrap();
    let source = LexiconSource::Dir(dir.path().to_path_buf());
    let (lexicon, text) = pipeline(&source);
    let scorer = Scorer::new(lexicon, 0.2).with_evaluative_weight(0.8);
    let launch = score(&scorer, &text, "小米14今天开售", Domain::News);
    assert_eq!((launch.score, launch.label), (0.0, Label::Neutral), "{launch:?}");
    assert!(launch.explanation.rules.iter().any(|r| r.contains("news without an evaluative term")));
    assert_eq!(launch.explanation.domain, Domain::News);
    // The same text as a review keeps the old reading; news with an evaluative word is scored.
    assert!(score(&scorer, &text, "小米14今天开售", Domain::Review).score < 0.0);
    assert_eq!(score(&scorer, &text, "某品牌宣布召回问题产品", Domain::News).label, Label::Negative);
}

#[test]
fn stars_combine_with_the_text_and_keep_the_texts_risks() {
    let dir = dir_with("满意\t1.0\n太慢\t-2.0\n假货\t-4.0\n");
    let source = LexiconSource::Dir(dir.path().to_path_buf());
    let (lexicon, text) = pipeline(&source);
    let scorer = Scorer::new(lexicon, 0.2);
    let mild = score(&scorer, &text, "满意", Domain::Review);
    assert_eq!(mild.label, Label::Positive);
    assert_eq!(scorer.with_rating(mild.clone(), 1.0).label, Label::Negative, "1 star and mild text");
    assert_eq!(scorer.with_rating(mild.clone(), 3.0).label, Label::Positive, "3 stars say nothing");
    let slow = score(&scorer, &text, "物流太慢", Domain::Review);
    assert_eq!(slow.label, Label::Negative);
    let rated = scorer.with_rating(slow, 5.0);
    assert_eq!(rated.label, Label::Positive, "{rated:?}");
    assert!(rated.risks.iter().any(|r| r.category == RiskCategory::Logistics), "{:?}", rated.risks);
    assert!(rated.explanation.rules.iter().any(|r| r.starts_with("rating 5★")));
    // A text far stronger than its stars keeps its side; a 10-point rating is read on 1–5.
    let fake = score(&scorer, &text, "假货", Domain::Review);
    assert_eq!(scorer.with_rating(fake.clone(), 5.0).label, Label::Negative);
    assert_eq!(stars::five_point(8.0), Some(4.0));
    assert_eq!(stars::five_point(f32::NAN), None);
}

#[test]
fn emotions_are_learned_from_emoticons_and_found_without_them() {
    let source = LexiconSource::Builtin;
    let (_, text) = pipeline(&source);
    let seeds = EmotionModel::load(&source, false).unwrap();
    let mut posts = Vec::new();
    for i in 0..20 {
        posts.push(format!("又被坑了，气炸了{i}[怒]"));
        posts.push(format!("终于放假了，好嗨{i}[哈哈]"));
        posts.push(format!("送别老朋友，泪目{i}[泪]"));
    }
    posts.push("一半[怒]一半[哈哈]".to_string());
    let mut ws = Workspace::default();
    text.analyze_into("一半[怒]一半[哈哈]", &mut ws.doc);
    assert_eq!(distant_label(&seeds, &ws.doc), None, "mixed emoticons label nothing");
    let (rows, docs) = learn_emotions(&text, &seeds, &posts, 3, 0.5);
    assert_eq!((docs[Emotion::Anger as usize], docs[Emotion::Joy as usize]), (20, 20));
    let mut model = seeds.clone();
    rows.iter().for_each(|(w, e, x)| model.add(w, *e, *x));
    let ev = EmotionEval::measure(&text, &model, &posts);
    assert_eq!(ev.posts, 60);
    assert!(ev.macro_f1() > 0.9, "{ev:?}");
    let mut seen = Default::default();
    text.analyze_into("充电时起火了，太吓人了", &mut ws.doc);
    assert_eq!(seeds.classify(&ws.doc, &mut seen).map(|e| e.top), Some(Emotion::Fear), "curated fear words");
    text.analyze_into("今天下午三点开会", &mut ws.doc);
    assert_eq!(seeds.classify(&ws.doc, &mut seen), None);
}

#[test]
fn aspects_take_their_clauses_sentiment_and_users_extend_the_list() {
    let dir = dir_with("好\t1.0\n很好\t1.0\n不错\t1.0\n差\t-1.5\n很差\t-1.5\n");
    std::fs::write(dir.path().join(aspect::ASPECT_FILE), "电池\t电池\n屏幕\t屏幕\n").unwrap();
    let source = LexiconSource::Dir(dir.path().to_path_buf());
    let (lexicon, text) = pipeline(&source);
    let scorer = Scorer::new(lexicon, 0.2);
    let mut aspects = AspectList::load(&source).unwrap();
    aspects.add("电池", "续航");
    // Written the way users write aliases: capitals, traditional characters.
    aspects.add("应用", "APP");
    aspects.add("屏幕", "螢幕");
    let mut ws = Workspace::default();
    let mut find = |s: &str| {
        text.analyze_into(s, &mut ws.doc);
        scorer.score(&mut ws, Domain::Review, false);
        let mut found: Vec<(String, Label)> = aspects.find(&ws).into_iter().map(|a| (a.aspect, a.label)).collect();
        found.sort_by(|a, b| a.0.cmp(&b.0));
        found
    };
    assert_eq!(
        find("屏幕很好，电池很差"),
        vec![("屏幕".to_string(), Label::Positive), ("电池".to_string(), Label::Negative)]
    );
    assert_eq!(find("续航不错"), vec![("电池".to_string(), Label::Positive)]);
    assert_eq!(find("今天天气不错"), vec![]);
    assert_eq!(find("app很差"), vec![("应用".to_string(), Label::Negative)]);
    assert_eq!(find("萤幕很好"), vec![("屏幕".to_string(), Label::Positive)]);
}
