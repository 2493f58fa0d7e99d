//! Property tests over the parsers a stranger controls — the query syntax, times (absolute and
//! relative), source definitions, the extractors (HTML, JSON, feeds) and import lines — on
//! generated input: none may panic; each answers with a value or an error that says why.
//! `cargo test --test fuzz` runs 256 cases a property; `PROPTEST_CASES=200000 cargo test --release
//! --test fuzz` runs more (README, "Limits", says how many ran).

use std::io::BufRead;
use std::sync::{Arc, LazyLock};

use proptest::prelude::*;
use yuqing::analysis::{Analyzer, Preparer};
use yuqing::index::MentionWriter;
use yuqing::index::search::{SearchRequest, search};
use yuqing::mention::Mention;
use yuqing::source::{Source, extract};
use yuqing::watch::WatchMatcher;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256),
        ..ProptestConfig::default()
    }
}

/// A small index to run generated queries against.
static INDEX: LazyLock<(tantivy::IndexReader, yuqing::index::Fields)> = LazyLock::new(|| {
    let analyzer = Arc::new(Analyzer::load(&Default::default(), &Default::default()).unwrap());
    let (index, fields) = yuqing::index::in_memory(analyzer.text.clone());
    let mut writer = MentionWriter::new(&index, fields, analyzer.text.clone(), 20_000_000).unwrap();
    let preparer = Preparer::new(analyzer, WatchMatcher::new(Vec::new()));
    let mentions: Vec<Mention> = ["华为手机充电起火了", "小米 价格 便宜 OR 好", "\"质量\" (不错) -差评"]
        .iter()
        .enumerate()
        .map(|(i, t)| {
            serde_json::from_value(
                serde_json::json!({"id": format!("f:{i}"), "text": t, "published_at": "2026-11-20 10:00"}),
            )
            .unwrap()
        })
        .collect();
    writer.add_batch(mentions, &preparer).unwrap();
    writer.commit().unwrap();
    (index.reader().unwrap(), fields)
});

/// Query-like text: words, operators, quotes, parentheses, field syntax, wildcards, escapes.
fn query() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        Just("华为".to_string()),
        Just("OR".to_string()),
        Just("AND".to_string()),
        Just("NOT".to_string()),
        Just("-".to_string()),
        Just("\"".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        Just("text:".to_string()),
        Just("*".to_string()),
        Just("[a TO b]".to_string()),
        Just("^2".to_string()),
        Just("\\".to_string()),
        "[a-z0-9]{1,6}",
        "\\PC{1,4}",
    ];
    prop::collection::vec(atom, 0..40).prop_map(|v| v.join(" "))
}

