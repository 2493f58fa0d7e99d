//! Ingest, search and stats on a large index, against bare tantivy + jieba indexing of the same
//! texts in the same run. `cargo bench --bench index [-- MENTIONS] [--pairs] [--rounds N]` (default
//! 1,000,000 mentions, 3 rounds).
//!
//! Mentions are the texts of the corpora in `../shared/data/sentiment/` (e-commerce reviews, Weibo
//! posts, hotel reviews) with a brand name in front (six watches), published over 60 days, some
//! engagement; `--pairs` makes each one two e-commerce reviews joined instead.
//! yuqing's ingest runs first so that the peak resident memory printed is its own.

mod common;

use std::sync::Arc;
use std::time::Instant;

use common::{corpus_texts, cpu_seconds, peak_rss_mb};
use jiff::{SignedDuration, Timestamp};
use tantivy::schema::{IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use tantivy::{Index, TantivyDocument};
use yuqing::analysis::{Analyzer, Preparer};
use yuqing::index::search::{SearchRequest, Sort, search};
use yuqing::index::stats::{StatsRequest, stats};
use yuqing::index::{MentionWriter, open_or_create};
use yuqing::mention::{Kind, Mention};
use yuqing::time::Interval;
use yuqing::watch::{Watch, WatchMatcher};

const BRANDS: [&str; 6] = ["华为", "小米", "荣耀", "苹果", "联想", "海尔"];
const WRITER_HEAP: usize = 400 << 20;
const DAYS: i64 = 60;

/// What the bench runs on: its texts and how it makes a mention of each.
struct Workload {
    texts: Vec<String>,
    pairs: bool,
    n: usize,
    end: Timestamp,
}

impl Workload {
    fn text_of(&self, i: usize) -> String {
        let (texts, k) = (&self.texts, self.texts.len());
        if self.pairs {
            format!("{}{}。{}", BRANDS[i % BRANDS.len()], texts[i % k], texts[(i / k + i * 7919) % k])
        } else {
            // Each text once per brand, then again with the brand as a topic tag: 12 × 88,693
            // distinct mentions, the later ones near-duplicates of the earlier (clustered, indexed).
            let round = i / k;
            let brand = BRANDS[round % BRANDS.len()];
            if round < BRANDS.len() {
                format!("{brand}{}", texts[i % k])
            } else {
                format!("#{brand}# {}", texts[i % k])
            }
        }
    }

    fn mention(&self, i: usize) -> Mention {
        Mention {
            id: format!("bench:{i}"),
            source: ["jd", "weibo", "zhihu"][i % 3].to_string(),
            kind: Kind::Review,
            url: String::new(),
            title: String::new(),
            text: self.text_of(i),
            author: String::new(),
            published_at: self.end - SignedDuration::from_secs(((i as i64) * 7_919) % (DAYS * 86_400)),
            likes: (i % 97) as u64,
            reposts: (i % 13) as u64,
            replies: (i % 7) as u64,
            rating: None,
            parent: String::new(),
            author_followers: None,
            fetched_at: Some(self.end),
            time_clamped: false,
            domain: None,
        }
    }
}

/// `[MENTIONS] [--pairs] [--rounds N]`.
fn args() -> (usize, bool, usize) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args
        .iter()
        .enumerate()
        .find(|(i, a)| !a.starts_with("--") && (*i == 0 || args[i - 1] != "--rounds"))
        .and_then(|(_, a)| a.parse().ok())
        .unwrap_or(1_000_000);
    // `--pairs`: each mention joins two e-commerce reviews (twice as long). Otherwise each
    // mention is one text of the three corpora, as the reference measured single reviews.
    let pairs = args.iter().any(|a| a == "--pairs");
    // `--rounds N`: how many times ingest and bare indexing alternate (default 3).
    let rounds = args
        .iter()
        .position(|a| a == "--rounds")
        .and_then(|i| args.get(i + 1))
        .map(|r| r.parse::<usize>().expect("--rounds takes a number").max(1))
        .unwrap_or(3);
    (n, pairs, rounds)
}

