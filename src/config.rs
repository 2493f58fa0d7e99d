//! `yuqing.toml`: parsed raw (serde, unknown fields refused) and then validated into typed
//! values, every error naming the file and the field.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::alert::AlertRules;
use crate::alert::channels::ChannelConfig;
use crate::digest::schedule::{DigestPlan, RawDigestConfig};
use crate::sentiment::score::default_neutral_band;
use crate::text::normalize;
use crate::watch::Watch;

/// The config file read when none is named and it exists in the working directory.
pub const DEFAULT_CONFIG_FILE: &str = "yuqing.toml";

/// What can be wrong with a config file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("config {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("config {path}: {field}: {reason}")]
    Invalid { path: PathBuf, field: &'static str, reason: String },
    #[error("config {path}, line {line}: watch {name:?}: {reason}")]
    Watch { path: PathBuf, line: usize, name: String, reason: String },
}

/// The whole configuration, validated.
#[derive(Debug, Clone)]
pub struct Config {
    pub text: TextConfig,
    pub sentiment: SentimentConfig,
    /// The brands and competitors followed (`[[watch]]` tables).
    pub watches: Vec<Watch>,
    /// Where the index and the crawl state live.
    pub data_dir: PathBuf,
    pub crawl: CrawlConfig,
    /// Where alerts are sent (`[[channel]]` tables).
    pub channels: Vec<ChannelConfig>,
    /// When a spike alerts (`[alerts]`).
    pub alerts: AlertRules,
    /// When `yuqing run` sends digests (`[digest]`); none without the table.
    pub digest: Option<DigestPlan>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            text: TextConfig::default(),
            sentiment: SentimentConfig::default(),
            watches: Vec::new(),
            data_dir: PathBuf::from(DEFAULT_DATA_DIR),
            crawl: CrawlConfig::default(),
            channels: Vec::new(),
            alerts: AlertRules::default(),
            digest: None,
        }
    }
}

/// How the crawler fetches (`[crawl]`); sources may override the politeness settings.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrawlConfig {
    /// Directory of source definitions (`*.toml`), relative to the config file.
    #[serde(default = "default_sources_dir")]
    pub sources_dir: PathBuf,
    /// The User-Agent sent to every site.
    #[serde(default = "default_user_agent")]
    pub user_agent: String,
    /// Obey robots.txt (sources may turn it off for APIs they are allowed to use).
    #[serde(default = "default_true")]
    pub respect_robots: bool,
    /// Seconds allowed to open a connection.
    #[serde(default = "default_connect_timeout_secs")]
    pub connect_timeout_secs: u64,
    /// Seconds allowed for a whole request, body included.
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
    /// Larger responses are refused.
    #[serde(default = "default_max_body_bytes")]
    pub max_body_bytes: u64,
    /// More redirects than this is an error (a redirect loop).
    #[serde(default = "default_max_redirects")]
    pub max_redirects: usize,
    /// Least milliseconds between two requests to one host.
    #[serde(default = "default_delay_ms")]
    pub delay_ms: u64,
    /// Most requests in flight to one host.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// Retries after a timeout, a connection error, 429 or 5xx.
    #[serde(default = "default_retries")]
    pub retries: u32,
    /// The first retry waits about this long; each next one twice as long, with jitter.
    #[serde(default = "default_retry_base_ms")]
    pub retry_base_ms: u64,
    /// A Retry-After longer than this many seconds ends the attempt instead of waiting.
    #[serde(default = "default_max_retry_after_secs")]
    pub max_retry_after_secs: u64,
    /// Commit the index (and then the crawl state) after this many new mentions.
    #[serde(default = "default_commit_every")]
    pub commit_every: usize,
    /// Also commit, as the next page arrives, once the oldest uncommitted mention has waited
    /// this many seconds (so that a long crawl's mentions reach search and alerts).
    #[serde(default = "default_commit_secs")]
    pub commit_secs: u64,
}

impl Default for CrawlConfig {
    fn default() -> Self {
        toml::from_str("").expect("crawl defaults")
    }
}

fn default_sources_dir() -> PathBuf {
    PathBuf::from("sources")
}

fn default_user_agent() -> String {
    concat!("yuqing/", env!("CARGO_PKG_VERSION"), " (brand monitoring; +https://github.com/yuqing/yuqing)").to_string()
}

const fn default_true() -> bool {
    true
}

const fn default_connect_timeout_secs() -> u64 {
    10
}

const fn default_timeout_secs() -> u64 {
    30
}

