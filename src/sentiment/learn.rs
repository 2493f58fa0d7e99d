//! Lexicon learning: fits the weighted term list to labeled texts.
//!
//! The model is a logistic regression whose features are the rule walk's hits (words and word
//! pairs, each multiplied by negation, degree and sentence weights), so a learned weight is a
//! word's pull when nothing modifies it. L2 regularization pulls every weight toward its
//! curated prior (the seed and emoticon lists; 0 for other words), so curated knowledge holds
//! where data is thin and data wins where it is plentiful. The pull is weaker for words whose
//! document counts lean hard to one label (NBSVM-style scaling, `feature_l2`).

use std::io::Write;

use rustc_hash::FxHashMap;

use super::corpus::Example;
use super::domain::{DOMAINS, Domain};
use super::lexicon::{BIAS_TERM, Lexicon};
use super::rules::NO_SECOND;
use super::score::{Pairs, Workspace};
use crate::text::TextPipeline;

/// Learning settings; the defaults are the ones the shipped lexicon was learned with.
#[derive(Debug, Clone)]
pub struct LearnOptions {
    /// Words and word pairs seen in fewer documents than this are not learned.
    pub min_docs: u32,
    /// Strength of the pull toward the prior weights (per document, mean loss).
    pub l2: f32,
    /// Full-batch optimization steps.
    pub iterations: u32,
    /// Learned terms whose |weight| ends below this are not written (seeds always are).
    pub prune: f32,
    /// Learn word pairs as well as words.
    pub bigrams: bool,
    /// Drop emoticons and emoji from the training texts (to learn what words alone say).
    pub strip_emoticons: bool,
    /// Strength of the pull of each domain's offsets toward 0 (NB-scaled within the domain).
    pub offset_l2: f32,
    /// Scale each word's regularization by its naive Bayes log-count ratio (see `feature_l2`;
    /// measured in five-fold cross-validation: +0.75 points on hotel reviews, +0.6 on products).
    pub nb_scaled: bool,
}

pub const fn default_min_docs() -> u32 {
    3
}

impl Default for LearnOptions {
    fn default() -> Self {
        LearnOptions {
            min_docs: default_min_docs(),
            l2: 1e-4,
            offset_l2: 1e-4,
            iterations: 300,
            prune: 0.05,
            bigrams: true,
            strip_emoticons: false,
            nb_scaled: true,
        }
    }
}

/// Where a written weight came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Learned from the data; no prior.
    Learned,
    /// A curated prior, too rare in the data to learn: written unchanged.
    Seed,
    /// A curated prior adjusted by the data.
    SeedLearned,
    /// A domain's offset from the shared weight.
    Offset,
}

impl Origin {
    fn name(self) -> &'static str {
        match self {
            Origin::Learned => "learned",
            Origin::Seed => "seed",
            Origin::SeedLearned => "seed+learned",
            Origin::Offset => "offset",
        }
    }
}

/// One row of the learned list.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// A word, or two words separated by a space.
    pub term: String,
    pub weight: f32,
    /// Documents of each label it occurs in.
    pub positive_docs: u32,
    pub negative_docs: u32,
    pub origin: Origin,
}

/// The result of learning: the intercept and the terms, shared and per domain.
#[derive(Debug, Clone)]
pub struct Learned {
    /// The shared intercept (the mean of the learned domains', by their texts).
    pub bias: f32,
    /// The shared weights (`sentiment.tsv`).
    pub entries: Vec<Entry>,
    /// Per domain that had texts (when more than one had): its intercept's and terms' offsets
    /// from the shared weights (`sentiment.social.tsv` …). Empty for a domain without texts.
    pub offsets: [Vec<Entry>; DOMAINS],
    /// Per domain: how many texts it was learned from.
    pub texts: [usize; DOMAINS],
    /// Mean training log-loss at the end.
    pub final_loss: f64,
}

/// The training texts as sparse feature rows.
struct Matrix {
    offsets: Vec<usize>,
    features: Vec<u32>,
    values: Vec<f32>,
    labels: Vec<f32>,
    domains: Vec<u8>,
}

