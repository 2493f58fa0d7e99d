//! Text domains: product reviews, social posts, and news / Q&A read differently (a Weibo post's
//! `[泪]` is a verdict, a review's 物流 is a topic, a headline's 发布 is no opinion at all), so the
//! lexicon holds one weight per term and domain: a shared weight plus a per-domain offset, learned
//! together (a domain with little data borrows the shared part). The type is the mention's
//! ([`crate::mention::Domain`]: a mention's domain follows its kind or its source's setting).

pub use crate::mention::{DOMAINS, Domain};
