//! Scoring: the lexicon's weights applied through the rule walk, giving a document score in
//! [-1, 1], a label, the risk categories, and the evidence that decided it.

use super::domain::Domain;
use super::lexicon::{Lexicon, Role, UNKNOWN, fingerprint, term_flag};
use super::risk::{RiskHit, RiskMode};
use super::rules::{self, Hit, NO_SECOND, Sentence, flag};
use crate::text::{Analyzed, TokenKind};

/// At most this many terms are listed in an explanation, strongest first.
pub const MAX_EXPLAINED_TERMS: usize = 12;

/// Positive, neutral or negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    Positive,
    Neutral,
    Negative,
}

impl Label {
    pub const ALL: [Label; 3] = [Label::Positive, Label::Neutral, Label::Negative];

    /// The name used in files, parameters and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Label::Positive => "positive",
            Label::Neutral => "neutral",
            Label::Negative => "negative",
        }
    }

    /// What people read: 正面, 中性, 负面.
    pub fn label_zh(self) -> &'static str {
        match self {
            Label::Positive => "正面",
            Label::Neutral => "中性",
            Label::Negative => "负面",
        }
    }
}

impl std::str::FromStr for Label {
    type Err = String;

    fn from_str(s: &str) -> Result<Label, String> {
        Label::ALL
            .into_iter()
            .find(|l| l.name() == s.trim())
            .ok_or_else(|| format!("{s:?} is not positive, neutral or negative"))
    }
}

/// A document's sentiment and why.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Sentiment {
    /// In [-1, 1]: 2·P(positive) − 1 under the learned model.
    pub score: f32,
    pub label: Label,
    /// The domain whose weights scored it.
    pub domain: Domain,
    pub risks: Vec<RiskHit>,
    pub explanation: Explanation,
}

/// The evidence behind a score.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Explanation {
    /// The domain whose weights applied.
    pub domain: Domain,
    /// The model's log-odds: bias plus every term's contribution; score = tanh(margin / 2).
    pub margin: f32,
    pub bias: f32,
    /// The terms that pulled most, strongest first (empty unless explanations were asked for).
    pub terms: Vec<TermEvidence>,
    /// Sentence-level rules that applied (contrast, exclamation, questions, the news rule).
    pub rules: Vec<String>,
}

/// One term's pull on the score.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TermEvidence {
    /// The word, or two words separated by a space for a word pair.
    pub term: String,
    /// Its lexicon weight.
    pub weight: f32,
    /// weight × the rules' multiplier: what it added to the margin (summed over its occurrences).
    pub contribution: f32,
    /// How often the term stands in the text under the same rules; a term met n times counts
    /// once, each occurrence 1/n.
    #[serde(skip_serializing_if = "is_one")]
    pub occurrences: u32,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<String>,
}

fn is_one(n: &u32) -> bool {
    *n == 1
}

/// Buffers reused from one document to the next.
#[derive(Debug, Default)]
pub struct Workspace {
    pub doc: Analyzed,
    pub ids: Vec<u32>,
    /// Each token's [`fingerprint`]: which hits are the same term.
    pub keys: Vec<u64>,
    pub roles: Vec<Role>,
    /// Each token's [`Lexicon::flags`] (0 when unknown).
    flags: Vec<u8>,
    pub hits: Vec<Hit>,
    pub sentences: Vec<Sentence>,
    sentence_margin: Vec<f32>,
    /// Per hit of the text scored last: its word's or pair's weight in the domain it was scored in.
    hit_weights: Vec<f32>,
    term_counts: rules::TermCounts,
}

impl Workspace {
    /// The margin of sentence `i` of the text scored last.
    pub fn sentence_margin(&self, i: usize) -> Option<f32> {
        self.sentence_margin.get(i).copied()
    }

    /// The weight of hit `i` of the text scored last, in the domain it was scored in (0 before
    /// it is scored).
    pub fn hit_weight(&self, i: usize) -> f32 {
        self.hit_weights.get(i).copied().unwrap_or(0.0)
    }

    /// Looks up every token of `self.doc` in `lexicon` and runs the rule walk. With
    /// [`Pairs::Weighted`] only word pairs `lexicon` may weigh become hits (scoring: a pair
    /// without a weight adds nothing, and half of a text's hits are pairs); learning lists
    /// [`Pairs::All`].
    pub fn prepare(&mut self, lexicon: &Lexicon, pairs: Pairs) {
        self.ids.clear();
        self.keys.clear();
        self.roles.clear();
        self.flags.clear();
        self.hit_weights.clear();
        for (word, _) in self.doc.words() {
            let key = fingerprint(word);
            let id = lexicon.id_of(key);
            let flags = if id == UNKNOWN { 0 } else { lexicon.flags(id) };
            self.ids.push(id);
            self.keys.push(key);
            self.flags.push(flags);
            self.roles.push(if flags & term_flag::ROLE == 0 { Role::Plain } else { lexicon.role(id) });
        }
        let weighable = (pairs == Pairs::Weighted).then_some(&self.flags[..]);
        let (hits, sentences, counts) = (&mut self.hits, &mut self.sentences, &mut self.term_counts);
        rules::walk(&self.doc, &self.roles, &self.keys, weighable, hits, sentences, counts);
    }
}

