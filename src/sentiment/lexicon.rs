//! Lexicon loading: the plain files under `lexicons/` (or the copies built into the binary)
//! turned into lookup tables keyed by term id, so scoring does one hash lookup per token.

use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;

use super::SentimentError;
use super::domain::{DOMAINS, Domain};
use super::risk::{RiskCategory, RiskMode};

/// The lexicon files, by name. Every one is documented in `lexicons/README.md`.
pub const LEARNED_FILE: &str = "sentiment.tsv";
pub const SEED_FILE: &str = "seed_sentiment.tsv";
pub const EMOTICON_FILE: &str = "emoticons.tsv";
pub const NEGATION_FILE: &str = "negation.tsv";
pub const DEGREE_FILE: &str = "degree.tsv";
pub const CONTRAST_FILE: &str = "contrast.tsv";
pub const RHETORICAL_FILE: &str = "rhetorical.txt";
pub const RISK_FILE: &str = "risks.tsv";
pub const USER_DICT_FILE: &str = "user_dict.txt";

/// The row of the learned list that holds the model's intercept.
pub const BIAS_TERM: &str = "<bias>";

/// Where lexicon files come from.
#[derive(Debug, Clone)]
pub enum LexiconSource {
    /// The lists shipped in `lexicons/`, compiled into the binary.
    Builtin,
    /// A directory with the same file names (a copy to edit, or a domain's own lists).
    Dir(PathBuf),
}

impl LexiconSource {
    /// Reads one lexicon file; `None` when an optional file is absent from a directory.
    pub fn read(&self, name: &str) -> Result<Option<String>, SentimentError> {
        match self {
            LexiconSource::Builtin => Ok(builtin(name).map(str::to_string)),
            LexiconSource::Dir(dir) => {
                let path = dir.join(name);
                match std::fs::read_to_string(&path) {
                    Ok(s) => Ok(Some(s)),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(source) => Err(SentimentError::Read { path, source }),
                }
            }
        }
    }

    /// Reads a file that must exist.
    pub fn read_required(&self, name: &str) -> Result<String, SentimentError> {
        self.read(name)?.ok_or_else(|| SentimentError::Missing { path: self.path_of(name) })
    }

    /// The path a file of this source is read from, for messages.
    pub fn path_of(&self, name: &str) -> PathBuf {
        match self {
            LexiconSource::Builtin => Path::new("<builtin lexicons>").join(name),
            LexiconSource::Dir(dir) => dir.join(name),
        }
    }
}

fn builtin(name: &str) -> Option<&'static str> {
    Some(match name {
        LEARNED_FILE => include_str!("../../lexicons/sentiment.tsv"),
        "sentiment.review.tsv" => include_str!("../../lexicons/sentiment.review.tsv"),
        "sentiment.social.tsv" => include_str!("../../lexicons/sentiment.social.tsv"),
        "sentiment.news.tsv" => include_str!("../../lexicons/sentiment.news.tsv"),
        "sentiment.hotel.tsv" => include_str!("../../lexicons/sentiment.hotel.tsv"),
        SEED_FILE => include_str!("../../lexicons/seed_sentiment.tsv"),
        EMOTICON_FILE => include_str!("../../lexicons/emoticons.tsv"),
        NEGATION_FILE => include_str!("../../lexicons/negation.tsv"),
        DEGREE_FILE => include_str!("../../lexicons/degree.tsv"),
        CONTRAST_FILE => include_str!("../../lexicons/contrast.tsv"),
        RHETORICAL_FILE => include_str!("../../lexicons/rhetorical.txt"),
        RISK_FILE => include_str!("../../lexicons/risks.tsv"),
        USER_DICT_FILE => include_str!("../../lexicons/user_dict.txt"),
        "emotion_emoticons.tsv" => include_str!("../../lexicons/emotion_emoticons.tsv"),
        "emotion_seeds.tsv" => include_str!("../../lexicons/emotion_seeds.tsv"),
        "emotions.tsv" => include_str!("../../lexicons/emotions.tsv"),
        "aspects.tsv" => include_str!("../../lexicons/aspects.tsv"),
        _ => return None,
    })
}

