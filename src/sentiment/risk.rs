//! Risk categories from e-commerce risk management (DESIGN.md): which a mention speaks of,
//! decided from the term lists in `lexicons/risks.tsv`.

use std::fmt;
use std::str::FromStr;

/// A risk category. The names are the ones used in files, JSON and the CLI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskCategory {
    /// Product quality and safety: defects, fire, poisoning, allergy.
    Quality,
    /// Counterfeit and IP: 假货, 山寨.
    Counterfeit,
    /// False advertising and price: 虚假宣传, 价格欺诈.
    Advertising,
    /// Logistics: slow, lost, damaged parcels.
    Logistics,
    /// After-sales and service: 退款, 客服, 售后.
    Service,
    /// Privacy and data leaks: 泄露, 骚扰电话.
    Privacy,
    /// Fraud and payment: 诈骗, 盗刷.
    Fraud,
    /// Legal and regulatory: 投诉, 12315, 起诉, 召回, 曝光.
    Legal,
}

impl RiskCategory {
    pub const ALL: [RiskCategory; 8] = [
        RiskCategory::Quality,
        RiskCategory::Counterfeit,
        RiskCategory::Advertising,
        RiskCategory::Logistics,
        RiskCategory::Service,
        RiskCategory::Privacy,
        RiskCategory::Fraud,
        RiskCategory::Legal,
    ];

    /// The name used in files and output.
    pub fn name(self) -> &'static str {
        match self {
            RiskCategory::Quality => "quality",
            RiskCategory::Counterfeit => "counterfeit",
            RiskCategory::Advertising => "advertising",
            RiskCategory::Logistics => "logistics",
            RiskCategory::Service => "service",
            RiskCategory::Privacy => "privacy",
            RiskCategory::Fraud => "fraud",
            RiskCategory::Legal => "legal",
        }
    }

    /// A Chinese label for reports.
    pub fn label_zh(self) -> &'static str {
        match self {
            RiskCategory::Quality => "质量安全",
            RiskCategory::Counterfeit => "假冒侵权",
            RiskCategory::Advertising => "虚假宣传与价格",
            RiskCategory::Logistics => "物流",
            RiskCategory::Service => "售后服务",
            RiskCategory::Privacy => "隐私泄露",
            RiskCategory::Fraud => "诈骗支付",
            RiskCategory::Legal => "法律监管",
        }
    }
}

impl fmt::Display for RiskCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for RiskCategory {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        RiskCategory::ALL.into_iter().find(|c| c.name() == s).ok_or_else(|| {
            let names: Vec<_> = RiskCategory::ALL.iter().map(|c| c.name()).collect();
            format!("unknown risk category {s:?}; expected one of {}", names.join(", "))
        })
    }
}

/// When a risk term counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RiskMode {
    /// Whenever it appears (起火, 诈骗, 12315).
    Always,
    /// Only in a sentence that reads negative (客服, 退款, 物流 are neutral topics otherwise).
    Negative,
}

impl FromStr for RiskMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "always" => Ok(RiskMode::Always),
            "negative" => Ok(RiskMode::Negative),
            _ => Err(format!("unknown risk mode {s:?}; expected always or negative")),
        }
    }
}

/// A risk found in a text, with the terms that signalled it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RiskHit {
    pub category: RiskCategory,
    pub terms: Vec<String>,
}
