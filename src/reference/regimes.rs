//! Appeal regimes: the rules a patient's own plan follows when it denies a
//! request (ERISA, fully insured employer plans, the ACA marketplace, Medicare
//! Advantage, Part D, traditional Medicare, Medicaid managed care and
//! fee-for-service), from `src/data/appeal-rules.yaml`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::intake::{AppealLevel, Funding, PlanType};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[allow(dead_code)]
    source: String,
    #[allow(dead_code)]
    as_of: Date,
    regimes: Vec<Regime>,
    crisis: Crisis,
}

/// One set of appeal rules.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Regime {
    /// Short id (`erisa-self-funded`, `medicare-advantage`, ...).
    pub id: String,
    /// The kind of plan, in words.
    pub name: String,
    /// The rules that govern its appeals.
    pub law: String,
    /// Which plans follow it.
    pub plans: Plans,
    /// Each appeal level's step, by `appeal.level`.
    pub steps: BTreeMap<String, Step>,
    /// How long the member has to file the first appeal.
    pub file_within: Window,
    /// Days the plan has to decide.
    pub decision_days: DecisionDays,
    /// The decision timelines in words.
    pub decision: String,
    /// Independent external review, where the regime has it (not Medicare or Medicaid).
    pub external_review: Option<ExternalReview>,
    /// What happens after the plan upholds a denial, in plain words for the patient.
    pub after_upheld: String,
    /// What an appeal letter may ask for.
    pub requests: Requests,
    /// Who may file.
    pub filing: Filing,
    /// How urgency is decided.
    pub urgency: UrgencyRule,
    /// Where the patient gets help.
    pub help: Vec<Help>,
    /// Keeping benefits during the appeal, where the rules allow it.
    pub continued_benefits: Option<String>,
    /// Where the figures come from.
    pub source: String,
}

/// The plans a regime applies to.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Plans {
    /// Plan types.
    pub types: Vec<PlanType>,
    /// Funding, when it decides (employer plans).
    pub funding: Option<Vec<Funding>>,
}

/// One appeal step.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Its name: `reconsideration`, `internal appeal`.
    pub name: String,
    /// Its level, in words.
    pub level: String,
}

/// A filing window.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    /// Calendar days.
    pub days: Option<i64>,
    /// Calendar months.
    pub months: Option<i32>,
    /// What the window counts from.
    pub from: Basis,
}

/// What a window counts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Basis {
    /// The date printed on the notice.
    Notice,
    /// The day the notice was received (the notice date when not known).
    Receipt,
}

/// Decision times in days.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionDays {
    /// Standard review.
    pub standard: i64,
    /// Expedited review.
    pub expedited: i64,
    /// A Part B drug, where the rules set it apart.
    pub part_b_drug: Option<i64>,
}

/// External review.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalReview {
    /// Its name.
    pub name: String,
    /// The rule that gives it.
    pub law: String,
    /// How long the member has to ask for it after the final internal denial.
    pub file_within: Window,
    /// Days the reviewer has to decide.
    pub decision_days: DecisionDays,
    /// Whether an expedited external review may run with an expedited internal appeal.
    pub concurrent_expedited: bool,
    /// Where the figures come from.
    pub source: String,
}

/// What an appeal letter may ask for, each as the letter words it.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Requests {
    /// The claim or case file and the criteria.
    pub claim_file: String,
    /// The reviewers' qualifications.
    pub reviewers: Option<String>,
    /// A peer-to-peer discussion.
    pub peer_to_peer: Option<String>,
    /// Whether the MHPAEA comparative analysis may be asked (parity law applies).
    pub parity: bool,
    /// Notice of the next review's rights.
    pub external_review_notice: Option<String>,
}

/// Who may file.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Filing {
    /// Whether and how a provider may file: guidance for the clinic.
    pub provider: String,
    /// What a provider's letter may say to the plan about its right to file,
    /// where the provider files in its own right: first person, with its citation.
    pub standing: Option<String>,
    /// What a representative who is not the provider needs.
    pub representative_form: String,
}

/// How urgency is decided.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UrgencyRule {
    /// Whether the treating physician's statement decides it.
    pub physician_decides: bool,
    /// The rule, in words with its citation.
    pub rule: String,
    /// Whether an expedited appeal may be asked by phone.
    pub by_phone: bool,
    /// That rule, in words.
    pub phone_rule: Option<String>,
    /// How fast an expedited appeal is decided.
    pub decision: String,
    /// How fast an expedited request (before any denial) is decided, where the sources give it.
    pub request_decision: Option<String>,
}

/// Where a patient gets help.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Help {
    /// Who.
    pub name: String,
    /// Their phone.
    pub phone: Option<String>,
    /// Their web address.
    pub web: Option<String>,
    /// Where that comes from.
    pub source: String,
}

/// The crisis line.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Crisis {
    /// Its name.
    pub name: String,
    /// How to reach it.
    pub how: String,
    /// Where that comes from.
    pub source: String,
}

fn file() -> &'static RulesFile {
    static DATA: OnceLock<RulesFile> = OnceLock::new();
    DATA.get_or_init(|| crate::yaml::bundled("appeal-rules.yaml", include_str!("../data/appeal-rules.yaml")))
}

/// Every regime.
pub fn regimes() -> &'static [Regime] {
    &file().regimes
}

/// The crisis line.
pub fn crisis() -> &'static Crisis {
    &file().crisis
}

/// The regime a plan follows, from its type and funding; `None` when it cannot be told.
pub fn regime_for(plan_type: Option<PlanType>, funding: Option<Funding>) -> Option<&'static Regime> {
    let plan_type = plan_type?;
    regimes().iter().find(|r| {
        r.plans.types.contains(&plan_type)
            && match &r.plans.funding {
                None => true,
                Some(f) => funding.is_some_and(|x| f.contains(&x)),
            }
    })
}

impl Regime {
    /// The step for an appeal level.
    pub fn step(&self, level: AppealLevel) -> &Step {
        let key = crate::policy::serde_label(&level);
        self.steps.get(&key).unwrap_or_else(|| &self.steps["first-internal"])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_plan_finds_its_regime_and_medicare_asks_no_parity() {
        use Funding::*;
        use PlanType::*;
        let id = |t, f| regime_for(Some(t), f).map(|r| r.id.as_str());
        assert_eq!(id(Ppo, Some(SelfFunded)), Some("erisa-self-funded"));
        assert_eq!(id(Hmo, Some(FullyInsured)), Some("employer-fully-insured"));
        assert_eq!(id(Ppo, Some(Unknown)), None, "an employer plan's funding decides; unknown is unknown");
        assert_eq!(id(Marketplace, None), Some("aca-marketplace"));
        assert_eq!(id(MedicareAdvantage, Some(Government)), Some("medicare-advantage"));
        assert_eq!(id(MedicarePartD, None), Some("medicare-part-d"));
        assert_eq!(id(Medicare, None), Some("medicare"));
        assert_eq!(id(MedicaidManagedCare, None), Some("medicaid-managed-care"));
        assert_eq!(id(Medicaid, None), Some("medicaid"));
        for r in regimes() {
            assert!(r.steps.contains_key("first-internal"), "{}", r.id);
            let medicare = r.id.starts_with("medicare");
            assert_eq!(r.requests.parity, !medicare && !r.id.starts_with("medicaid"), "{}: parity", r.id);
            assert!(!r.help.is_empty(), "{}: help", r.id);
        }
        assert!(crisis().how.contains("988"));
    }
}