/// Which word pairs [`Workspace::prepare`] lists as hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pairs {
    /// Every pair of neighbouring words in a clause (learning: each is a feature).
    All,
    /// Only pairs whose words open and end some weighted pair of the lexicon (scoring).
    Weighted,
}

/// Scores analyzed documents against one lexicon.
#[derive(Debug, Clone)]
pub struct Scorer {
    lexicon: Lexicon,
    neutral_band: f32,
    evaluative_weight: f32,
}

impl Scorer {
    pub fn new(lexicon: Lexicon, neutral_band: f32) -> Self {
        Scorer { lexicon, neutral_band, evaluative_weight: super::config::default_evaluative_weight() }
    }

    /// Sets the news rule's threshold: in the news domain a text with no term weighing at least
    /// this much (either sign) scores 0, neutral.
    pub fn with_evaluative_weight(mut self, weight: f32) -> Self {
        self.evaluative_weight = weight;
        self
    }

    pub fn lexicon(&self) -> &Lexicon {
        &self.lexicon
    }

    /// Scores within ±this of 0 are labeled neutral.
    pub fn neutral_band(&self) -> f32 {
        self.neutral_band
    }

    /// The weight of a hit's word or word pair in `domain`.
    #[inline]
    pub fn hit_weight(&self, ids: &[u32], hit: &Hit, domain: Domain) -> f32 {
        let a = ids[hit.token as usize];
        if hit.second == NO_SECOND {
            if a == UNKNOWN { 0.0 } else { self.lexicon.weight(a, domain) }
        } else {
            self.lexicon.bigram(a, ids[hit.second as usize], domain)
        }
    }

    /// Scores the document in `ws.doc` with `domain`'s weights; `explain` adds the term evidence.
    pub fn score(&self, ws: &mut Workspace, domain: Domain, explain: bool) -> Sentiment {
        ws.prepare(&self.lexicon, Pairs::Weighted);
        // The social weights are learned from posts whose emoticons decide them; a post without
        // any reads like a review (measured on Weibo posts with their emoticons stripped).
        let domain = if domain == Domain::Social
            && !ws.doc.tokens.iter().any(|t| matches!(t.kind, TokenKind::Emoticon | TokenKind::Emoji))
        {
            Domain::Review
        } else {
            domain
        };
        ws.sentence_margin.clear();
        ws.sentence_margin.resize(ws.sentences.len(), 0.0);
        let bias = self.lexicon.bias(domain);
        let mut margin = bias;
        let (mut evidence, mut strongest) = (false, 0f32);
        for hit in &ws.hits {
            let w = self.hit_weight(&ws.ids, hit, domain);
            ws.hit_weights.push(w);
            let c = w * hit.value;
            if c != 0.0 {
                evidence = true;
                strongest = strongest.max(w.abs());
                margin += c;
                ws.sentence_margin[hit.sentence as usize] += c;
            }
        }
        // The news rule: reporting (开售, 发布, 召开) is no opinion; without one evaluative term
        // a news text is neutral and does not colour averages.
        let unevaluated = domain == Domain::News && strongest < self.evaluative_weight;
        let score = if unevaluated { 0.0 } else { (margin / 2.0).tanh() };
        // A label must follow the words: text whose words lean positive is not called negative
        // by the learned prior (the bias) alone, nor the other way round.
        let words_disagree = (margin - bias > 0.0) != (margin > 0.0);
        let label = if !evidence || unevaluated || score.abs() <= self.neutral_band || words_disagree {
            Label::Neutral
        } else if score > 0.0 {
            Label::Positive
        } else {
            Label::Negative
        };
        let mut rules = if explain { sentence_rules(ws) } else { Vec::new() };
        if explain && unevaluated {
            rules.push(format!("news without an evaluative term (|weight| ≥ {}): neutral", self.evaluative_weight));
        }
        let explanation = Explanation {
            domain,
            margin: round4(margin),
            bias,
            terms: if explain { self.evidence(ws) } else { Vec::new() },
            rules,
        };
        Sentiment { score, label, domain, risks: self.risks(ws), explanation }
    }