const fn default_max_body_bytes() -> u64 {
    8 << 20
}

const fn default_max_redirects() -> usize {
    5
}

const fn default_delay_ms() -> u64 {
    1000
}

const fn default_concurrency() -> usize {
    2
}

const fn default_retries() -> u32 {
    3
}

const fn default_retry_base_ms() -> u64 {
    500
}

const fn default_max_retry_after_secs() -> u64 {
    120
}

const fn default_commit_secs() -> u64 {
    30
}

const fn default_commit_every() -> usize {
    20_000
}

/// The data directory unless configured.
pub const DEFAULT_DATA_DIR: &str = "yuqing-data";

/// Settings of the text stage.
#[derive(Debug, Clone)]
pub struct TextConfig {
    /// Let jieba guess words that are in no dictionary (HMM).
    pub hmm: bool,
    /// Extra dictionaries in jieba's format (`word [freq] [tag]`), after `lexicons/user_dict.txt`.
    pub user_dicts: Vec<PathBuf>,
}

impl Default for TextConfig {
    fn default() -> Self {
        TextConfig { hmm: default_hmm(), user_dicts: Vec::new() }
    }
}

/// Settings of the sentiment stage.
#[derive(Debug, Clone)]
pub struct SentimentConfig {
    /// A directory of lexicon files to use instead of the built-in ones.
    pub lexicon_dir: Option<PathBuf>,
    /// Scores within ±this of 0 are labeled neutral.
    pub neutral_band: f32,
}

impl Default for SentimentConfig {
    fn default() -> Self {
        SentimentConfig { lexicon_dir: None, neutral_band: default_neutral_band() }
    }
}