/// What a term does besides carrying its own weight.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Role {
    Plain,
    /// Flips the polarity of the next few words (不, 没有, 一点也不), scaling them by its
    /// strength (1 for a plain negator, 0.6 for 不太: "not very" is milder than "not").
    Negator(f32),
    /// Scales the next words' weight (非常 ×1.8, 有点 ×0.7).
    Degree(f32),
    /// Starts a clause that outweighs what came before it in the sentence
    /// (但是: before ×0.6, after ×1.4).
    Contrast {
        before: f32,
        after: f32,
    },
    /// Marks a question as rhetorical (难道, 岂).
    Rhetorical,
}

/// One term of the lexicon.
#[derive(Debug, Clone)]
pub struct Term {
    pub text: Box<str>,
    pub weight: f32,
    pub role: Role,
    /// Risk categories this term signals, and when.
    pub risks: Vec<(RiskCategory, RiskMode)>,
}

impl Term {
    /// Its [`term_flag`] bits that do not depend on the word pairs.
    fn flags(&self) -> u8 {
        let risky = if self.risks.is_empty() { 0 } else { term_flag::RISKY };
        risky | if self.role == Role::Plain { 0 } else { term_flag::ROLE }
    }
}

/// The loaded lexicon: terms, bigram weights and the intercept, each per [`Domain`].
///
/// A term's text is hashed once to a compact id; its weights then sit in one dense array per
/// domain (shared weight plus the domain's offset, added at load), so scoring a token in any
/// domain is one hash lookup and one array read. Terms are found by a 64-bit fingerprint of their text rather than by the text itself, so a
/// lookup touches no key string (the scorer does one per token; with ~50k terms the chance that
/// any token's fingerprint collides with a term's is below one in 10^10).
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    ids: FxHashMap<u64, u32>,
    terms: Vec<Term>,
    /// Per domain: `terms[i].weight` plus the domain's offset, laid out densely for the scoring loop.
    weights: [Vec<f32>; DOMAINS],
    roles: Vec<Role>,
    /// Per word pair: its weight in each domain.
    bigrams: FxHashMap<u64, [f32; DOMAINS]>,
    /// Per term id: its [`term_flag`] bits, one byte read per known token (`terms` and `roles`
    /// are too wide to touch for every token), so most token pairs are dismissed without probing
    /// `bigrams` and most words without reading their role.
    flags: Vec<u8>,
    /// The learned intercept per domain: the margin of a text with no known term.
    pub bias: [f32; DOMAINS],
    /// Curated prior weights (seeds and emoticons), what learning starts from.
    pub priors: FxHashMap<Box<str>, f32>,
}

/// Marks a token id that is not in the lexicon.
pub const UNKNOWN: u32 = u32::MAX;

/// What [`Lexicon::flags`] says of a term.
pub mod term_flag {
    /// It opens a weighted word pair.
    pub const PAIR_FIRST: u8 = 1;
    /// It ends a weighted word pair.
    pub const PAIR_SECOND: u8 = 2;
    /// It names a risk category.
    pub const RISKY: u8 = 4;
    /// It has a role other than [`super::Role::Plain`].
    pub const ROLE: u8 = 8;
}