    fn risks(&self, ws: &Workspace) -> Vec<RiskHit> {
        let mut out: Vec<RiskHit> = Vec::new();
        for hit in ws.hits.iter().filter(|h| h.second == NO_SECOND) {
            let id = ws.ids[hit.token as usize];
            if ws.flags[hit.token as usize] & term_flag::RISKY == 0 {
                continue;
            }
            let term = self.lexicon.term(id);
            for &(category, mode) in &term.risks {
                if mode == RiskMode::Negative && ws.sentence_margin[hit.sentence as usize] >= 0.0 {
                    continue;
                }
                match out.iter_mut().find(|r| r.category == category) {
                    Some(r) if !r.terms.iter().any(|t| **t == *term.text) => r.terms.push(term.text.to_string()),
                    Some(_) => {}
                    None => out.push(RiskHit { category, terms: vec![term.text.to_string()] }),
                }
            }
        }
        out.sort_by_key(|r| r.category);
        out
    }

    fn evidence(&self, ws: &Workspace) -> Vec<TermEvidence> {
        // Occurrences of one term under the same rules are one piece of evidence: group them by
        // fingerprints (term, negator, degree adverb, flags), and write text only for the top.
        let word = |i: u32| if i == u32::MAX { 0 } else { ws.keys[i as usize] };
        let rule_flags = flag::RHETORICAL | flag::BEFORE_CONTRAST | flag::AFTER_CONTRAST;
        let mut found: Vec<(EvidenceGroup, f32, &Hit)> = ws
            .hits
            .iter()
            .zip(&ws.hit_weights)
            .filter_map(|(h, &w)| {
                let group =
                    (rules::term_key(&ws.keys, h), word(h.negator), h.negations, word(h.degree), h.flags & rule_flags);
                (w != 0.0).then_some((group, w, h))
            })
            .collect();
        found.sort_by_key(|f| f.0);
        let mut terms: Vec<(f32, f32, u32, &Hit)> = found
            .chunk_by(|a, b| a.0 == b.0)
            .map(|same| (same[0].1, same.iter().map(|f| f.1 * f.2.value).sum(), same.len() as u32, same[0].2))
            .collect();
        terms.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        terms
            .into_iter()
            .take(MAX_EXPLAINED_TERMS)
            .map(|(weight, contribution, occurrences, h)| TermEvidence {
                term: hit_text(&ws.doc, h),
                weight,
                contribution: round4(contribution),
                occurrences,
                rules: hit_rules(&ws.doc, h),
            })
            .collect()
    }
}

/// What makes two hits the same evidence: the term's, negator's and degree adverb's
/// fingerprints, the number of negations and the rule flags.
type EvidenceGroup = (u64, u64, u8, u64, u8);

/// Four decimals are all an explanation needs; more is float noise to a reader.
fn round4(x: f32) -> f32 {
    (x * 1e4).round() / 1e4
}

fn hit_text(doc: &Analyzed, h: &Hit) -> String {
    if h.second == NO_SECOND {
        doc.word(h.token as usize).to_string()
    } else {
        format!("{} {}", doc.word(h.token as usize), doc.word(h.second as usize))
    }
}

fn hit_rules(doc: &Analyzed, h: &Hit) -> Vec<String> {
    let mut rules = Vec::new();
    if h.negator != u32::MAX {
        let by = doc.word(h.negator as usize);
        rules.push(match h.negations {
            1 if h.flags & flag::RHETORICAL != 0 => {
                format!("negation by {by} reversed by the rhetorical question")
            }
            1 => format!("negated by {by}"),
            n if n % 2 == 0 => format!("double negation ({n} negators, last {by}): not flipped"),
            n => format!("negated {n} times (last {by})"),
        });
    }
    if h.degree != u32::MAX {
        rules.push(format!("scaled by {}", doc.word(h.degree as usize)));
    }
    if h.flags & flag::BEFORE_CONTRAST != 0 {
        rules.push("before a contrast: weighs less".to_string());
    }
    if h.flags & flag::AFTER_CONTRAST != 0 {
        rules.push("after a contrast: weighs more".to_string());
    }
    rules
}

fn sentence_rules(ws: &Workspace) -> Vec<String> {
    let mut rules: Vec<String> = Vec::new();
    for s in &ws.sentences {
        let text = |i: u32| ws.doc.word(i as usize).to_string();
        let mut add = |r: String| {
            if !rules.contains(&r) {
                rules.push(r);
            }
        };
        if s.contrast != u32::MAX {
            add(format!("contrast at {}: the clause after it weighs more", text(s.contrast)));
        }
        if s.flags & flag::RHETORICAL != 0 {
            add("rhetorical question: its negation is reversed".to_string());
        } else if s.flags & flag::QUESTION != 0 {
            add(format!("question: weighs ×{}", rules::QUESTION_WEIGHT));
        } else if s.flags & flag::EXCLAMATION != 0 {
            add(format!("exclamation: weighs ×{}", rules::EXCLAMATION_WEIGHT));
        }
    }
    rules
}