fn main() {
    let (n, pairs, rounds_wanted) = args();
    let texts = corpus_texts(pairs);
    let w = Workload { texts, pairs, n, end: "2026-11-20T00:00:00Z".parse().unwrap() };
    println!(
        "{n} mentions from {} texts ({}), {:.0} characters on average",
        w.texts.len(),
        if pairs { "two e-commerce reviews each" } else { "one text each" },
        (0..n.min(50_000)).map(|i| w.text_of(i).chars().count()).sum::<usize>() as f64 / n.min(50_000) as f64
    );
    let analyzer = Arc::new(Analyzer::load(&Default::default(), &Default::default()).unwrap());
    let watches: Vec<Watch> = BRANDS
        .iter()
        .map(|b| Watch {
            name: b.to_string(),
            aliases: vec![b.to_string()],
            required: vec![],
            excluded: vec![],
            group: Some("g".into()),
            aspects: Default::default(),
        })
        .collect();
    // yuqing ingest (text pipeline, sentiment, watches, dedup, clusters, indexing), then bare
    // indexing of the same texts; in rounds, alternating, because this machine's speed drifts
    // over minutes: the ratio is of all rounds' total times. The first ingest runs first so that
    // the peak resident memory printed is its own; its index serves the queries below.
    let dir = tempfile::tempdir().unwrap();
    let (index, fields) = open_or_create(dir.path(), analyzer.text.clone()).unwrap();
    let preparer = Preparer::new(analyzer.clone(), WatchMatcher::new(watches));
    let mut rounds = vec![(ingest(&w, &index, fields, &preparer), bare(&w))];
    while rounds.len() < rounds_wanted {
        let again = tempfile::tempdir().unwrap();
        let (other, _) = open_or_create(again.path(), analyzer.text.clone()).unwrap();
        rounds.push((ingest(&w, &other, fields, &preparer), bare(&w)));
    }
    let by_round: Vec<String> = rounds.iter().map(|(i, b)| format!("{:.2}", b / i)).collect();
    let (ingest_secs, bare_secs) = rounds.iter().fold((0.0, 0.0), |(i, b), r| (i + r.0, b + r.1));
    println!(
        "yuqing ingest / bare indexing: {} by round, {:.2} over all {} rounds",
        by_round.join(", "),
        bare_secs / ingest_secs,
        rounds.len()
    );
    queries(&w, &index, fields, &analyzer);
}

/// yuqing's ingest of the workload into `index`, as `yuqing ingest` does it: chunks prepared on
/// every core, admitted in order; the seconds it took.
fn ingest(w: &Workload, index: &Index, fields: yuqing::index::Fields, preparer: &Preparer) -> f64 {
    let mut writer = MentionWriter::new(index, fields, preparer.analyzer().text.clone(), WRITER_HEAP).unwrap();
    let (started, cpu_before) = (Instant::now(), cpu_seconds());
    let mut added = 0;
    for start in (0..w.n).step_by(2048) {
        let chunk: Vec<_> = (start..(start + 2048).min(w.n)).map(|i| w.mention(i)).collect();
        added +=
            writer.add_batch(chunk, preparer).unwrap().into_iter().filter(|a| *a == yuqing::index::Added::New).count();
    }
    writer.commit().unwrap();
    let secs = started.elapsed().as_secs_f64();
    let cores = (cpu_seconds() - cpu_before) / secs;
    println!(
        "yuqing ingest: {} mentions ({added} new) in {secs:.1} s = {:.0} mentions/s; \
         {cores:.2} cores busy; peak RSS so far {} MB",
        w.n,
        w.n as f64 / secs,
        peak_rss_mb()
    );
    secs
}

