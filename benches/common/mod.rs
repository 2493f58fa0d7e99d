//! What the crawl and index benches share: the texts they are made of, the allocator they run
//! with, and what they read about their own process (peak memory, CPU time).

use yuqing::sentiment::corpus::{CorpusOptions, read_corpus};

/// The allocator the `yuqing` binary runs with (src/main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The labeled corpora, e-commerce reviews first.
const CORPORA: [&str; 3] = [
    "../shared/data/sentiment/online_shopping_10_cats.dev.csv",
    "../shared/data/sentiment/weibo_senti_100k_partial.dev.csv",
    "../shared/data/sentiment/ChnSentiCorp_htl_all.dev.csv",
];

/// The texts of every corpus, or of the e-commerce reviews alone (`--pairs` joins two of them);
/// exits with a message when a corpus cannot be read.
pub fn corpus_texts(e_commerce_only: bool) -> Vec<String> {
    let corpora = if e_commerce_only { &CORPORA[..1] } else { &CORPORA[..] };
    corpora
        .iter()
        .flat_map(|path| {
            read_corpus(path.as_ref(), &CorpusOptions::default())
                .unwrap_or_else(|e| {
                    eprintln!("bench: {e}");
                    std::process::exit(2)
                })
                .examples
        })
        .map(|e| e.text)
        .collect()
}

/// Peak resident memory of this process (VmHWM), in MB.
pub fn peak_rss_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_string))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<u64>().ok()))
        .map_or(0, |kb| kb / 1024)
}

/// CPU time this process has used so far (user + system, every thread), in seconds; divided by
/// the wall time of a phase it says how many cores the phase kept busy.
pub fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of stat(5), 12 and 13 after the name; 100 ticks a second.
    (ticks(11) + ticks(12)) / 100.0
}