/// The features met while reading the texts: names and, per domain and label, document counts.
#[derive(Default)]
struct Features {
    names: Vec<String>,
    ids: FxHashMap<String, u32>,
    /// `docs[domain][label][feature]`.
    docs: [[Vec<u32>; 2]; DOMAINS],
}

impl Features {
    fn id(&mut self, key: &str) -> u32 {
        if let Some(&id) = self.ids.get(key) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(key.to_string());
        self.ids.insert(key.to_string(), id);
        self.docs.iter_mut().flatten().for_each(|d| d.push(0));
        id
    }

    /// Documents feature `j` occurs in, among the texts counting toward `domain`'s offsets
    /// (its own and its children's) or (`None`) in all.
    fn df(&self, j: usize, domain: Option<usize>) -> u32 {
        let [neg, pos] = self.in_domain(j, domain);
        neg + pos
    }

    /// Documents of each label feature `j` occurs in, among the texts counting toward
    /// `domain`'s offsets, or (`None`) in all.
    fn in_domain(&self, j: usize, domain: Option<usize>) -> [u32; 2] {
        let counted = |e: usize| domain.is_none_or(|d| Domain::ALL[e].counts_toward(Domain::ALL[d]));
        let sum = |l: usize| (0..DOMAINS).filter(|&e| counted(e)).map(|e| self.docs[e][l][j]).sum();
        [sum(0), sum(1)]
    }
}

/// Reads every example through the rule walk into a feature matrix.
fn read_examples(
    text: &TextPipeline,
    prior: &Lexicon,
    examples: &[Example],
    options: &LearnOptions,
) -> (Matrix, Features) {
    let mut f = Features::default();
    let mut m =
        Matrix { offsets: vec![0], features: Vec::new(), values: Vec::new(), labels: Vec::new(), domains: Vec::new() };
    let mut ws = Workspace::default();
    let mut key = String::new();
    let mut seen: Vec<u32> = Vec::new();
    for ex in examples {
        text.analyze_into(&ex.text, &mut ws.doc);
        if options.strip_emoticons {
            ws.doc.strip_emoticons();
        }
        ws.prepare(prior, Pairs::All);
        seen.clear();
        for hit in &ws.hits {
            key.clear();
            key.push_str(ws.doc.word(hit.token as usize));
            if hit.second != NO_SECOND {
                if !options.bigrams {
                    continue;
                }
                key.push(' ');
                key.push_str(ws.doc.word(hit.second as usize));
            }
            let id = f.id(&key);
            m.features.push(id);
            m.values.push(hit.value);
            seen.push(id);
        }
        seen.sort_unstable();
        seen.dedup();
        let d = ex.domain.index();
        for &id in &seen {
            f.docs[d][ex.positive as usize][id as usize] += 1;
        }
        m.offsets.push(m.features.len());
        m.labels.push(if ex.positive { 1.0 } else { 0.0 });
        m.domains.push(d as u8);
    }
    (m, f)
}

