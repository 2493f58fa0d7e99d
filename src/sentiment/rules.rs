//! The scoring rules: one walk over a document's tokens that says how much each word and
//! word pair counts, given negation, degree adverbs, contrast, exclamations and questions.
//!
//! Scoring and learning share this walk, so the learned weights are fitted under exactly the
//! rules that later apply them: a weight means "this word's pull when nothing modifies it".

use crate::text::{Analyzed, TokenKind};

use super::lexicon::Role;
use super::lexicon::term_flag::{PAIR_FIRST, PAIR_SECOND};

/// How many content words after a negator it reaches (没有想象中好: 想象, 中, 好).
pub const NEGATION_SCOPE: u8 = 3;
/// How many content words after a degree adverb it scales.
pub const DEGREE_SCOPE: u8 = 2;
/// A degree adverb inside a negation softens instead of strengthening (不很好 is milder than 不好),
/// except in a rhetorical question (这不是很好吗? means very good).
pub const DEGREE_UNDER_NEGATION: f32 = 0.6;
/// Weight of a sentence that ends in `!`.
pub const EXCLAMATION_WEIGHT: f32 = 1.3;
/// Weight of a genuine (not rhetorical) question: asking "好用吗?" asserts little.
pub const QUESTION_WEIGHT: f32 = 0.5;
/// Documents with more distinct words than this have every value scaled by √(reference /
/// distinct words), so a long review with many mild remarks does not outvote its verdict by
/// sheer length (measured: +0.6 points on held-out hotel reviews, which run about twice as long
/// as product reviews).
pub const LENGTH_REFERENCE: f32 = 15.0;
/// Sentence-final particles that make a negated question rhetorical (这不是很好吗?).
const QUESTION_PARTICLES: [&str; 3] = ["吗", "么", "嘛"];

/// Marks a [`Hit`] that is a single word.
pub const NO_SECOND: u32 = u32::MAX;

/// Flags on a hit or sentence, for explanations.
pub mod flag {
    pub const EXCLAMATION: u8 = 1;
    pub const QUESTION: u8 = 2;
    pub const RHETORICAL: u8 = 4;
    pub const BEFORE_CONTRAST: u8 = 8;
    pub const AFTER_CONTRAST: u8 = 16;
}

/// One word (or word pair) and how much it counts here.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// Token index of the word (the first word of a pair).
    pub token: u32,
    /// Token index of the pair's second word, or [`NO_SECOND`].
    pub second: u32,
    /// The multiplier for the word's weight: sign of negation × degree × sentence weights.
    pub value: f32,
    /// The negator that flipped it, if any (token index, or `u32::MAX`).
    pub negator: u32,
    /// How many negators reached it (2 for 不是不好: double negation).
    pub negations: u8,
    /// The degree adverb that scaled it, if any (token index, or `u32::MAX`).
    pub degree: u32,
    /// Index of its sentence in the sentence list.
    pub sentence: u32,
    /// [`flag`] bits.
    pub flags: u8,
}

/// A sentence: its token range, its end punctuation and the contrast word in it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sentence {
    pub start: u32,
    pub end: u32,
    pub flags: u8,
    /// The contrast word opening its last clause, or `u32::MAX`.
    pub contrast: u32,
}

fn ends_sentence(word: &str) -> bool {
    word.chars().any(|c| matches!(c, '。' | '!' | '?' | ';' | '…' | '.'))
}

/// Walks `doc` (whose token `i` has role `roles[i]` and word fingerprint `keys[i]`) and fills
/// `hits` and `sentences`; `counts` is scratch space.
///
/// Every word is a hit. Without `weighable` so is every pair of neighbouring words (learning:
/// each is a feature); with it (each token's `Lexicon::flags`, for scoring) only a pair whose
/// first word opens some weighted pair and whose second ends one (a pair without a weight adds
/// nothing, and half of a text's hits were pairs). The values are the same either way.
pub fn walk(
    doc: &Analyzed,
    roles: &[Role],
    keys: &[u64],
    weighable: Option<&[u8]>,
    hits: &mut Vec<Hit>,
    sentences: &mut Vec<Sentence>,
    counts: &mut TermCounts,
) {
    hits.clear();
    sentences.clear();
    let tokens = &doc.tokens;
    let n = tokens.len();
    let mut start = 0;
    let mut prev_hits = 0; // first hit of the previous sentence
    while start < n {
        let mut end = start;
        while end < n && !(tokens[end].kind == TokenKind::Punct && ends_sentence(doc.word(end))) {
            end += 1;
        }
        let words_end = end;
        let mut flags = 0;
        while end < n && tokens[end].kind == TokenKind::Punct {
            let w = doc.word(end);
            if w.contains('!') {
                flags |= flag::EXCLAMATION;
            }
            if w.contains('?') {
                flags |= flag::QUESTION;
            }
            end += 1;
        }
        if flags & flag::QUESTION != 0 && is_rhetorical(doc, roles, start, words_end) {
            flags |= flag::RHETORICAL;
        }
        let sentence_hits = hits.len();
        let read = Tokens { doc, roles, weighable };
        let contrast = walk_sentence(&read, (start, end), flags, sentences.len() as u32, prev_hits, hits);
        sentences.push(Sentence { start: start as u32, end: end as u32, flags, contrast });
        prev_hits = sentence_hits;
        start = end;
    }
    weigh_repeats_and_length(doc, keys, hits, counts);
}

