//! Emotions: anger 愤怒, fear 恐惧/担忧, sadness 悲伤, disgust 厌恶, joy 喜悦, surprise 惊讶 — what a
//! crisis lead acts on (anger calls for an answer, fear for safety facts).
//!
//! Learned by distant supervision, without any research-only lexicon: a Weibo post whose emoticons
//! all point to one emotion (`lexicons/emotion_emoticons.tsv`: `[怒]` anger, `[泪]` sadness …) is an
//! example of it; with its emoticons stripped, each word gets a one-vs-rest naive Bayes log-count
//! ratio per emotion (`lexicons/emotions.tsv`), added to the curated `emotion_seeds.tsv` (fear has
//! no common Weibo code: its evidence is mostly curated). A text's emotion is the class with the
//! most evidence; emoticons in the text count directly.

use rustc_hash::{FxHashMap, FxHashSet};

use super::lexicon::{LexiconSource, fingerprint};
use super::{SentimentError, Workspace};
use crate::text::{Analyzed, TextPipeline, TokenKind};

pub const EMOTIONS: usize = 6;
pub const EMOTICON_FILE: &str = "emotion_emoticons.tsv";
pub const SEED_FILE: &str = "emotion_seeds.tsv";
pub const LEARNED_FILE: &str = "emotions.tsv";
/// What one emoticon of an emotion in the text weighs.
pub const EMOTICON_WEIGHT: f32 = 3.0;
/// Less evidence than this for the strongest class: no emotion.
pub const MIN_EVIDENCE: f32 = 1.0;

/// An emotion class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Emotion {
    Anger,
    Fear,
    Sadness,
    Disgust,
    Joy,
    Surprise,
}

impl Emotion {
    pub const ALL: [Emotion; EMOTIONS] =
        [Emotion::Anger, Emotion::Fear, Emotion::Sadness, Emotion::Disgust, Emotion::Joy, Emotion::Surprise];

    /// The name used in files, parameters and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Emotion::Anger => "anger",
            Emotion::Fear => "fear",
            Emotion::Sadness => "sadness",
            Emotion::Disgust => "disgust",
            Emotion::Joy => "joy",
            Emotion::Surprise => "surprise",
        }
    }

    /// What people read.
    pub fn label_zh(self) -> &'static str {
        match self {
            Emotion::Anger => "愤怒",
            Emotion::Fear => "恐惧",
            Emotion::Sadness => "悲伤",
            Emotion::Disgust => "厌恶",
            Emotion::Joy => "喜悦",
            Emotion::Surprise => "惊讶",
        }
    }
}

impl std::str::FromStr for Emotion {
    type Err = String;

    fn from_str(s: &str) -> Result<Emotion, String> {
        Emotion::ALL
            .into_iter()
            .find(|e| e.name() == s.trim())
            .ok_or_else(|| format!("{s:?} is not an emotion; expected anger, fear, sadness, disgust, joy or surprise"))
    }
}

/// The emotion lists, loaded: per word fingerprint, its evidence for each class.
#[derive(Debug, Clone, Default)]
pub struct EmotionModel {
    words: FxHashMap<u64, [f32; EMOTIONS]>,
    emoticons: FxHashMap<u64, Emotion>,
}

impl EmotionModel {
    /// Reads the emoticon map, the seeds and (with `learned`) the learned list from `source`;
    /// absent files are empty.
    pub fn load(source: &LexiconSource, learned: bool) -> Result<EmotionModel, SentimentError> {
        let mut model = EmotionModel::default();
        for (line, fields) in rows(source, EMOTICON_FILE, 2)? {
            let emotion = parse_emotion(source, EMOTICON_FILE, line, &fields[1])?;
            model.emoticons.insert(fingerprint(&fields[0]), emotion);
        }
        let files: &[&str] = if learned { &[SEED_FILE, LEARNED_FILE] } else { &[SEED_FILE] };
        for &name in files {
            for (line, fields) in rows(source, name, 3)? {
                let emotion = parse_emotion(source, name, line, &fields[1])?;
                let weight =
                    fields[2].parse::<f32>().ok().filter(|w| w.is_finite()).ok_or_else(|| SentimentError::Parse {
                        path: source.path_of(name),
                        line,
                        reason: format!("column 3 is {:?}, not a number", fields[2]),
                    })?;
                model.add(&fields[0], emotion, weight);
            }
        }
        Ok(model)
    }