/// Learns a lexicon from `examples`, with `prior`'s curated lists as roles and priors. With texts
/// of more than one domain, each term gets a shared weight and per-domain offsets, learned
/// together: the offsets are pulled toward 0 (`offset_l2`), so a domain departs from the
/// shared weight only where its own texts insist. A domain with a parent (hotel: review) reads
/// its parent's offsets too, and its texts count toward them.
pub fn learn(text: &TextPipeline, prior: &Lexicon, examples: &[Example], options: &LearnOptions) -> Learned {
    let (m, f) = read_examples(text, prior, examples, options);
    let n = f.names.len();
    let mut texts = [0usize; DOMAINS];
    m.domains.iter().for_each(|&d| texts[d as usize] += 1);
    let multi = texts.iter().filter(|&&t| t > 0).count() > 1;
    let mut priors: Vec<f32> = f.names.iter().map(|n| prior.priors.get(n.as_str()).copied().unwrap_or(0.0)).collect();
    let mut active: Vec<bool> = (0..n).map(|j| f.df(j, None) >= options.min_docs).collect();
    let mut l2 = feature_l2(&f, &m.labels, &m.domains, None, options.l2, options);
    priors.resize(n * (1 + DOMAINS), 0.0);
    active.resize(n * (1 + DOMAINS), false);
    l2.resize(n * (1 + DOMAINS), 0.0);
    for d in (0..DOMAINS).filter(|&d| multi && texts[d] > 0) {
        let dl2 = feature_l2(&f, &m.labels, &m.domains, Some(d), options.offset_l2, options);
        for (j, &strength) in dl2.iter().enumerate() {
            let k = offset_index(n, j, d);
            active[k] = f.df(j, Some(d)) >= options.min_docs;
            l2[k] = strength;
        }
    }
    let (biases, weights, final_loss) = fit(&m, n, &priors, &active, &l2, options);
    let total = texts.iter().sum::<usize>().max(1) as f32;
    let bias = (0..DOMAINS).map(|d| biases[d] * texts[d] as f32).sum::<f32>() / total;
    let entries = shared_entries(&f, prior, &weights, &active, options);
    let offsets = std::array::from_fn(|d| {
        if !multi || texts[d] == 0 {
            return Vec::new();
        }
        let mut out = vec![Entry {
            term: BIAS_TERM.to_string(),
            weight: biases[d] - bias,
            positive_docs: 0,
            negative_docs: 0,
            origin: Origin::Offset,
        }];
        for (j, name) in f.names.iter().enumerate() {
            let k = offset_index(n, j, d);
            if active[k] && weights[k].abs() >= options.prune {
                let [negative_docs, positive_docs] = f.in_domain(j, Some(d));
                let (term, weight) = (name.clone(), weights[k]);
                out.push(Entry { term, weight, positive_docs, negative_docs, origin: Origin::Offset });
            }
        }
        sort_entries(&mut out[1..]);
        out
    });
    Learned { bias, entries, offsets, texts, final_loss }
}

/// Where the offset of feature `j` in domain `d` sits in the parameter vector.
fn offset_index(n: usize, j: usize, d: usize) -> usize {
    n + j * DOMAINS + d
}

/// The shared weights worth writing: learned ones above the pruning threshold, and every seed.
fn shared_entries(
    f: &Features,
    prior: &Lexicon,
    weights: &[f32],
    active: &[bool],
    options: &LearnOptions,
) -> Vec<Entry> {
    let mut entries: Vec<Entry> = Vec::new();
    for (j, name) in f.names.iter().enumerate() {
        let has_prior = prior.priors.contains_key(name.as_str());
        let (weight, origin) = match (active[j], has_prior) {
            (true, true) => (weights[j], Origin::SeedLearned),
            (true, false) if weights[j].abs() >= options.prune => (weights[j], Origin::Learned),
            _ => continue,
        };
        let [negative_docs, positive_docs] = f.in_domain(j, None);
        entries.push(Entry { term: name.clone(), weight, positive_docs, negative_docs, origin });
    }
    for (term, &w) in &prior.priors {
        let j = f.ids.get(&**term).map(|&j| j as usize);
        if !j.is_some_and(|j| active[j]) {
            let [negative_docs, positive_docs] = j.map_or([0, 0], |j| f.in_domain(j, None));
            entries.push(Entry {
                term: term.to_string(),
                weight: w,
                positive_docs,
                negative_docs,
                origin: Origin::Seed,
            });
        }
    }
    sort_entries(&mut entries);
    entries
}