/// The document-wide weights, after the walk.
///
/// A word or word pair met several times in one document counts once: each of its `n` hits
/// keeps `1/n` of its value, so the term adds its weight times the mean of its values (a hotel
/// review naming 机场 four times is not four times as much about the airport; measured in
/// five-fold cross-validation: +0.3 points on hotel reviews). Emoticons and emoji are exempt:
/// `[哈哈][哈哈][哈哈]` is emphasis (counting them once cost 3 points on Weibo posts).
/// Then every value is damped by the number of distinct words ([`LENGTH_REFERENCE`]).
fn weigh_repeats_and_length(doc: &Analyzed, keys: &[u64], hits: &mut [Hit], counts: &mut TermCounts) {
    counts.reset(hits.len());
    let mut distinct = 0usize;
    for h in hits.iter() {
        let slot = if h.second != NO_SECOND {
            counts.add(term_key(keys, h))
        } else if doc.tokens[h.token as usize].kind == TokenKind::Word {
            let slot = counts.add(term_key(keys, h));
            distinct += usize::from(counts.slots[slot as usize].1 == 1);
            slot
        } else {
            distinct += 1;
            EXEMPT
        };
        counts.of_hit.push(slot);
    }
    for (h, &slot) in hits.iter_mut().zip(&counts.of_hit) {
        if slot != EXEMPT {
            let n = counts.slots[slot as usize].1;
            if n > 1 {
                h.value *= 1.0 / n as f32;
            }
        }
    }
    let words = distinct as f32;
    if words > LENGTH_REFERENCE {
        let damp = (LENGTH_REFERENCE / words).sqrt();
        hits.iter_mut().for_each(|h| h.value *= damp);
    }
}

/// Marks a hit that is not counted (an emoticon or emoji).
const EXEMPT: u32 = u32::MAX;

/// How often each term stands in one document: an open-addressing table keyed by the terms'
/// fingerprints (already well mixed), reused from one document to the next. Linear in the
/// document's length (sorting the keys instead took about an eighth of the scorer's time).
#[derive(Debug, Default)]
pub struct TermCounts {
    /// (key, occurrences); 0 occurrences marks an empty slot.
    slots: Vec<(u64, u32)>,
    /// The slot of each hit, or [`EXEMPT`].
    of_hit: Vec<u32>,
}

impl TermCounts {
    /// Empties the table, sized for `n` terms at most half full.
    fn reset(&mut self, n: usize) {
        let size = (2 * n).next_power_of_two().max(16);
        self.slots.clear();
        self.slots.resize(size, (0, 0));
        self.of_hit.clear();
    }

    /// Counts one occurrence of `key`; returns its slot.
    fn add(&mut self, key: u64) -> u32 {
        let mask = self.slots.len() - 1;
        let mut i = key as usize & mask;
        loop {
            let slot = &mut self.slots[i];
            if slot.1 == 0 || slot.0 == key {
                *slot = (key, slot.1 + 1);
                return i as u32;
            }
            i = (i + 1) & mask;
        }
    }
}

/// Which term a hit is (equal for every occurrence of a word or word pair), from the tokens'
/// fingerprints `keys`.
#[inline]
pub fn term_key(keys: &[u64], h: &Hit) -> u64 {
    let key = keys[h.token as usize];
    if h.second == NO_SECOND { key } else { key.rotate_left(21) ^ keys[h.second as usize] ^ PAIR_SALT }
}

/// Keeps a pair's key apart from any single word's.
const PAIR_SALT: u64 = 0x7061_6972_7061_6972;

/// A question is rhetorical when it has a rhetorical marker (难道, 岂), or a negator and a
/// final question particle (这不是很好吗?).
fn is_rhetorical(doc: &Analyzed, roles: &[Role], start: usize, end: usize) -> bool {
    let range = start..end;
    if range.clone().any(|i| roles[i] == Role::Rhetorical) {
        return true;
    }
    let negated = range.clone().any(|i| matches!(roles[i], Role::Negator(_)));
    let last_word = range.rev().find(|&i| doc.tokens[i].kind == TokenKind::Word);
    negated && last_word.is_some_and(|i| QUESTION_PARTICLES.contains(&doc.word(i)))
}

/// How much a sentence's terms weigh by its end mark: a question less, an exclamation more; a
/// rhetorical question as a statement.
fn sentence_scale(flags: u8) -> f32 {
    if flags & flag::RHETORICAL != 0 {
        1.0
    } else if flags & flag::QUESTION != 0 {
        QUESTION_WEIGHT
    } else if flags & flag::EXCLAMATION != 0 {
        EXCLAMATION_WEIGHT
    } else {
        1.0
    }
}