impl Lexicon {
    /// Loads every list from `source`. With `learned == false` the learned weights are left
    /// out (learning starts from the curated lists alone).
    pub fn load(source: &LexiconSource, learned: bool) -> Result<Lexicon, SentimentError> {
        let mut lex = Lexicon::default();
        for name in [SEED_FILE, EMOTICON_FILE] {
            for row in rows(source, name, &source.read_required(name)?, 2, 2)? {
                let w = row.number(1)?;
                lex.priors.insert(row.fields[0].into(), w);
                lex.entry(row.fields[0]).weight = w;
            }
        }
        let mut offsets = Offsets::default();
        if learned && let Some(text) = source.read(LEARNED_FILE)? {
            lex.load_learned(source, &text)?;
            for domain in Domain::ALL {
                if let Some(text) = source.read(domain.offsets_file())? {
                    lex.load_offsets(source, domain, &text, &mut offsets)?;
                }
            }
        }
        for row in rows(source, NEGATION_FILE, &source.read_required(NEGATION_FILE)?, 1, 2)? {
            let strength = if row.fields.len() == 2 { row.positive(1)? } else { 1.0 };
            lex.entry(row.fields[0]).role = Role::Negator(strength);
        }
        for row in rows(source, DEGREE_FILE, &source.read_required(DEGREE_FILE)?, 2, 2)? {
            let m = row.positive(1)?;
            lex.entry(row.fields[0]).role = Role::Degree(m);
        }
        for row in rows(source, CONTRAST_FILE, &source.read_required(CONTRAST_FILE)?, 3, 3)? {
            let (before, after) = (row.positive(1)?, row.positive(2)?);
            lex.entry(row.fields[0]).role = Role::Contrast { before, after };
        }
        for row in rows(source, RHETORICAL_FILE, &source.read_required(RHETORICAL_FILE)?, 1, 1)? {
            lex.entry(row.fields[0]).role = Role::Rhetorical;
        }
        for row in rows(source, RISK_FILE, &source.read_required(RISK_FILE)?, 3, 3)? {
            let category = row.fields[0].parse::<RiskCategory>().map_err(|e| row.error(e))?;
            let mode = row.fields[2].parse::<RiskMode>().map_err(|e| row.error(e))?;
            lex.entry(row.fields[1]).risks.push((category, mode));
        }
        lex.roles = lex.terms.iter().map(|t| t.role).collect();
        for d in Domain::ALL {
            let mut weights: Vec<f32> = lex.terms.iter().map(|t| t.weight).collect();
            // A domain reads its own offsets and its parent's (a hotel review is a review).
            for from in Domain::ALL.into_iter().filter(|&from| d.counts_toward(from)) {
                for &(id, w) in &offsets.words[from.index()] {
                    weights[id as usize] += w;
                }
                for &(key, w) in &offsets.pairs[from.index()] {
                    lex.bigrams.entry(key).or_insert([0.0; DOMAINS])[d.index()] += w;
                }
            }
            lex.weights[d.index()] = weights;
        }
        lex.flags = lex.terms.iter().map(Term::flags).collect();
        for &key in lex.bigrams.keys() {
            lex.flags[(key >> 32) as usize] |= term_flag::PAIR_FIRST;
            lex.flags[(key & u64::from(u32::MAX)) as usize] |= term_flag::PAIR_SECOND;
        }
        Ok(lex)
    }

    /// Reads a domain's offsets (`sentiment.social.tsv`: `term<TAB>offset[<TAB>…]`), added to the
    /// shared weights once everything is read.
    fn load_offsets(
        &mut self,
        source: &LexiconSource,
        domain: Domain,
        text: &str,
        offsets: &mut Offsets,
    ) -> Result<(), SentimentError> {
        let d = domain.index();
        for row in rows(source, domain.offsets_file(), text, 2, 5)? {
            let w = row.number(1)?;
            let term = row.fields[0];
            if term == BIAS_TERM {
                self.bias[d] += w;
            } else if let Some((a, b)) = term.split_once(' ') {
                let key = pair_key(self.intern(a), self.intern(b));
                offsets.pairs[d].push((key, w));
            } else {
                let id = self.intern(term);
                offsets.words[d].push((id, w));
            }
        }
        Ok(())
    }

    /// Reads the learned list: `term<TAB>weight[<TAB>pos<TAB>neg<TAB>origin]`, where a term of two
    /// words separated by one space is a bigram.
    fn load_learned(&mut self, source: &LexiconSource, text: &str) -> Result<(), SentimentError> {
        for row in rows(source, LEARNED_FILE, text, 2, 5)? {
            let w = row.number(1)?;
            let term = row.fields[0];
            if term == BIAS_TERM {
                self.bias = [w; DOMAINS];
            } else if let Some((a, b)) = term.split_once(' ') {
                let key = pair_key(self.intern(a), self.intern(b));
                self.bigrams.insert(key, [w; DOMAINS]);
            } else {
                let id = self.intern(term);
                self.terms[id as usize].weight = w;
            }
        }
        Ok(())
    }

    /// The id of `text`, adding it (weight 0, no role) when new.
    fn intern(&mut self, text: &str) -> u32 {
        let next = self.terms.len() as u32;
        let id = *self.ids.entry(fingerprint(text)).or_insert(next);
        if id == next {
            self.terms.push(Term { text: text.into(), weight: 0.0, role: Role::Plain, risks: Vec::new() });
        }
        id
    }

    fn entry(&mut self, text: &str) -> &mut Term {
        let id = self.intern(text);
        &mut self.terms[id as usize]
    }

    /// The id of `text`, or [`UNKNOWN`].
    #[inline]
    pub fn id(&self, text: &str) -> u32 {
        self.id_of(fingerprint(text))
    }

    /// The id of the term whose [`fingerprint`] is `fp`, or [`UNKNOWN`].
    #[inline]
    pub fn id_of(&self, fp: u64) -> u32 {
        self.ids.get(&fp).copied().unwrap_or(UNKNOWN)
    }