    /// Adds `weight` to `word`'s evidence for `emotion`.
    pub fn add(&mut self, word: &str, emotion: Emotion, weight: f32) {
        self.words.entry(fingerprint(word)).or_default()[emotion as usize] += weight;
    }

    /// The one emotion `word`'s emoticon points to, if it is one.
    pub fn emoticon(&self, word: &str) -> Option<Emotion> {
        self.emoticons.get(&fingerprint(word)).copied()
    }

    /// Each class's evidence in `doc` (each distinct word counted once; every emoticon counts).
    pub fn evidence(&self, doc: &Analyzed, seen: &mut FxHashSet<u64>) -> [f32; EMOTIONS] {
        let mut sums = [0f32; EMOTIONS];
        seen.clear();
        for (word, kind) in doc.words() {
            let key = fingerprint(word);
            match kind {
                TokenKind::Emoticon | TokenKind::Emoji => {
                    if let Some(&e) = self.emoticons.get(&key) {
                        sums[e as usize] += EMOTICON_WEIGHT;
                    }
                }
                TokenKind::Word if seen.insert(key) => {
                    if let Some(w) = self.words.get(&key) {
                        sums.iter_mut().zip(w).for_each(|(s, w)| *s += w);
                    }
                }
                _ => {}
            }
        }
        sums
    }

    /// The emotions of `doc`: the strongest class and every class's share (a softmax of the
    /// evidence over the classes with any), or `None` without enough evidence.
    pub fn classify(&self, doc: &Analyzed, seen: &mut FxHashSet<u64>) -> Option<Emotions> {
        let sums = self.evidence(doc, seen);
        let (top, best) = sums.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1))?;
        if *best < MIN_EVIDENCE {
            return None;
        }
        let exp: Vec<f32> = sums.iter().map(|s| if *s > 0.0 { (s - best).exp() } else { 0.0 }).collect();
        let total: f32 = exp.iter().sum();
        let shares = std::array::from_fn(|i| exp[i] / total);
        Some(Emotions { top: Emotion::ALL[top], shares })
    }
}

/// A text's emotions.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Emotions {
    /// The strongest.
    pub top: Emotion,
    /// Each class's share, in [`Emotion::ALL`]'s order, summing to 1.
    pub shares: [f32; EMOTIONS],
}

fn parse_emotion(source: &LexiconSource, name: &str, line: usize, s: &str) -> Result<Emotion, SentimentError> {
    s.parse().map_err(|reason| SentimentError::Parse { path: source.path_of(name), line, reason })
}

/// The tab-separated rows of `name` with exactly `columns` fields (none when the file is absent).
fn rows(source: &LexiconSource, name: &str, columns: usize) -> Result<Vec<(usize, Vec<String>)>, SentimentError> {
    let Some(text) = source.read(name)? else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<String> = line.split('\t').map(|f| f.trim().to_string()).collect();
        if fields.len() != columns || fields[0].is_empty() {
            let reason = format!("expected {columns} tab-separated columns, found {}", fields.len());
            return Err(SentimentError::Parse { path: source.path_of(name), line: n + 1, reason });
        }
        out.push((n + 1, fields));
    }
    Ok(out)
}

/// The emotion a post's emoticons agree on (`None`: none, or several emotions).
pub fn distant_label(model: &EmotionModel, doc: &Analyzed) -> Option<Emotion> {
    let mut found = None;
    for (word, kind) in doc.words() {
        if matches!(kind, TokenKind::Emoticon | TokenKind::Emoji)
            && let Some(e) = model.emoticon(word)
        {
            match found {
                None => found = Some(e),
                Some(f) if f != e => return None,
                Some(_) => {}
            }
        }
    }
    found
}