/// The negators and degree adverb whose reach the walk is in, within a clause.
#[derive(Clone, Copy)]
struct Scope {
    /// Negators met, and how many words they still reach.
    negations: u8,
    neg_left: u8,
    /// The last negator and its strength.
    negator: u32,
    strength: f32,
    /// The degree adverb's factor, how many words it still reaches, and where it stands.
    degree: f32,
    deg_left: u8,
    degree_by: u32,
}

impl Default for Scope {
    fn default() -> Self {
        Scope {
            negations: 0,
            neg_left: 0,
            negator: u32::MAX,
            strength: 1.0,
            degree: 1.0,
            deg_left: 0,
            degree_by: u32::MAX,
        }
    }
}

impl Scope {
    /// A word's hit under the negators and degree adverb that reach it (an odd number of
    /// negators flips it, unless the question is rhetorical); each reach counts down.
    fn apply(&mut self, mut hit: Hit, rhetorical: bool) -> Hit {
        if self.neg_left > 0 {
            hit.negations = self.negations;
            hit.negator = self.negator;
            if self.negations % 2 == 1 && !rhetorical {
                hit.value = -hit.value * self.strength;
            }
            self.neg_left -= 1;
            if self.neg_left == 0 {
                self.negations = 0;
            }
        }
        if self.deg_left > 0 {
            hit.value *= self.degree;
            hit.degree = self.degree_by;
            self.deg_left -= 1;
        }
        hit
    }
}

/// What the walk reads of each token: its text and kind, role and lexicon flags.
struct Tokens<'a> {
    doc: &'a Analyzed,
    roles: &'a [Role],
    weighable: Option<&'a [u8]>,
}

/// Walks one sentence; returns its contrast word (or `u32::MAX`).
fn walk_sentence(
    &Tokens { doc, roles, weighable }: &Tokens,
    (start, end): (usize, usize),
    flags: u8,
    sentence: u32,
    prev_hits: usize,
    hits: &mut Vec<Hit>,
) -> u32 {
    let sentence_hits = hits.len();
    let mut scale = sentence_scale(flags);
    let rhetorical = flags & flag::RHETORICAL != 0;
    let mut hit_flags = flags;
    let mut contrast = u32::MAX;
    let mut scope = Scope::default();
    let mut prev_word = NO_SECOND;
    for (i, &role) in roles.iter().enumerate().take(end).skip(start) {
        let kind = doc.tokens[i].kind;
        match kind {
            TokenKind::Url | TokenKind::Mention => {
                prev_word = NO_SECOND;
                continue;
            }
            TokenKind::Punct => {
                (scope, prev_word) = (Scope::default(), NO_SECOND);
                continue;
            }
            TokenKind::Word | TokenKind::Emoticon | TokenKind::Emoji => {}
        }
        let clause_start = i == start || doc.tokens[i - 1].kind == TokenKind::Punct;
        let plain = Hit {
            token: i as u32,
            second: NO_SECOND,
            value: scale,
            negator: u32::MAX,
            negations: 0,
            degree: u32::MAX,
            sentence,
            flags: hit_flags,
        };
        match role {
            Role::Contrast { before, after } if clause_start => {
                let earlier = if i == start { prev_hits..sentence_hits } else { sentence_hits..hits.len() };
                for h in &mut hits[earlier] {
                    h.value *= before;
                    h.flags |= flag::BEFORE_CONTRAST;
                }
                scale *= after;
                hit_flags |= flag::AFTER_CONTRAST;
                contrast = i as u32;
                hits.push(Hit { value: scale, flags: hit_flags, ..plain });
            }
            Role::Negator(s) => {
                hits.push(plain);
                scope.negations = scope.negations.saturating_add(1);
                (scope.neg_left, scope.negator, scope.strength) = (NEGATION_SCOPE, i as u32, s);
            }
            Role::Degree(m) => {
                hits.push(plain);
                scope.degree = if scope.neg_left > 0 && !rhetorical { DEGREE_UNDER_NEGATION } else { m };
                (scope.deg_left, scope.degree_by) = (DEGREE_SCOPE, i as u32);
            }
            // An emoticon is the author's own verdict: no negator or degree adverb reaches it
            // (一直不回复[怒] is angry, not "not angry").
            _ if kind != TokenKind::Word => hits.push(plain),
            _ => hits.push(scope.apply(plain, rhetorical)),
        }
        if kind == TokenKind::Word {
            let pair_may_weigh =
                |a: u32| weighable.is_none_or(|s| s[a as usize] & PAIR_FIRST != 0 && s[i] & PAIR_SECOND != 0);
            if prev_word != NO_SECOND && pair_may_weigh(prev_word) {
                hits.push(Hit { token: prev_word, second: i as u32, value: scale, flags: hit_flags, ..plain });
            }
            prev_word = i as u32;
        } else {
            prev_word = NO_SECOND;
        }
    }
    contrast
}