const fn default_hmm() -> bool {
    true
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    text: RawText,
    #[serde(default)]
    sentiment: RawSentiment,
    #[serde(default)]
    watch: Vec<RawWatch>,
    #[serde(default)]
    data: RawData,
    #[serde(default)]
    crawl: CrawlConfig,
    #[serde(default)]
    channel: Vec<ChannelConfig>,
    #[serde(default)]
    alerts: AlertRules,
    digest: Option<RawDigestConfig>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawData {
    /// Where the index lives (default `./yuqing-data`).
    dir: Option<PathBuf>,
}

/// One `[[watch]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWatch {
    /// The watch's name; also its first alias.
    name: toml::Spanned<String>,
    /// Other names the brand goes by.
    #[serde(default)]
    aliases: Vec<String>,
    /// When given, one of these must occur too.
    #[serde(default)]
    required: Vec<String>,
    /// Alias occurrences inside one of these do not count.
    #[serde(default)]
    excluded: Vec<String>,
    /// Competitor group, for share of voice.
    group: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawText {
    #[serde(default = "default_hmm")]
    hmm: bool,
    #[serde(default)]
    user_dicts: Vec<PathBuf>,
}

impl Default for RawText {
    fn default() -> Self {
        RawText { hmm: default_hmm(), user_dicts: Vec::new() }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSentiment {
    lexicon_dir: Option<PathBuf>,
    #[serde(default = "default_neutral_band")]
    neutral_band: f32,
}

impl Default for RawSentiment {
    fn default() -> Self {
        RawSentiment { lexicon_dir: None, neutral_band: default_neutral_band() }
    }
}

impl Config {
    /// Reads and validates `path`. Relative paths in it are taken from the file's directory.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.into(), source })?;
        Config::parse(&text, path)
    }

    /// Reads `path` when given, else `yuqing.toml` when it exists, else the defaults.
    pub fn load_or_default(path: Option<&Path>) -> Result<Config, ConfigError> {
        match path {
            Some(p) => Config::load(p),
            None if Path::new(DEFAULT_CONFIG_FILE).exists() => Config::load(Path::new(DEFAULT_CONFIG_FILE)),
            None => Ok(Config::default()),
        }
    }

    /// Parses and validates config text; `path` names it in errors and anchors relative paths.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text)
            .map_err(|e| ConfigError::Parse { path: path.into(), message: e.to_string().trim_end().to_string() })?;
        let base = path.parent().unwrap_or(Path::new(""));
        let invalid = |field, reason: String| ConfigError::Invalid { path: path.into(), field, reason };
        let user_dicts: Vec<PathBuf> = raw.text.user_dicts.iter().map(|p| base.join(p)).collect();
        if let Some(missing) = user_dicts.iter().find(|p| !p.is_file()) {
            return Err(invalid("text.user_dicts", format!("{} is not a readable file", missing.display())));
        }
        let lexicon_dir = raw.sentiment.lexicon_dir.map(|p| base.join(p));
        if let Some(dir) = lexicon_dir.as_ref().filter(|d| !d.is_dir()) {
            return Err(invalid("sentiment.lexicon_dir", format!("{} is not a directory", dir.display())));
        }
        let band = raw.sentiment.neutral_band;
        if !(0.0..1.0).contains(&band) {
            return Err(invalid("sentiment.neutral_band", format!("must be at least 0 and below 1, is {band}")));
        }
        let watches = validate_watches(raw.watch, text, path)?;
        let mut crawl = raw.crawl;
        crawl.sources_dir = base.join(&crawl.sources_dir);
        for (field, zero) in [
            ("crawl.timeout_secs", crawl.timeout_secs == 0),
            ("crawl.connect_timeout_secs", crawl.connect_timeout_secs == 0),
            ("crawl.max_body_bytes", crawl.max_body_bytes == 0),
            ("crawl.concurrency", crawl.concurrency == 0),
            ("crawl.commit_every", crawl.commit_every == 0),
            ("crawl.commit_secs", crawl.commit_secs == 0),
        ] {
            if zero {
                return Err(invalid(field, "must be at least 1".into()));
            }
        }
        let mut names = Vec::new();
        for c in &raw.channel {
            let name = c.display_name();
            if names.contains(&name) {
                return Err(invalid("channel", format!("two channels are named {name:?}: give them distinct `name`s")));
            }
            c.validate().map_err(|reason| invalid("channel", format!("{name}: {reason}")))?;
            names.push(name);
        }
        raw.alerts.check().map_err(|(field, reason)| invalid(field, reason))?;
        let digest = match raw.digest {
            None => None,
            Some(d) => {
                let schedule = crate::source::parse_schedule(&d.schedule).map_err(|r| invalid("digest.schedule", r))?;
                if let Some(w) = d.watches.iter().find(|w| !watches.iter().any(|x| &x.name == *w)) {
                    return Err(invalid("digest.watches", format!("{w:?} is not a [[watch]] name")));
                }
                if let Some(link) = &d.link_base {
                    reqwest::Url::parse(link).map_err(|e| invalid("digest.link_base", format!("not a URL: {e}")))?;
                }
                let names =
                    if d.watches.is_empty() { watches.iter().map(|w| w.name.clone()).collect() } else { d.watches };
                Some(DigestPlan { schedule, watches: names, dir: d.dir.map(|p| base.join(p)), link_base: d.link_base })
            }
        };
        if reqwest::header::HeaderValue::from_str(&crawl.user_agent).is_err() {
            return Err(invalid("crawl.user_agent", "is not a valid header value".into()));
        }
        Ok(Config {
            text: TextConfig { hmm: raw.text.hmm, user_dicts },
            sentiment: SentimentConfig { lexicon_dir, neutral_band: band },
            watches,
            data_dir: raw.data.dir.map_or_else(|| PathBuf::from(DEFAULT_DATA_DIR), |d| base.join(d)),
            crawl,
            channels: raw.channel,
            alerts: raw.alerts,
            digest,
        })
    }
}

fn validate_watches(raw: Vec<RawWatch>, text: &str, path: &Path) -> Result<Vec<Watch>, ConfigError> {
    let mut watches: Vec<Watch> = Vec::new();
    for w in raw {
        let line = text[..w.name.span().start].matches('\n').count() + 1;
        let name = w.name.into_inner();
        let fail = |reason: String| ConfigError::Watch { path: path.into(), line, name: name.clone(), reason };
        if normalize(&name).is_empty() {
            return Err(fail("name is empty".into()));
        }
        if watches.iter().any(|x| x.name == name) {
            return Err(fail("another watch has this name".into()));
        }
        for (field, list) in [("aliases", &w.aliases), ("required", &w.required), ("excluded", &w.excluded)] {
            if list.iter().any(|t| normalize(t).is_empty()) {
                return Err(fail(format!("{field} has an empty term")));
            }
        }
        if w.group.as_deref().is_some_and(|g| g.trim().is_empty()) {
            return Err(fail("group is empty".into()));
        }
        let mut aliases = vec![name.clone()];
        aliases.extend(w.aliases.into_iter().filter(|a| *a != name));
        watches.push(Watch { name, aliases, required: w.required, excluded: w.excluded, group: w.group });
    }
    Ok(watches)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_when_sections_are_absent() {
        let c = Config::parse("", Path::new("yuqing.toml")).unwrap();
        assert!(c.text.hmm);
        assert_eq!(c.sentiment.neutral_band, default_neutral_band());
        assert_eq!(c.crawl, CrawlConfig::default());
        assert_eq!(c.crawl.delay_ms, 1000);
    }

    #[test]
    fn unknown_field_is_named_with_its_line() {
        let err = Config::parse("[text]\nhmm = true\nuser_dict = []\n", Path::new("conf/y.toml")).unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("config conf/y.toml:"), "{msg}");
        assert!(msg.contains("line 3"), "{msg}");
        assert!(msg.contains("unknown field `user_dict`"), "{msg}");
    }

    #[test]
    fn watches_are_read_with_their_aliases() {
        let c = Config::parse(
            "[[watch]]\nname = \"华为\"\naliases = [\"HUAWEI\", \"华子\"]\ngroup = \"phones\"\n\n[[watch]]\nname = \"小米\"\nexcluded = [\"小米粥\"]\n",
            Path::new("y.toml"),
        )
        .unwrap();
        assert_eq!(c.watches.len(), 2);
        assert_eq!(c.watches[0].aliases, vec!["华为", "HUAWEI", "华子"]);
        assert_eq!(c.watches[0].group.as_deref(), Some("phones"));
        assert_eq!(c.watches[1].excluded, vec!["小米粥"]);
    }

    #[test]
    fn bad_watches_are_named_with_their_line() {
        let err = Config::parse("[[watch]]\nname = \"华为\"\n\n[[watch]]\nname = \"华为\"\n", Path::new("y.toml"))
            .unwrap_err();
        assert_eq!(err.to_string(), "config y.toml, line 5: watch \"华为\": another watch has this name");
        let err = Config::parse("[[watch]]\nname = \"小米\"\nexcluded = [\" \"]\n", Path::new("y.toml")).unwrap_err();
        assert_eq!(err.to_string(), "config y.toml, line 2: watch \"小米\": excluded has an empty term");
        let err = Config::parse("[[watch]]\nname = \"小米\"\nalias = [\"mi\"]\n", Path::new("y.toml")).unwrap_err();
        assert!(err.to_string().contains("unknown field `alias`"), "{err}");
    }

    #[test]
    fn invalid_values_name_the_field() {
        let err = Config::parse("[sentiment]\nneutral_band = 1.5\n", Path::new("y.toml")).unwrap_err();
        assert_eq!(err.to_string(), "config y.toml: sentiment.neutral_band: must be at least 0 and below 1, is 1.5");
        let err = Config::parse("[text]\nuser_dicts = [\"nope.txt\"]\n", Path::new("/tmp/x/y.toml")).unwrap_err();
        assert_eq!(err.to_string(), "config /tmp/x/y.toml: text.user_dicts: /tmp/x/nope.txt is not a readable file");
        let err = Config::parse("[[channel]]\nkind = \"dingtalk\"\n", Path::new("y.toml")).unwrap_err();
        assert!(err.to_string().contains("channel: dingtalk: url_env names the variable"), "{err}");
        let err = Config::parse("[[channel]]\nkind = \"pager\"\n", Path::new("y.toml")).unwrap_err();
        assert!(err.to_string().contains("unknown variant `pager`"), "{err}");
        let err = Config::parse("[crawl]\nconcurrency = 0\n", Path::new("y.toml")).unwrap_err();
        assert_eq!(err.to_string(), "config y.toml: crawl.concurrency: must be at least 1");
        let err =
            Config::parse("[[channel]]\nkind = \"email\"\nurl_env = \"SMTP\"\n", Path::new("y.toml")).unwrap_err();
        assert!(err.to_string().contains("channel: email: e-mail needs `from` and `to`"), "{err}");
        let err = Config::parse("[alerts]\nwarning_p = 2\n", Path::new("y.toml")).unwrap_err();
        assert_eq!(err.to_string(), "config y.toml: alerts.warning_p: must be between 0 and 1, is 2");
        let err = Config::parse("[alerts]\nbucket = \"week\"\n", Path::new("y.toml")).unwrap_err();
        assert!(err.to_string().contains("unknown variant `week`"), "{err}");
        let c = Config::parse("[alerts]\nbucket = \"day\"\nmin_count = 20\n", Path::new("y.toml")).unwrap();
        assert_eq!((c.alerts.detector().buckets_per_day, c.alerts.min_count, c.alerts.history_days), (1, 20, 28));
    }
}
