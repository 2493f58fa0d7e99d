//! Evaluation: accuracy, macro-F1 and the confusion matrix of binary labels against the sign of
//! the score, with the share of texts the scorer would call neutral.

/// Counts of a binary evaluation.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Confusion {
    /// Labeled positive, scored positive.
    pub tp: u64,
    /// Labeled negative, scored positive.
    pub fp: u64,
    /// Labeled negative, scored negative.
    pub tn: u64,
    /// Labeled positive, scored negative.
    pub fn_: u64,
    /// Texts the scorer labeled neutral (their sign still counts above).
    pub neutral: u64,
}

impl Confusion {
    /// Adds one text: its gold label and the score's sign (0 counts as positive).
    pub fn add(&mut self, gold_positive: bool, score: f32, neutral: bool) {
        let predicted = score >= 0.0;
        match (gold_positive, predicted) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (false, false) => self.tn += 1,
            (true, false) => self.fn_ += 1,
        }
        self.neutral += neutral as u64;
    }

    pub fn total(&self) -> u64 {
        self.tp + self.fp + self.tn + self.fn_
    }

    pub fn accuracy(&self) -> f64 {
        ratio(self.tp + self.tn, self.total())
    }

    /// The mean of the positive and the negative class's F1.
    pub fn macro_f1(&self) -> f64 {
        let f1 = |tp: u64, fp: u64, fn_: u64| ratio(2 * tp, 2 * tp + fp + fn_);
        (f1(self.tp, self.fp, self.fn_) + f1(self.tn, self.fn_, self.fp)) / 2.0
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

#[cfg(test)]
mod tests {
    use super::Confusion;

    #[test]
    fn metrics_match_hand_computation() {
        let mut c = Confusion::default();
        // 3 positives: 2 right; 2 negatives: 1 right.
        for (gold, score) in [(true, 0.9), (true, 0.1), (true, -0.5), (false, -0.7), (false, 0.3)] {
            c.add(gold, score, false);
        }
        assert_eq!((c.tp, c.fn_, c.tn, c.fp), (2, 1, 1, 1));
        assert!((c.accuracy() - 0.6).abs() < 1e-9);
        // F1(pos) = 4/6, F1(neg) = 2/4 → macro 0.58333
        assert!((c.macro_f1() - (4.0 / 6.0 + 0.5) / 2.0).abs() < 1e-9);
    }
}