/// Bare tantivy + jieba search-mode indexing of the same texts; the seconds it took.
fn bare(w: &Workload) -> f64 {
    let bare_dir = tempfile::tempdir().unwrap();
    let mut sb = Schema::builder();
    let text_field = sb.add_text_field(
        "text",
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("bare")
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        ),
    );
    let bare = Index::create_in_dir(bare_dir.path(), sb.build()).unwrap();
    bare.tokenizers().register("bare", BareJieba(Arc::new(jieba_rs::Jieba::new()), Vec::new()));
    let mut bw = bare.writer(WRITER_HEAP).unwrap();
    let (started, cpu_before) = (Instant::now(), cpu_seconds());
    for i in 0..w.n {
        let mut d = TantivyDocument::default();
        d.add_text(text_field, w.text_of(i));
        bw.add_document(d).unwrap();
    }
    bw.commit().unwrap();
    let secs = started.elapsed().as_secs_f64();
    let cores = (cpu_seconds() - cpu_before) / secs;
    println!("bare tantivy + jieba cut_for_search: {:.0} documents/s; {cores:.2} cores busy", w.n as f64 / secs);
    secs
}

/// Timed searches and stats through one reader, as the dashboard holds.
fn queries(w: &Workload, index: &Index, fields: yuqing::index::Fields, analyzer: &Analyzer) {
    // Search: two-term queries with a watch and a 30-day filter.
    let words = ["质量 不错", "物流 很快", "电池 发热", "屏幕 清晰", "价格 便宜", "客服 态度", "包装 破损", "味道 好"];
    let reader = index.reader().unwrap();
    // The first query of each kind pays for reading the index's files from disk; it is reported
    // apart, and the percentiles are over the queries after it.
    let mut lat = Vec::new();
    for q in 0..401 {
        let request = SearchRequest {
            query: words[q % words.len()].to_string(),
            watch: Some(BRANDS[q % BRANDS.len()].to_string()),
            since: Some(w.end - SignedDuration::from_hours(24 * 30)),
            until: Some(w.end),
            sort: if q % 2 == 0 { Sort::Time } else { Sort::Relevance },
            limit: 20,
            ..SearchRequest::default()
        };
        let t = Instant::now();
        std::hint::black_box(search(&reader.searcher(), fields, &request).unwrap());
        lat.push(t.elapsed().as_secs_f64() * 1e3);
    }
    report("search (2 terms, watch, 30 days, top 20 with snippets)", &mut lat);
    let mut lat = Vec::new();
    for q in 0..41 {
        let request = StatsRequest {
            watch: BRANDS[q % BRANDS.len()].to_string(),
            aliases: vec![BRANDS[q % BRANDS.len()].to_string()],
            group: BRANDS.iter().map(|b| b.to_string()).collect(),
            since: w.end - SignedDuration::from_hours(24 * 30),
            until: w.end,
            interval: Interval::Day,
        };
        let t = Instant::now();
        std::hint::black_box(stats(&reader.searcher(), fields, &analyzer.text, &request).unwrap());
        lat.push(t.elapsed().as_secs_f64() * 1e3);
    }
    report("stats (watch, 30 days by day, share of voice of 6, top terms of 500)", &mut lat);
}

fn report(name: &str, ms: &mut [f64]) {
    let first = ms[0];
    let ms = &mut ms[1..];
    ms.sort_by(f64::total_cmp);
    let p = |q: f64| ms[((ms.len() as f64 * q) as usize).min(ms.len() - 1)];
    println!(
        "{name}: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} runs after a first one of {first:.2} ms)",
        p(0.5),
        p(0.99),
        ms[ms.len() - 1],
        ms.len()
    );
}

/// The reference tokenizer: jieba search mode, one position per token, punctuation kept.
#[derive(Clone)]
struct BareJieba(Arc<jieba_rs::Jieba>, Vec<Token>);

impl Tokenizer for BareJieba {
    type TokenStream<'a> = BareStream<'a>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> BareStream<'a> {
        self.1.clear();
        for (position, t) in self.0.cut_for_search(text, true).into_iter().enumerate() {
            self.1.push(Token {
                offset_from: t.byte_start,
                offset_to: t.byte_start + t.word.len(),
                position,
                text: t.word.to_lowercase(),
                position_length: 1,
            });
        }
        BareStream(&mut self.1, 0)
    }
}

struct BareStream<'a>(&'a mut Vec<Token>, usize);

impl TokenStream for BareStream<'_> {
    fn advance(&mut self) -> bool {
        self.1 += 1;
        self.1 <= self.0.len()
    }
    fn token(&self) -> &Token {
        &self.0[self.1 - 1]
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.0[self.1 - 1]
    }
}
