//! The mention (DESIGN.md): the unit that flows from the crawler and `ingest` into the index.

use std::hash::Hasher;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// What kind of text a mention is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Review,
    #[default]
    Post,
    Question,
    Answer,
    Comment,
    News,
}

impl Kind {
    pub const ALL: [Kind; 6] = [Kind::Review, Kind::Post, Kind::Question, Kind::Answer, Kind::Comment, Kind::News];

    /// The name used in files, parameters and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Review => "review",
            Kind::Post => "post",
            Kind::Question => "question",
            Kind::Answer => "answer",
            Kind::Comment => "comment",
            Kind::News => "news",
        }
    }

    /// What people read: 评论 (a review), 帖子, 问题, 回答, 回复 (a comment under a post), 新闻.
    pub fn label_zh(self) -> &'static str {
        match self {
            Kind::Review => "评论",
            Kind::Post => "帖子",
            Kind::Question => "问题",
            Kind::Answer => "回答",
            Kind::Comment => "回复",
            Kind::News => "新闻",
        }
    }
}

impl std::str::FromStr for Kind {
    type Err = String;

    fn from_str(s: &str) -> Result<Kind, String> {
        Kind::ALL
            .into_iter()
            .find(|k| k.name() == s.trim())
            .ok_or_else(|| format!("{s:?} is not one of review, post, question, answer, comment, news"))
    }
}

/// A mention as it arrives (one JSON object a line, or a CSV row with these column names).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mention {
    /// Stable id; when absent, a hash of source, URL and text.
    #[serde(default)]
    pub id: String,
    /// The source it came from (a site definition's name, or what the importer says).
    #[serde(default = "default_source")]
    pub source: String,
    #[serde(default)]
    pub kind: Kind,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub title: String,
    pub text: String,
    #[serde(default)]
    pub author: String,
    /// When it was published: RFC 3339, `YYYY-MM-DD HH:MM[:SS]` (read in Asia/Shanghai), or
    /// Unix seconds or milliseconds.
    #[serde(deserialize_with = "de_time", serialize_with = "ser_time")]
    pub published_at: Timestamp,
    #[serde(default)]
    pub likes: u64,
    #[serde(default)]
    pub reposts: u64,
    #[serde(default)]
    pub replies: u64,
    /// Star rating where the site has one.
    #[serde(default)]
    pub rating: Option<f32>,
    /// The thread it belongs to: the id of the question for an answer, of the post for a comment.
    #[serde(default)]
    pub parent: String,
    /// The author's followers (reach), where the site gives them.
    #[serde(default)]
    pub author_followers: Option<u64>,
    /// When it was fetched (crawls set it; an import may give it, else the time of the import).
    #[serde(default, deserialize_with = "de_opt_time", serialize_with = "ser_opt_time")]
    pub fetched_at: Option<Timestamp>,
    /// The page gave a publication time later than the fetch; `published_at` was set to the fetch.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub time_clamped: bool,
    /// The sentiment domain to score it in (review, social, news, hotel); absent: by its kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<Domain>,
}

fn default_source() -> String {
    "import".to_string()
}

impl Mention {
    /// The domain it is scored in: its own or its source's, else its kind's.
    pub fn sentiment_domain(&self) -> Domain {
        self.domain.unwrap_or_else(|| Domain::of_kind(self.kind))
    }

    /// Fills in the id when it is absent.
    pub fn ensure_id(&mut self) {
        if self.id.is_empty() {
            let mut h = fnv::FnvHasher::default();
            for part in [&self.source, &self.url, &self.text] {
                h.write(part.as_bytes());
                h.write_u8(0);
            }
            self.id = format!("{}:{:016x}", self.source, h.finish());
        }
    }
}

/// The fingerprint of a normalized text: exact copies share it.
pub fn text_fingerprint(text: &str) -> u64 {
    let mut h = fnv::FnvHasher::default();
    h.write(text.as_bytes());
    h.finish()
}

/// A mention id's fingerprint, which the index keeps: 64-bit FNV-1a, stable by definition (it must
/// not change between versions of yuqing or of a crate). Among a million mentions, the chance that
/// two ids share one is about 3 in 100 million.
pub fn id_fingerprint(id: &str) -> u64 {
    let mut h = fnv::FnvHasher::default();
    h.write(b"id\0");
    h.write(id.as_bytes());
    h.finish()
}

fn de_time<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Number(i64),
        Text(String),
    }
    match Raw::deserialize(d)? {
        Raw::Number(n) => crate::time::from_unix(n)
            .ok_or_else(|| format!("Unix time {n} is out of range"))
            .and_then(|t| crate::time::plausible(t, Timestamp::now(), &n.to_string()).map_err(|e| e.to_string())),
        Raw::Text(s) => crate::time::parse_time(&s).map_err(|e| e.to_string()),
    }
    .map_err(serde::de::Error::custom)
}