/// Learns per-word emotion evidence from `posts` labeled by their emoticons (see the module):
/// rows of (word, emotion, weight) for words in at least `min_docs` examples whose log-count
/// ratio for the emotion is at least `min_weight`.
pub fn learn_emotions(
    text: &TextPipeline,
    model: &EmotionModel,
    posts: &[String],
    min_docs: u32,
    min_weight: f32,
) -> (Vec<(String, Emotion, f32)>, [u32; EMOTIONS]) {
    let mut ws = Workspace::default();
    let mut counts: FxHashMap<String, [u32; EMOTIONS]> = FxHashMap::default();
    let mut docs = [0u32; EMOTIONS];
    let mut seen: FxHashSet<u64> = FxHashSet::default();
    for post in posts {
        text.analyze_into(post, &mut ws.doc);
        let Some(label) = distant_label(model, &ws.doc) else { continue };
        docs[label as usize] += 1;
        seen.clear();
        for (word, kind) in ws.doc.words() {
            if kind == TokenKind::Word && word.chars().count() > 1 && seen.insert(fingerprint(word)) {
                counts.entry(word.to_string()).or_default()[label as usize] += 1;
            }
        }
    }
    let total: u32 = docs.iter().sum();
    let mut out = Vec::new();
    for (word, c) in &counts {
        let n: u32 = c.iter().sum();
        if n < min_docs {
            continue;
        }
        for e in Emotion::ALL {
            let k = e as usize;
            let (inside, outside) = (c[k] as f32, (n - c[k]) as f32);
            let ratio = ((inside + 1.0) / (docs[k] as f32 + 1.0)).ln()
                - ((outside + 1.0) / ((total - docs[k]) as f32 + 1.0)).ln();
            if docs[k] > 0 && c[k] >= min_docs && ratio >= min_weight {
                out.push((word.clone(), e, ratio));
            }
        }
    }
    out.sort_by(|a, b| a.1.cmp(&b.1).then(b.2.total_cmp(&a.2)).then(a.0.cmp(&b.0)));
    (out, docs)
}

/// Per-class counts of an emotion evaluation against the emoticons' labels.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct EmotionEval {
    /// Posts with one emotion's emoticons.
    pub posts: u64,
    /// Per class: (gold and predicted, predicted, gold).
    pub counts: [(u64, u64, u64); EMOTIONS],
    /// Posts the model found no emotion in (wrong for every class).
    pub none: u64,
}

impl EmotionEval {
    /// Scores `posts` with their emoticons stripped against the class their emoticons give.
    pub fn measure(text: &TextPipeline, model: &EmotionModel, posts: &[String]) -> EmotionEval {
        let mut ev = EmotionEval::default();
        let (mut ws, mut seen) = (Workspace::default(), FxHashSet::default());
        for post in posts {
            text.analyze_into(post, &mut ws.doc);
            let Some(gold) = distant_label(model, &ws.doc) else { continue };
            ws.doc.strip_emoticons();
            ev.posts += 1;
            ev.counts[gold as usize].2 += 1;
            match model.classify(&ws.doc, &mut seen) {
                Some(found) => {
                    ev.counts[found.top as usize].1 += 1;
                    if found.top == gold {
                        ev.counts[gold as usize].0 += 1;
                    }
                }
                None => ev.none += 1,
            }
        }
        ev
    }

    /// F1 of each class (`None` for a class with no gold post).
    pub fn f1(&self) -> [Option<f64>; EMOTIONS] {
        self.counts.map(|(tp, predicted, gold)| {
            (gold > 0).then(|| if tp == 0 { 0.0 } else { 2.0 * tp as f64 / (predicted + gold) as f64 })
        })
    }

    /// The mean F1 over the classes that have gold posts.
    pub fn macro_f1(&self) -> f64 {
        let f: Vec<f64> = self.f1().into_iter().flatten().collect();
        if f.is_empty() { 0.0 } else { f.iter().sum::<f64>() / f.len() as f64 }
    }
}
