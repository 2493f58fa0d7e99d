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
use super::lexicon::{BIAS_TERM, Lexicon};
use super::rules::NO_SECOND;
use super::score::Workspace;
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
}

impl Origin {
    fn name(self) -> &'static str {
        match self {
            Origin::Learned => "learned",
            Origin::Seed => "seed",
            Origin::SeedLearned => "seed+learned",
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

/// The result of learning: the intercept and the terms.
#[derive(Debug, Clone)]
pub struct Learned {
    pub bias: f32,
    pub entries: Vec<Entry>,
    /// Mean training log-loss at the end.
    pub final_loss: f64,
}

/// The training texts as sparse feature rows.
struct Matrix {
    offsets: Vec<usize>,
    features: Vec<u32>,
    values: Vec<f32>,
    labels: Vec<f32>,
}

/// Learns a lexicon from `examples`, with `prior`'s curated lists as roles and priors.
pub fn learn(text: &TextPipeline, prior: &Lexicon, examples: &[Example], options: &LearnOptions) -> Learned {
    let mut names: Vec<String> = Vec::new();
    let mut ids: FxHashMap<String, u32> = FxHashMap::default();
    let mut docs = [Vec::<u32>::new(), Vec::new()]; // per feature: [negative, positive] document counts
    let mut m = Matrix { offsets: vec![0], features: Vec::new(), values: Vec::new(), labels: Vec::new() };
    let mut ws = Workspace::default();
    let mut key = String::new();
    let mut seen: Vec<u32> = Vec::new();
    for ex in examples {
        text.analyze_into(&ex.text, &mut ws.doc);
        if options.strip_emoticons {
            ws.doc.strip_emoticons();
        }
        ws.prepare(prior);
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
            let id = match ids.get(key.as_str()) {
                Some(&id) => id,
                None => {
                    let id = names.len() as u32;
                    names.push(key.clone());
                    ids.insert(key.clone(), id);
                    docs[0].push(0);
                    docs[1].push(0);
                    id
                }
            };
            m.features.push(id);
            m.values.push(hit.value);
            seen.push(id);
        }
        seen.sort_unstable();
        seen.dedup();
        for &id in &seen {
            docs[ex.positive as usize][id as usize] += 1;
        }
        m.offsets.push(m.features.len());
        m.labels.push(if ex.positive { 1.0 } else { 0.0 });
    }
    let priors: Vec<f32> = names.iter().map(|n| prior.priors.get(n.as_str()).copied().unwrap_or(0.0)).collect();
    let df = |j: usize| docs[0][j] + docs[1][j];
    let active: Vec<bool> = (0..names.len()).map(|j| df(j) >= options.min_docs).collect();
    let l2 = feature_l2(&docs, &m.labels, options);
    let (bias, weights, final_loss) = fit(&m, &priors, &active, &l2, options);

    let mut entries: Vec<Entry> = Vec::new();
    for (j, name) in names.iter().enumerate() {
        let has_prior = prior.priors.contains_key(name.as_str());
        let (weight, origin) = match (active[j], has_prior) {
            (true, true) => (weights[j], Origin::SeedLearned),
            (true, false) if weights[j].abs() >= options.prune => (weights[j], Origin::Learned),
            _ => continue,
        };
        entries.push(Entry {
            term: name.clone(),
            weight,
            positive_docs: docs[1][j],
            negative_docs: docs[0][j],
            origin,
        });
    }
    for (term, &w) in &prior.priors {
        if !ids.get(&**term).is_some_and(|&j| active[j as usize]) {
            let j = ids.get(&**term).map(|&j| j as usize);
            entries.push(Entry {
                term: term.to_string(),
                weight: w,
                positive_docs: j.map_or(0, |j| docs[1][j]),
                negative_docs: j.map_or(0, |j| docs[0][j]),
                origin: Origin::Seed,
            });
        }
    }
    entries.sort_by(|a, b| {
        let pair = |e: &Entry| e.term.contains(' ');
        pair(a).cmp(&pair(b)).then(b.weight.total_cmp(&a.weight)).then(a.term.cmp(&b.term))
    });
    Learned { bias, entries, final_loss }
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// Per-feature regularization strength: `l2 / (r² + NB_FLOOR)`, where r is the feature's naive
/// Bayes log-count ratio. Words whose document counts lean hard to one label are pulled toward
/// their prior less than words spread evenly (this is logistic regression on NB-scaled features,
/// as in NBSVM, written back as one plain weight per word).
fn feature_l2(docs: &[Vec<u32>; 2], labels: &[f32], options: &LearnOptions) -> Vec<f32> {
    let positives = labels.iter().sum::<f32>();
    let negatives = labels.len() as f32 - positives;
    (0..docs[0].len())
        .map(|j| {
            if !options.nb_scaled {
                return options.l2;
            }
            let p = (docs[1][j] as f32 + NB_ALPHA) / (positives + NB_ALPHA);
            let q = (docs[0][j] as f32 + NB_ALPHA) / (negatives + NB_ALPHA);
            let r = (p / q).ln();
            options.l2 / (r * r + NB_FLOOR)
        })
        .collect()
}

/// Smoothing of the naive Bayes counts.
const NB_ALPHA: f32 = 1.0;
/// Keeps the regularization of label-neutral words finite.
const NB_FLOOR: f32 = 0.05;

/// Full-batch Adam on the mean log-loss plus `Σ l2ⱼ/2·(wⱼ − priorⱼ)²`. Deterministic.
fn fit(m: &Matrix, priors: &[f32], active: &[bool], l2: &[f32], options: &LearnOptions) -> (f32, Vec<f32>, f64) {
    let n = m.labels.len().max(1) as f32;
    let mut w: Vec<f32> = priors.iter().zip(active).map(|(&p, &a)| if a { p } else { 0.0 }).collect();
    let positives = m.labels.iter().sum::<f32>();
    let mut bias = ((positives + 1.0) / (n - positives + 1.0)).ln();
    let (mut mw, mut vw) = (vec![0f32; w.len()], vec![0f32; w.len()]);
    let (mut mb, mut vb) = (0f32, 0f32);
    let mut grad = vec![0f32; w.len()];
    let (beta1, beta2, eps) = (0.9f32, 0.999f32, 1e-8f32);
    let mut loss = 0f64;
    for step in 1..=options.iterations {
        grad.iter_mut().for_each(|g| *g = 0.0);
        let mut gb = 0f32;
        loss = 0.0;
        for i in 0..m.labels.len() {
            let range = m.offsets[i]..m.offsets[i + 1];
            let mut margin = bias;
            for k in range.clone() {
                margin += w[m.features[k] as usize] * m.values[k];
            }
            let p = sigmoid(margin);
            let y = m.labels[i];
            loss -= f64::from(if y > 0.5 { p.max(1e-7).ln() } else { (1.0 - p).max(1e-7).ln() });
            let d = (p - y) / n;
            gb += d;
            for k in range {
                grad[m.features[k] as usize] += d * m.values[k];
            }
        }
        loss /= f64::from(n);
        let lr = 0.05 / (1.0 + step as f32 / 100.0);
        let (c1, c2) = (1.0 - beta1.powi(step as i32), 1.0 - beta2.powi(step as i32));
        for j in 0..w.len() {
            if !active[j] {
                continue;
            }
            let g = grad[j] + l2[j] * (w[j] - priors[j]);
            mw[j] = beta1 * mw[j] + (1.0 - beta1) * g;
            vw[j] = beta2 * vw[j] + (1.0 - beta2) * g * g;
            w[j] -= lr * (mw[j] / c1) / ((vw[j] / c2).sqrt() + eps);
        }
        mb = beta1 * mb + (1.0 - beta1) * gb;
        vb = beta2 * vb + (1.0 - beta2) * gb * gb;
        bias -= lr * (mb / c1) / ((vb / c2).sqrt() + eps);
        if step % 50 == 0 {
            tracing::debug!(step, loss, "learning");
        }
    }
    (bias, w, loss)
}

impl Learned {
    /// Writes the list as `lexicons/sentiment.tsv` reads it, after `header` comment lines.
    pub fn write_tsv(&self, out: &mut impl Write, header: &[String]) -> std::io::Result<()> {
        for line in header {
            writeln!(out, "# {line}")?;
        }
        writeln!(out, "# columns: term (two words = a word pair), weight, positive docs, negative docs, origin")?;
        writeln!(out, "{BIAS_TERM}\t{:.4}", self.bias)?;
        for e in &self.entries {
            writeln!(
                out,
                "{}\t{:.4}\t{}\t{}\t{}",
                e.term,
                e.weight,
                e.positive_docs,
                e.negative_docs,
                e.origin.name()
            )?;
        }
        Ok(())
    }
}
