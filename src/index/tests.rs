//! The tokenizer inside a real tantivy index: recall of compound parts, phrase positions,
//! traditional and full-width queries.

use std::sync::Arc;

use tantivy::collector::TopDocs;
use tantivy::query::QueryParser;
use tantivy::schema::Value;
use tantivy::{TantivyDocument, doc};

use super::*;
use crate::text::Segmenter;

fn pipeline() -> Arc<TextPipeline> {
    Arc::new(TextPipeline::new(Segmenter::new(true)))
}

fn search(texts: &[&str], query: &str) -> Vec<String> {
    let (index, f) = in_memory(pipeline());
    let mut writer = index.writer(15_000_000).unwrap();
    for t in texts {
        let t = crate::text::normalize(t);
        writer.add_document(doc!(f.text => t.clone(), f.text_original => t)).unwrap();
    }
    writer.commit().unwrap();
    let searcher = index.reader().unwrap().searcher();
    let q = QueryParser::for_index(&index, vec![f.text]).parse_query(query).unwrap();
    let mut hits: Vec<String> = searcher
        .search(&q, &TopDocs::with_limit(10).order_by_score())
        .unwrap()
        .into_iter()
        .map(|(_, a)| {
            let d: TantivyDocument = searcher.doc(a).unwrap();
            d.get_first(f.text_original).and_then(|v| v.as_str()).unwrap().to_string()
        })
        .collect();
    hits.sort();
    hits
}

#[test]
fn part_of_a_compound_finds_it() {
    let hits = search(&["北京大学的食堂很好吃", "清华的图书馆很大"], "大学");
    assert_eq!(hits, vec!["北京大学的食堂很好吃"]);
}

#[test]
fn phrases_match_in_order_only() {
    let docs = ["电池起火冒烟,要求召回", "召回通知说电池可能起火"];
    assert_eq!(search(&docs, "\"电池起火\""), vec!["电池起火冒烟,要求召回"]);
    assert_eq!(search(&docs, "\"北京大学 食堂\""), Vec::<String>::new());
    assert_eq!(search(&["北京大学食堂"], "\"北京大学 食堂\""), vec!["北京大学食堂"]);
    assert_eq!(search(&["在北京大学食堂吃饭"], "\"大学食堂\"").len(), 1);
}

#[test]
fn traditional_and_full_width_queries_find_simplified_text() {
    let docs = ["华为mate60的价格太贵了"];
    assert_eq!(search(&docs, "價格").len(), 1);
    assert_eq!(search(&docs, "ＭＡＴＥ60").len(), 1);
}

#[test]
fn an_index_with_other_fields_is_refused_by_name_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = tantivy::schema::Schema::builder();
    let old_text = b.add_text_field("text", tantivy::schema::TEXT | tantivy::schema::STORED);
    let old = tantivy::Index::create_in_dir(dir.path(), b.build()).unwrap();
    let mut w = old.writer(15_000_000).unwrap();
    w.add_document(doc!(old_text => "旧的提及")).unwrap();
    w.commit().unwrap();
    drop((w, old));

    let err = open_or_create(dir.path(), pipeline()).expect_err("another schema must be refused");
    let message = err.to_string();
    assert!(matches!(err, IndexError::OtherSchema { .. }), "{message}");
    assert!(message.contains(&dir.path().display().to_string()) && message.contains("--data"), "{message}");
    // What was stored is still there.
    let reopened = tantivy::Index::open_in_dir(dir.path()).unwrap();
    assert_eq!(reopened.reader().unwrap().searcher().num_docs(), 1);
}

#[test]
fn every_copy_of_a_committed_text_is_a_mention_in_its_group_after_the_writer_reopens() {
    use crate::analysis::{Analyzer, Preparer};
    use crate::mention::Mention;
    use crate::watch::WatchMatcher;

    let dir = tempfile::tempdir().unwrap();
    let analyzer = Arc::new(Analyzer::load(&Default::default(), &Default::default()).unwrap());
    let preparer = Preparer::new(analyzer.clone(), WatchMatcher::new(Vec::new()));
    let (index, f) = open_or_create(dir.path(), analyzer.text.clone()).unwrap();
    let mention = |id: &str, text: &str| -> Mention {
        serde_json::from_value(serde_json::json!({"id": id, "text": text, "published_at": "2026-11-20 10:00"})).unwrap()
    };
    let open = || MentionWriter::new(&index, f, analyzer.text.clone(), 20_000_000).unwrap();
    let add = |w: &mut MentionWriter, m: Mention| w.add_batch(vec![m], &preparer).unwrap()[0];
    let mut writer = open();
    assert_eq!(add(&mut writer, mention("a:1", "华为手机充电发烫，售后不管")), Added::New);
    writer.commit().unwrap();
    drop(writer);

    let mut writer = open();
    // The same text under another id, and in full-width form: the same normalized text.
    assert_eq!(add(&mut writer, mention("b:1", "华为手机充电发烫，售后不管")), Added::Copy);
    assert_eq!(add(&mut writer, mention("b:2", "华为手机充电发烫,售后不管")), Added::Copy);
    assert_eq!(add(&mut writer, mention("a:1", "另一段文字")), Added::DuplicateId);
    assert_eq!(add(&mut writer, mention("b:3", "华为手机充电发烫，售后不管了")), Added::New);
    assert_eq!(add(&mut writer, mention("b:4", "华为手机充电发烫，售后不管了")), Added::Copy);
    writer.commit().unwrap();
    // Every occurrence but the re-sent id is a mention; copies share their first's group.
    let searcher = index.reader().unwrap().searcher();
    assert_eq!(searcher.num_docs(), 5);
    let request = crate::index::search::SearchRequest { limit: 10, ..Default::default() };
    let results = crate::index::search::search(&searcher, f, &request).unwrap();
    assert_eq!(results.total, 5);
    let hits = results.hits;
    let group = |id: &str| hits.iter().find(|h| h.id == id).unwrap().cluster;
    assert_eq!((group("b:1"), group("b:2")), (group("a:1"), group("a:1")));
    assert_eq!(group("b:4"), group("b:3"));
}

