//! `yuqing.toml`: assembled from the settings each stage owns (`[text]` by `text`, `[sentiment]`
//! by `sentiment`, `[[watch]]` by `watch`, `[crawl]` by `crawl`, `[alerts]` and `[[channel]]` by
//! `alert`, `[digest]` by `digest`). The file is parsed raw (serde, unknown fields refused) and
//! each part validated by its stage; every error names the file and the field.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::alert::AlertRules;
use crate::alert::channels::{ChannelConfig, validate_channels};
use crate::crawl::CrawlConfig;
use crate::data_dir::DataDir;
use crate::digest::schedule::{DigestPlan, RawDigestConfig};
use crate::sentiment::SentimentConfig;
use crate::setting::Invalid;
use crate::text::TextConfig;
use crate::watch::{RawWatch, Watch, validate_watches};

/// The config file read when none is named and it exists in the working directory.
pub const DEFAULT_CONFIG_FILE: &str = "yuqing.toml";

/// What can be wrong with a config file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("config {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("config {path}: {invalid}")]
    Invalid { path: PathBuf, invalid: Invalid },
    #[error("config {path}, line {line}: watch {name:?}: {reason}")]
    Watch { path: PathBuf, line: usize, name: String, reason: String },
}

/// The whole configuration, validated.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub text: TextConfig,
    pub sentiment: SentimentConfig,
    /// The brands and competitors followed (`[[watch]]` tables).
    pub watches: Vec<Watch>,
    /// Where the index and the state live (`[data] dir`).
    pub data: DataDir,
    pub crawl: CrawlConfig,
    /// Where alerts are sent (`[[channel]]` tables).
    pub channels: Vec<ChannelConfig>,
    /// When a spike alerts (`[alerts]`).
    pub alerts: AlertRules,
    /// When `yuqing run` sends digests (`[digest]`); none without the table.
    pub digest: Option<DigestPlan>,
    /// The NATS cluster the roles of `yuqing run --role` share (`[cluster]`); none embedded.
    pub cluster: Option<crate::cluster::ClusterConfig>,
    /// How incidents are formed and reported (`[incidents]`).
    pub incidents: crate::incident::IncidentRules,
    /// Rule alerts (`[[rule]]` tables).
    pub rules: Vec<crate::incident::rules::RuleConfig>,
}

/// The file as written.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    text: TextConfig,
    #[serde(default)]
    sentiment: SentimentConfig,
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
    cluster: Option<crate::cluster::RawClusterConfig>,
    #[serde(default)]
    incidents: crate::incident::IncidentRules,
    #[serde(default)]
    rule: Vec<crate::incident::rules::RuleConfig>,
}

/// `[data]`.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawData {
    /// Where the index and the state live (default `./yuqing-data`), relative to the config file.
    dir: Option<PathBuf>,
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
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let mut message = e.to_string().trim_end().to_string();
            if message.contains("invalid unquoted key") {
                // TOML's bare keys are ASCII letters, digits, - and _: an aspect named in Chinese
                // is written "续航" = [...].
                message.push_str(
                    "\n(a key of other characters, Chinese ones too, needs quotes: \"续航\" = [\"续航\", \"待机\"])",
                );
            }
            ConfigError::Parse { path: path.into(), message }
        })?;
        let base = path.parent().unwrap_or(Path::new(""));
        let invalid = |invalid: Invalid| ConfigError::Invalid { path: path.into(), invalid };
        let RawConfig {
            text: mut text_config,
            mut sentiment,
            watch,
            data,
            mut crawl,
            channel,
            alerts,
            digest,
            cluster,
            incidents,
            rule,
        } = raw;
        text_config.validate(base).map_err(invalid)?;
        sentiment.validate(base).map_err(invalid)?;
        let watches = validate_watches(watch).map_err(|e| ConfigError::Watch {
            path: path.into(),
            line: text[..e.offset.min(text.len())].matches('\n').count() + 1,
            name: e.name,
            reason: e.reason,
        })?;
        crawl.validate(base).map_err(invalid)?;
        validate_channels(&channel).map_err(invalid)?;
        alerts.validate().map_err(invalid)?;
        let names: Vec<String> = watches.iter().map(|w| w.name.clone()).collect();
        let digest = digest.map(|d| d.validate(base, &names)).transpose().map_err(invalid)?;
        let cluster = cluster.map(crate::cluster::RawClusterConfig::validate).transpose().map_err(invalid)?;
        incidents.validate().map_err(invalid)?;
        crate::incident::rules::validate_rules(&rule, &names).map_err(invalid)?;
        Ok(Config {
            text: text_config,
            sentiment,
            watches,
            data: data.dir.map_or_else(DataDir::default, |d| DataDir::new(base.join(d))),
            crawl,
            channels: channel,
            alerts,
            digest,
            cluster,
            incidents,
            rules: rule,
        })
    }

    /// Where digests go: `[digest] dir`, else `<data>/digests`.
    pub fn digests_dir(&self) -> PathBuf {
        self.digest.as_ref().and_then(|d| d.dir.clone()).unwrap_or_else(|| self.data.digests())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every ```toml block of README.md is what a user pastes into `yuqing.toml`: each must parse
    /// as the config file does (TOML syntax and every key known; an unquoted 续航 = […] had
    /// slipped through).
    #[test]
    fn the_readme_config_examples_parse() {
        let mut blocks = 0;
        for block in include_str!("../README.md").split("```toml\n").skip(1) {
            let block = block.split("```").next().unwrap();
            if let Err(e) = toml::from_str::<RawConfig>(block) {
                panic!("README.md: a config example does not parse: {e}\n{block}");
            }
            blocks += 1;
        }
        assert!(blocks >= 7, "the examples were found: {blocks}");
    }

    #[test]
    fn an_unquoted_chinese_key_is_explained() {
        let err =
            Config::parse("[sentiment.aspects]\n续航 = [\"续航\"]\n", Path::new("y.toml")).unwrap_err().to_string();
        assert!(err.contains("line 2") && err.contains("needs quotes"), "{err}");
    }

    #[test]
    fn defaults_when_sections_are_absent() {
        let c = Config::parse("", Path::new("yuqing.toml")).unwrap();
        assert!(c.text.hmm);
        assert_eq!(c.sentiment.neutral_band, crate::sentiment::config::default_neutral_band());
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
        let err = Config::parse("[cluster]\nlease_secs = 1\n", Path::new("y.toml")).unwrap_err();
        assert_eq!(err.to_string(), "config y.toml: cluster.lease_secs: must be at least 3");
        assert!(Config::parse("", Path::new("y.toml")).unwrap().cluster.is_none(), "embedded unless configured");
        let c = Config::parse("[alerts]\nbucket = \"day\"\nmin_count = 20\n", Path::new("y.toml")).unwrap();
        assert_eq!((c.alerts.bucket.per_day(), c.alerts.min_count, c.alerts.history_days), (1, 20, 28));
    }
}