    /// The weight of term `id` (which must come from [`Lexicon::id`]) in `domain`.
    #[inline]
    pub fn weight(&self, id: u32, domain: Domain) -> f32 {
        self.weights[domain.index()][id as usize]
    }

    /// The intercept of `domain`.
    #[inline]
    pub fn bias(&self, domain: Domain) -> f32 {
        self.bias[domain.index()]
    }

    /// The role of term `id`.
    #[inline]
    pub fn role(&self, id: u32) -> Role {
        self.roles[id as usize]
    }

    /// Term `id`'s [`term_flag`] bits (0 for an unknown id).
    #[inline]
    pub fn flags(&self, id: u32) -> u8 {
        self.flags.get(id as usize).copied().unwrap_or(0)
    }

    /// The term with id `id` (which must come from [`Lexicon::id`]).
    #[inline]
    pub fn term(&self, id: u32) -> &Term {
        &self.terms[id as usize]
    }

    /// The weight of the bigram `a b` in `domain`, 0 when unknown. (The scoring walk lists only
    /// pairs whose [`Lexicon::flags`] say they may be weighted, so this probes no other.)
    #[inline]
    pub fn bigram(&self, a: u32, b: u32, domain: Domain) -> f32 {
        if a == UNKNOWN || b == UNKNOWN {
            return 0.0;
        }
        self.bigrams.get(&pair_key(a, b)).map_or(0.0, |w| w[domain.index()])
    }

    /// Every term that has a role or a risk: words the segmenter must keep whole.
    pub fn function_words(&self) -> impl Iterator<Item = &str> {
        self.terms.iter().filter(|t| t.role != Role::Plain || !t.risks.is_empty()).map(|t| &*t.text)
    }

    /// Number of weighted unigrams and bigrams.
    pub fn len(&self) -> (usize, usize) {
        (self.terms.iter().filter(|t| t.weight != 0.0).count(), self.bigrams.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == (0, 0)
    }
}

/// The 64-bit fingerprint terms are found by; equal texts, equal fingerprints.
#[inline]
pub fn fingerprint(text: &str) -> u64 {
    use std::hash::BuildHasher;
    foldhash::quality::FixedState::with_seed(0x79_75_71_69_6e_67).hash_one(text)
}

/// Domain offsets read, waiting to be added to the shared weights: (term id or pair key, offset).
#[derive(Default)]
struct Offsets {
    words: [Vec<(u32, f32)>; DOMAINS],
    pairs: [Vec<(u64, f32)>; DOMAINS],
}

fn pair_key(a: u32, b: u32) -> u64 {
    (u64::from(a) << 32) | u64::from(b)
}

/// One data row of a tab-separated lexicon file.
struct Row<'a> {
    path: PathBuf,
    line: usize,
    fields: Vec<&'a str>,
}

impl Row<'_> {
    fn error(&self, reason: impl ToString) -> SentimentError {
        SentimentError::Parse { path: self.path.clone(), line: self.line, reason: reason.to_string() }
    }

    fn number(&self, i: usize) -> Result<f32, SentimentError> {
        let f = self.fields[i];
        f.parse::<f32>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| self.error(format!("column {} is {f:?}, not a number", i + 1)))
    }

    fn positive(&self, i: usize) -> Result<f32, SentimentError> {
        let x = self.number(i)?;
        if x > 0.0 { Ok(x) } else { Err(self.error(format!("column {} must be above 0, is {x}", i + 1))) }
    }
}

/// Splits a lexicon file into rows of `min..=max` tab-separated fields, skipping blank lines
/// and `#` comments.
fn rows<'a>(
    source: &LexiconSource,
    name: &str,
    text: &'a str,
    min: usize,
    max: usize,
) -> Result<Vec<Row<'a>>, SentimentError> {
    let path = source.path_of(name);
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').map(str::trim).collect();
        let row = Row { path: path.clone(), line: n + 1, fields };
        if row.fields.len() < min || row.fields.len() > max {
            let want = if min == max { format!("{min}") } else { format!("{min} to {max}") };
            return Err(row.error(format!("expected {want} tab-separated columns, found {}", row.fields.len())));
        }
        if row.fields[0].is_empty() {
            return Err(row.error("the term is empty"));
        }
        out.push(row);
    }
    Ok(out)
}
