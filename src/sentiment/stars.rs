//! Stars: a review's rating is evidence its author gave, combined with what the text says.
//!
//! The rule: a rating `r` on the 1–5 scale adds `(r − 3) × STAR_MARGIN` to the text's margin
//! (1★ −3, 2★ −1.5, 3★ 0, 4★ +1.5, 5★ +3), and the label is read from the sum. So a 1-star review
//! whose text the scorer finds mild (margin under +3) is negative, and a 5-star review that only
//! complains 物流太慢 stays positive: the stars outweigh one complaint. Only a text that speaks
//! strongly against its stars (a margin beyond ±3, 五星 on "假货，千万别买") keeps its own side.
//! Risks come from the text's sentences alone, so that 5-star review still raises the logistics
//! risk. Ratings on a 10- or 100-point scale are brought to 1–5 first; anything else is ignored.

use super::score::{Label, Scorer, Sentiment};

/// Margin one star away from 3 adds.
pub const STAR_MARGIN: f32 = 1.5;

/// `rating` on the 1–5 scale: 0–5 as given (0 read as 1), 5–10 halved, 10–100 divided by 20;
/// `None` for anything else.
pub fn five_point(rating: f32) -> Option<f32> {
    let stars = match rating {
        r if !r.is_finite() || r < 0.0 => return None,
        r if r <= 5.0 => r,
        r if r <= 10.0 => r / 2.0,
        r if r <= 100.0 => r / 20.0,
        _ => return None,
    };
    Some(stars.max(1.0))
}

impl Scorer {
    /// `text` (a scored review) with its star `rating` taken into account (see the module).
    pub fn with_rating(&self, mut text: Sentiment, rating: f32) -> Sentiment {
        let Some(stars) = five_point(rating) else { return text };
        let pull = (stars - 3.0) * STAR_MARGIN;
        let margin = text.explanation.margin + pull;
        text.score = (margin / 2.0).tanh();
        text.label = if pull == 0.0 {
            text.label
        } else if text.score.abs() <= self.neutral_band() {
            Label::Neutral
        } else if text.score > 0.0 {
            Label::Positive
        } else {
            Label::Negative
        };
        text.explanation.margin = (margin * 1e4).round() / 1e4;
        text.explanation.rules.push(format!("rating {stars}★: {pull:+} to the margin"));
        text
    }
}