fn ser_time<S: serde::Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_string())
}

fn de_opt_time<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
    Ok(Some(de_time(d)?))
}

fn ser_opt_time<S: serde::Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => ser_time(t, s),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_in_every_accepted_form() {
        use crate::time::parse_time;
        let want: Timestamp = "2026-03-05T04:30:00Z".parse().unwrap();
        for s in ["2026-03-05T12:30:00+08:00", "2026-03-05 12:30:00", "2026-03-05 12:30", "1772685000", "1772685000000"]
        {
            assert_eq!(parse_time(s).unwrap(), want, "{s}");
        }
        assert_eq!(parse_time("2026-03-05").unwrap(), "2026-03-04T16:00:00Z".parse::<Timestamp>().unwrap());
        assert!(parse_time("很久以前").unwrap_err().to_string().contains("not a known form"));
    }

    #[test]
    fn json_mention_with_defaults_and_generated_id() {
        let mut m: Mention =
            serde_json::from_str(r#"{"text":"电池鼓包了","published_at":1772685000,"likes":3}"#).unwrap();
        assert_eq!((m.source.as_str(), m.kind, m.likes), ("import", Kind::Post, 3));
        m.ensure_id();
        assert!(m.id.starts_with("import:"));
        let again = m.id.clone();
        m.ensure_id();
        assert_eq!(m.id, again);
        let err = serde_json::from_str::<Mention>(r#"{"text":"x","published_at":"2026-01-01","lkes":1}"#).unwrap_err();
        assert!(err.to_string().contains("unknown field `lkes`"), "{err}");
    }
}

// Text domains: product reviews, social posts, and news / Q&A read differently (a Weibo post's
// `[泪]` is a verdict, a review's 物流 is a topic, a headline's 发布 is no opinion at all); the
// sentiment stage keeps one weight per term and domain. A mention's domain comes from its kind,
// or from its source's `domain` setting, so the type lives with the mention.

/// How many domains there are: the length of every per-domain array.
pub const DOMAINS: usize = 4;

/// A text domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Domain {
    /// Product and shop reviews (the e-commerce corpus).
    #[default]
    Review,
    /// Social posts and comments (Weibo).
    Social,
    /// News, announcements, questions and answers: neutral unless evaluative words say otherwise.
    News,
    /// Hotel and lodging reviews (the hotel corpus): reviews whose 隔音, 前台 and 早餐 weigh as
    /// their own; chosen by a source's `domain = "hotel"`.
    Hotel,
}

impl Domain {
    pub const ALL: [Domain; DOMAINS] = [Domain::Review, Domain::Social, Domain::News, Domain::Hotel];

    /// The name used in files, parameters and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Domain::Review => "review",
            Domain::Social => "social",
            Domain::News => "news",
            Domain::Hotel => "hotel",
        }
    }

    /// What people read: 评价, 社交, 新闻问答, 酒店评价.
    pub fn label_zh(self) -> &'static str {
        match self {
            Domain::Review => "评价",
            Domain::Social => "社交",
            Domain::News => "新闻问答",
            Domain::Hotel => "酒店评价",
        }
    }

    /// Its position in per-domain arrays.
    #[inline]
    pub fn index(self) -> usize {
        self as usize
    }

    /// The domain whose offsets this one's build on: a hotel review is a review, so hotel texts
    /// read the shared weights plus the review and the hotel offsets, and count toward the
    /// review offsets when learning. Intercepts are each domain's own.
    pub fn parent(self) -> Option<Domain> {
        match self {
            Domain::Hotel => Some(Domain::Review),
            Domain::Review | Domain::Social | Domain::News => None,
        }
    }

    /// Whether this domain's texts count toward `other`'s offsets: it is `other` or its child.
    pub fn counts_toward(self, other: Domain) -> bool {
        self == other || self.parent() == Some(other)
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
            Domain::Hotel => "sentiment.hotel.tsv",
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
        Domain::ALL.into_iter().find(|d| d.name() == s.trim()).ok_or_else(|| {
            let names: Vec<&str> = Domain::ALL.iter().map(|d| d.name()).collect();
            let (last, rest) = names.split_last().expect("there are domains");
            format!("{s:?} is not a domain; expected {} or {last}", rest.join(", "))
        })
    }
}

#[cfg(test)]
mod domain_tests {
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
        assert!("weibo".parse::<Domain>().unwrap_err().contains("review, social, news or hotel"));
    }
}
