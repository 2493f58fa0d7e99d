//! Text domains: product reviews, social posts, and news / Q&A read differently (a Weibo post's
//! `[泪]` is a verdict, a review's 物流 is a topic, a headline's 发布 is no opinion at all), so the
//! lexicon holds one weight per term and domain: a shared weight plus a per-domain offset, learned
//! together (a domain with little data borrows the shared part). A mention's domain comes from its
//! kind, or from its source's `domain` setting.

use crate::mention::Kind;

/// How many domains there are: the length of every per-domain array.
pub const DOMAINS: usize = 3;

/// A text domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Domain {
    /// Product, shop and hotel reviews (the e-commerce and hotel corpora).
    #[default]
    Review,
    /// Social posts and comments (Weibo).
    Social,
    /// News, announcements, questions and answers: neutral unless evaluative words say otherwise.
    News,
}

impl Domain {
    pub const ALL: [Domain; DOMAINS] = [Domain::Review, Domain::Social, Domain::News];

    /// The name used in files, parameters and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Domain::Review => "review",
            Domain::Social => "social",
            Domain::News => "news",
        }
    }

    /// What people read: 评价, 社交, 新闻问答.
    pub fn label_zh(self) -> &'static str {
        match self {
            Domain::Review => "评价",
            Domain::Social => "社交",
            Domain::News => "新闻问答",
        }
    }

    /// Its position in per-domain arrays.
    #[inline]
    pub fn index(self) -> usize {
        self as usize
    }

    /// The domain a mention of `kind` is read in when its source names none.
    pub fn of_kind(kind: Kind) -> Domain {
        match kind {
            Kind::Review => Domain::Review,
            Kind::Post | Kind::Comment => Domain::Social,
            Kind::Question | Kind::Answer | Kind::News => Domain::News,
        }
    }

    /// The file holding this domain's learned offsets (`sentiment.social.tsv`).
    pub fn offsets_file(self) -> &'static str {
        match self {
            Domain::Review => "sentiment.review.tsv",
            Domain::Social => "sentiment.social.tsv",
            Domain::News => "sentiment.news.tsv",
        }
    }
}

impl std::fmt::Display for Domain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Domain {
    type Err = String;

    fn from_str(s: &str) -> Result<Domain, String> {
        Domain::ALL
            .into_iter()
            .find(|d| d.name() == s.trim())
            .ok_or_else(|| format!("{s:?} is not a domain; expected review, social or news"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_map_to_domains_and_names_round_trip() {
        assert_eq!(Domain::of_kind(Kind::Review), Domain::Review);
        assert_eq!(Domain::of_kind(Kind::Comment), Domain::Social);
        assert_eq!(Domain::of_kind(Kind::Answer), Domain::News);
        for d in Domain::ALL {
            assert_eq!(d.name().parse::<Domain>().unwrap(), d);
            assert_eq!(Domain::ALL[d.index()], d);
        }
        assert!("weibo".parse::<Domain>().unwrap_err().contains("review, social or news"));
    }
}