/// Time-like text: digits, separators, Chinese and English time words.
fn time_text() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        "[0-9]{1,14}",
        Just("-".to_string()),
        Just(":".to_string()),
        Just("年".to_string()),
        Just("月".to_string()),
        Just("日".to_string()),
        Just("前".to_string()),
        Just("分钟".to_string()),
        Just("天".to_string()),
        Just("昨天".to_string()),
        Just("刚刚".to_string()),
        Just("days ago".to_string()),
        Just("T".to_string()),
        Just("+08:00".to_string()),
        Just(" ".to_string()),
        "\\PC{1,3}",
    ];
    prop::collection::vec(atom, 0..12).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn queries_never_panic(q in query()) {
        let (reader, fields) = &*INDEX;
        let request = SearchRequest { query: q, limit: 5, ..Default::default() };
        let _ = search(&reader.searcher(), *fields, &request);
    }

    #[test]
    fn deeply_nested_queries_are_refused_not_a_crash(depth in 0usize..12_000, word in "[a-z]{1,3}") {
        let (reader, fields) = &*INDEX;
        let q = format!("{}{word}{}", "(".repeat(depth), ")".repeat(depth));
        let request = SearchRequest { query: q, limit: 5, ..Default::default() };
        let result = search(&reader.searcher(), *fields, &request);
        if depth > yuqing::index::search::MAX_QUERY_DEPTH {
            let e = result.unwrap_err().to_string();
            prop_assert!(e.contains("nests parentheses") || e.contains("characters; at most"), "{}", e);
        }
    }

    #[test]
    fn times_never_panic(s in time_text()) {
        let _ = yuqing::time::parse_time(&s);
    }

    #[test]
    fn source_definitions_never_panic(
        kind in prop_oneof![Just("review"), Just("post"), Just("nope")],
        url in prop_oneof![Just("http://x.test/l?p={page}".to_string()), Just("javascript:alert(1)".to_string()), "\\PC{0,30}"],
        items in prop_oneof![Just("div.c".to_string()), Just("".to_string()), Just("/list".to_string()), "\\PC{0,12}"],
        text in prop_oneof![Just("\"p\"".to_string()), Just("{ select = \"p\", regex = '(' }".to_string()), Just("3".to_string()), Just("[]".to_string()), "\"\\PC{0,12}\""],
        extra in prop_oneof![Just(""), Just("[list.pagination]\npages = { first = 1 }"), Just("[list.pagination]\ncursor = { from = \"/c\" }"), Just("[params]\np = []")],
        format in prop_oneof![Just("html"), Just("json"), Just("feed"), Just("xml")],
    ) {
        let def = format!("kind = \"{kind}\"\nurls = [{url:?}]\n[list]\nformat = \"{format}\"\nitems = {items:?}\n[list.fields]\ntext = {text}\n{extra}\n");
        let _ = Source::parse(&def, "fuzz.toml".as_ref());
    }

    #[test]
    fn extractors_never_panic(body in prop_oneof![
        "\\PC{0,400}",
        prop::collection::vec(prop_oneof![Just("<div class=\"c\">"), Just("</div>"), Just("<p>"), Just("文本"), Just("<!--"), Just("-->"), Just("<script>"), Just("&amp;"), Just("<a href=\"javascript:x\">")], 0..300).prop_map(|v| v.concat()),
        prop::collection::vec(prop_oneof![Just("{"), Just("}"), Just("["), Just("]"), Just("\"list\":"), Just(","), Just("\"t\""), Just("1e999"), Just("null")], 0..300).prop_map(|v| v.concat()),
        prop::collection::vec(prop_oneof![Just("<rss><channel>"), Just("<item>"), Just("<title>"), Just("</title>"), Just("</item>"), Just("x")], 0..100).prop_map(|v| v.concat()),
    ]) {
        let url = reqwest::Url::parse("http://x.test/list").unwrap();
        for def in [
            "kind = \"post\"\nurls = [\"http://x.test/l\"]\n[list]\nformat = \"html\"\nitems = \"div.c\"\n[list.fields]\ntext = \"p\"\nurl = \"a@href\"\n",
            "kind = \"post\"\nurls = [\"http://x.test/l\"]\n[list]\nformat = \"json\"\nitems = \"/list\"\n[list.fields]\ntext = \"/t\"\n",
            "kind = \"news\"\nurls = [\"http://x.test/l\"]\n[list]\nformat = \"feed\"\n",
        ] {
            let source = Source::parse(def, "fuzz.toml".as_ref()).unwrap();
            let _ = extract(&source.list, &body, &url);
        }
    }

    #[test]
    fn import_lines_never_panic(lines in prop::collection::vec(prop_oneof![
        prop::collection::vec(any::<u8>(), 0..200),
        Just(b"{\"text\":\"x\",\"published_at\":\"2026-11-20 10:00\"}".to_vec()),
        Just(b"[1,2]".to_vec()),
        Just(b"\xEF\xBB\xBFid,text,published_at".to_vec()),
        Just(b"a,\"open,2026".to_vec()),
        Just(b"{\"text\":\"\\ud800\",\"published_at\":1}".to_vec()),
    ], 0..20)) {
        let input = lines.join(&b'\n');
        for format in [yuqing::import::Format::Jsonl, yuqing::import::Format::Csv] {
            let reader: Box<dyn BufRead> = Box::new(std::io::Cursor::new(input.clone()));
            for record in yuqing::import::records(reader, format) {
                let _ = record;
            }
        }
    }
}