/// Words before word pairs, each by weight, strongest positive first.
fn sort_entries(entries: &mut [Entry]) {
    entries.sort_by(|a, b| {
        let pair = |e: &Entry| e.term.contains(' ');
        pair(a).cmp(&pair(b)).then(b.weight.total_cmp(&a.weight)).then(a.term.cmp(&b.term))
    });
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// Per-feature regularization strength: `l2 / (r² + NB_FLOOR)`, where r is the feature's naive
/// Bayes log-count ratio (over every domain, or within `domain`). Words whose document counts
/// lean hard to one label are pulled toward their prior less than words spread evenly (this is
/// logistic regression on NB-scaled features, as in NBSVM, written back as one plain weight per
/// word).
fn feature_l2(
    f: &Features,
    labels: &[f32],
    domains: &[u8],
    domain: Option<usize>,
    l2: f32,
    options: &LearnOptions,
) -> Vec<f32> {
    let (mut positives, mut negatives) = (0f32, 0f32);
    for (&y, &d) in labels.iter().zip(domains) {
        if domain.is_none_or(|want| Domain::ALL[d as usize].counts_toward(Domain::ALL[want])) {
            if y > 0.5 { positives += 1.0 } else { negatives += 1.0 }
        }
    }
    (0..f.names.len())
        .map(|j| {
            if !options.nb_scaled {
                return l2;
            }
            let [neg, pos] = f.in_domain(j, domain);
            let p = (pos as f32 + NB_ALPHA) / (positives + NB_ALPHA);
            let q = (neg as f32 + NB_ALPHA) / (negatives + NB_ALPHA);
            let r = (p / q).ln();
            l2 / (r * r + NB_FLOOR)
        })
        .collect()
}

/// Smoothing of the naive Bayes counts.
const NB_ALPHA: f32 = 1.0;
/// Keeps the regularization of label-neutral words finite.
const NB_FLOOR: f32 = 0.05;

/// Full-batch Adam on the mean log-loss plus `Σ l2ⱼ/2·(θⱼ − priorⱼ)²` over the shared weights
/// (the first `n` parameters) and the domain offsets; one free intercept per domain.
/// Deterministic. Returns the intercepts, the parameters and the final loss.
fn fit(
    m: &Matrix,
    n: usize,
    priors: &[f32],
    active: &[bool],
    l2: &[f32],
    options: &LearnOptions,
) -> ([f32; DOMAINS], Vec<f32>, f64) {
    let count = m.labels.len().max(1) as f32;
    let mut w: Vec<f32> = priors.iter().zip(active).map(|(&p, &a)| if a { p } else { 0.0 }).collect();
    let mut bias = [0f32; DOMAINS];
    for (d, b) in bias.iter_mut().enumerate() {
        let (pos, all) = m
            .labels
            .iter()
            .zip(&m.domains)
            .filter(|(_, x)| **x as usize == d)
            .fold((0f32, 0f32), |(p, a), (y, _)| (p + y, a + 1.0));
        *b = ((pos + 1.0) / (all - pos + 1.0)).ln();
    }
    let parents = Domain::ALL.map(|d| d.parent().map(Domain::index));
    let mut adam = Adam::new(w.len() + DOMAINS);
    let mut grad = vec![0f32; w.len() + DOMAINS];
    let mut loss = 0f64;
    for step in 1..=options.iterations {
        grad.iter_mut().for_each(|g| *g = 0.0);
        loss = 0.0;
        for i in 0..m.labels.len() {
            let range = m.offsets[i]..m.offsets[i + 1];
            let d = m.domains[i] as usize;
            let parent = parents[d];
            let mut margin = bias[d];
            for k in range.clone() {
                let j = m.features[k] as usize;
                let inherited = parent.map_or(0.0, |p| w[offset_index(n, j, p)]);
                margin += (w[j] + w[offset_index(n, j, d)] + inherited) * m.values[k];
            }
            let p = sigmoid(margin);
            let y = m.labels[i];
            loss -= f64::from(if y > 0.5 { p.max(1e-7).ln() } else { (1.0 - p).max(1e-7).ln() });
            let g = (p - y) / count;
            grad[w.len() + d] += g;
            for k in range {
                let j = m.features[k] as usize;
                grad[j] += g * m.values[k];
                grad[offset_index(n, j, d)] += g * m.values[k];
                if let Some(p) = parent {
                    grad[offset_index(n, j, p)] += g * m.values[k];
                }
            }
        }
        loss /= f64::from(count);
        for j in 0..w.len() {
            if active[j] {
                grad[j] += l2[j] * (w[j] - priors[j]);
            }
        }
        adam.step(step, &grad, |j, delta| {
            if j < w.len() {
                if active[j] {
                    w[j] -= delta;
                }
            } else {
                bias[j - w.len()] -= delta;
            }
        });
        if step % 50 == 0 {
            tracing::debug!(step, loss, "learning");
        }
    }
    (bias, w, loss)
}

/// Adam's moment estimates, one pair per parameter.
struct Adam {
    m: Vec<f32>,
    v: Vec<f32>,
}

impl Adam {
    fn new(n: usize) -> Adam {
        Adam { m: vec![0.0; n], v: vec![0.0; n] }
    }

    /// One step on gradient `grad`; `apply(j, delta)` subtracts `delta` from parameter `j`.
    fn step(&mut self, step: u32, grad: &[f32], mut apply: impl FnMut(usize, f32)) {
        let (beta1, beta2, eps) = (0.9f32, 0.999f32, 1e-8f32);
        let lr = 0.05 / (1.0 + step as f32 / 100.0);
        let (c1, c2) = (1.0 - beta1.powi(step as i32), 1.0 - beta2.powi(step as i32));
        for (j, &g) in grad.iter().enumerate() {
            if g == 0.0 && self.m[j] == 0.0 {
                continue;
            }
            self.m[j] = beta1 * self.m[j] + (1.0 - beta1) * g;
            self.v[j] = beta2 * self.v[j] + (1.0 - beta2) * g * g;
            apply(j, lr * (self.m[j] / c1) / ((self.v[j] / c2).sqrt() + eps));
        }
    }
}

impl Learned {
    /// Writes the shared list as `lexicons/sentiment.tsv` reads it, after `header` comment lines.
    pub fn write_tsv(&self, out: &mut impl Write, header: &[String]) -> std::io::Result<()> {
        for line in header {
            writeln!(out, "# {line}")?;
        }
        writeln!(out, "# columns: term (two words = a word pair), weight, positive docs, negative docs, origin")?;
        writeln!(out, "{BIAS_TERM}\t{:.4}", self.bias)?;
        write_entries(out, &self.entries)
    }

    /// Writes `domain`'s offsets as `lexicons/sentiment.<domain>.tsv` reads them; `None` when
    /// the domain had no texts of its own (or was the only one).
    pub fn write_offsets(&self, domain: Domain, out: &mut impl Write, header: &[String]) -> std::io::Result<bool> {
        let offsets = &self.offsets[domain.index()];
        if offsets.is_empty() {
            return Ok(false);
        }
        for line in header {
            writeln!(out, "# {line}")?;
        }
        match domain.parent() {
            None => writeln!(out, "# The {domain} domain's offsets, added to the shared weights of sentiment.tsv.")?,
            Some(parent) => writeln!(
                out,
                "# The {domain} domain's offsets, added to the shared weights of sentiment.tsv and to the {parent} offsets of {}.",
                parent.offsets_file()
            )?,
        }
        let counted = if Domain::ALL.iter().any(|d| d.parent() == Some(domain)) {
            "in the domain and its children"
        } else {
            "in the domain"
        };
        writeln!(
            out,
            "# columns: term (two words = a word pair), offset, positive docs, negative docs ({counted}), origin"
        )?;
        writeln!(out, "{BIAS_TERM}\t{:.4}", offsets[0].weight)?;
        write_entries(out, &offsets[1..]).map(|()| true)
    }
}

fn write_entries(out: &mut impl Write, entries: &[Entry]) -> std::io::Result<()> {
    for e in entries {
        let (term, weight, pos, neg, origin) = (&e.term, e.weight, e.positive_docs, e.negative_docs, e.origin.name());
        writeln!(out, "{term}\t{weight:.4}\t{pos}\t{neg}\t{origin}")?;
    }
    Ok(())
}