#[test]
fn pages_cover_every_match_once_and_the_total_counts_every_copy() {
    use crate::analysis::{Analyzer, Preparer};
    use crate::index::search::{SearchRequest, for_each_match, search};
    use crate::mention::Mention;
    use crate::watch::WatchMatcher;

    let dir = tempfile::tempdir().unwrap();
    let analyzer = Arc::new(Analyzer::load(&Default::default(), &Default::default()).unwrap());
    let preparer = Preparer::new(analyzer.clone(), WatchMatcher::new(Vec::new()));
    let (index, f) = open_or_create(dir.path(), analyzer.text.clone()).unwrap();
    let mut writer = MentionWriter::new(&index, f, analyzer.text.clone(), 20_000_000).unwrap();
    // 23 complaints, and one text posted 7 times by 7 accounts: 30 mentions.
    let mut batch: Vec<Mention> = (0..23)
        .map(|i| {
            const WHO: [&str; 5] =
                ["昨晚刚买的平板", "老婆用了半年的手机", "公司发的笔记本电脑", "给孩子买的手表", "朋友推荐的充电宝"];
            const WHAT: [&str; 5] =
                ["充电时突然冒烟", "放在桌上没人碰", "玩游戏玩到发烫", "插着电源过夜", "在车里晒了一下午"];
            let text = format!("{}{}，起火了，售后拖了{}天", WHO[i % 5], WHAT[i / 5], i + 1);
            let at = format!("2026-11-20 {:02}:{:02}", 10 + i / 60, i % 60);
            serde_json::from_value(serde_json::json!({"id": format!("a:{i}"), "text": text, "published_at": at}))
                .unwrap()
        })
        .collect();
    for k in 0..7 {
        let at = format!("2026-11-21 09:{k:02}");
        let m = serde_json::json!({"id": format!("c:{k}"), "text": "某品牌手机充电时起火了，要求召回！", "published_at": at});
        batch.push(serde_json::from_value(m).unwrap());
    }
    writer.add_batch(batch, &preparer).unwrap();
    writer.commit().unwrap();
    let searcher = index.reader().unwrap().searcher();

    let request =
        |offset, collapse| SearchRequest { query: "起火".into(), limit: 10, offset, collapse, ..Default::default() };
    let (mut ids, mut clusters) = (Vec::new(), Vec::new());
    for offset in [0, 10, 20, 30] {
        let page = search(&searcher, f, &request(offset, false)).unwrap();
        assert_eq!((page.total, page.offset, page.limit), (30, offset, 10));
        assert_eq!(page.hits.len(), 10.min(30 - offset), "page at {offset}");
        clusters.extend(page.hits.iter().map(|h| h.cluster));
        ids.extend(page.hits.into_iter().map(|h| h.id));
    }
    clusters.sort();
    clusters.dedup();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((ids.len(), unique.len()), (30, 30), "every match on one page only");
    // Newest first across pages: the seven copies of the 21st lead.
    assert!(ids[..7].iter().all(|id| id.starts_with("c:")), "{ids:?}");

    // Collapsed, pages count groups (the storm is one, with its size), each on one page only.
    let first = search(&searcher, f, &request(0, true)).unwrap();
    assert_eq!(first.total, 30);
    assert_eq!(first.hits[0].group.map(|g| g.mentions), Some(7));
    let mut groups: Vec<u64> = first.hits.iter().map(|h| h.cluster).collect();
    for offset in [10, 20] {
        groups.extend(search(&searcher, f, &request(offset, true)).unwrap().hits.iter().map(|h| h.cluster));
    }
    assert!(clusters.len() > 10 && clusters.len() <= 24, "{} groups", clusters.len());
    let n = groups.len();
    groups.sort();
    groups.dedup();
    assert_eq!((n, groups), (clusters.len(), clusters));

    // An export reads every match, in order, in batches.
    let mut exported = Vec::new();
    let count = for_each_match(&searcher, f, &request(0, false), |hits| {
        exported.extend(hits.iter().map(|h| h.id.clone()));
        Ok(())
    })
    .unwrap();
    assert_eq!((count, exported), (30, ids));
}

#[test]
fn fillers_are_no_terms_and_content_words_are() {
    let seg = Segmenter::new(true);
    // How each word is judged, printed so that a change of jieba's dictionary shows here.
    let judge = |w: &str| {
        eprintln!("{w}: tag {:?}, filler {}", seg.dictionary_tag(w), terms::is_filler(w, &seg));
        terms::is_filler(w, &seg)
    };
    // The noise (time words, numerals, function characters glued on by jieba's guess),
    // and others of the same kinds it did not name.
    for w in ["昨晚", "半个", "刚刷", "一买", "今晚", "前天", "三个", "几次", "都说", "还没", "之后", "我们", "非常"]
    {
        assert!(judge(w), "{w} should be a filler");
    }
    for w in ["起火", "召回", "爆炸", "电池", "客服", "物流", "屏幕", "发烫", "退款", "视频", "质量", "售后", "扩散"]
    {
        assert!(!judge(w), "{w} is what a mention is about");
    }
}
