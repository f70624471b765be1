//! Evaluate: payer policy profiles, and each criterion judged met, not met or
//! missing from the intake and its derived facts, with evidence and a hint.

mod compare;
mod judge;
mod rules;
mod select;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::assess::Facts;
use crate::date::Date;
use crate::intake::{Indication, Instrument, Intake, RequestKind, Therapy};

pub use compare::{OtherReading, other_readings};
pub use judge::{
    against_threshold, describe_trial, frequency_words, modality_words, outcome_label, pain_category_words,
};
pub use rules::Rule;
pub use select::{PolicyError, resolve, select};

/// A payer policy profile: the criteria one published policy applies.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyProfile {
    /// Short id, used with `--policy` and `request.policy`.
    pub id: String,
    /// Title shown on the checklist.
    pub title: String,
    /// The therapy the profile covers.
    pub therapy: Therapy,
    /// The indications it covers.
    pub indications: Vec<Indication>,
    /// Whether this profile is the bundled default for its therapy and indications.
    #[serde(default)]
    pub default: bool,
    /// The published policy it models.
    pub source: PolicySource,
    /// Criteria for an initial request (and an appeal of one).
    pub criteria: Vec<Criterion>,
    /// Criteria for a continuation; when absent, `criteria` apply.
    pub continuation_criteria: Option<Vec<Criterion>>,
    /// How long an approval usually lasts, as the policy states it.
    pub authorization_period: Option<String>,
}

/// The published policy a profile models.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySource {
    /// The policy's name or number.
    pub name: String,
    /// Where it was read (an address), when public.
    pub url: Option<String>,
    /// The date the profile was checked against the policy.
    pub as_of: Date,
    /// How sure the profile is of the policy's wording ([V], [K], [U] as in domain.md).
    pub note: Option<String>,
}

/// One criterion of a policy.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    /// Stable id (`age`, `diagnosis`, `failed-trials`, ...).
    pub id: String,
    /// The wording shown on the checklist.
    pub text: String,
    /// The rule that decides it.
    pub rule: Rule,
}

/// The verdict on one criterion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// The intake shows the criterion is met.
    Met,
    /// The intake shows the criterion is not met.
    NotMet,
    /// The intake does not say.
    Missing,
}

impl Status {
    /// The word shown on the checklist.
    pub fn label(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::NotMet => "not met",
            Status::Missing => "missing",
        }
    }
}

/// One criterion judged.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    /// The criterion's id.
    pub id: String,
    /// Its wording.
    pub text: String,
    /// The verdict.
    pub status: Status,
    /// The trials, scores or fields that decided it.
    pub evidence: Vec<String>,
    /// What was looked at but did not count, and why.
    pub notes: Vec<String>,
    /// What would satisfy it, when it is not met.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// A whole profile judged.
#[derive(Clone, Debug, Serialize)]
pub struct Evaluation {
    /// The profile's id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// The policy it models.
    pub source: PolicySource,
    /// The profile is more than a year older than the request.
    pub stale: bool,
    /// Usual approval length.
    pub authorization_period: Option<String>,
    /// Met only when every criterion is met.
    pub overall: Status,
    /// Every criterion, in the profile's order.
    pub criteria: Vec<Finding>,
}

/// The inputs every rule reads.
pub struct Subject<'a> {
    /// The intake.
    pub intake: &'a Intake,
    /// Its derived facts.
    pub facts: &'a Facts,
}

/// Judges every criterion of `profile` that applies to the request kind.
pub fn evaluate(profile: &PolicyProfile, intake: &Intake, facts: &Facts) -> Evaluation {
    let subject = Subject { intake, facts };
    let criteria = match (&intake.request.kind, &profile.continuation_criteria) {
        (RequestKind::Continuation, Some(c)) => c,
        _ => &profile.criteria,
    };
    let findings: Vec<Finding> = criteria
        .iter()
        .map(|c| {
            let outcome = c.rule.judge(&subject);
            Finding {
                id: c.id.clone(),
                text: c.text.clone(),
                status: outcome.status,
                evidence: outcome.evidence,
                notes: outcome.notes,
                hint: outcome.hint,
            }
        })
        .collect();
    let overall = combine_all(findings.iter().map(|f| f.status));
    Evaluation {
        id: profile.id.clone(),
        title: profile.title.clone(),
        source: profile.source.clone(),
        stale: profile.source.as_of.add_months(12) < intake.request.date,
        authorization_period: profile.authorization_period.clone(),
        overall,
        criteria: findings,
    }
}

/// All must hold: not met wins, then missing.
pub(crate) fn combine_all(statuses: impl IntoIterator<Item = Status>) -> Status {
    statuses.into_iter().fold(Status::Met, |acc, s| match (acc, s) {
        (Status::NotMet, _) | (_, Status::NotMet) => Status::NotMet,
        (Status::Missing, _) | (_, Status::Missing) => Status::Missing,
        _ => Status::Met,
    })
}

/// One must hold: met wins, then missing.
pub(crate) fn combine_any(statuses: impl IntoIterator<Item = Status>) -> Status {
    statuses.into_iter().fold(Status::NotMet, |acc, s| match (acc, s) {
        (Status::Met, _) | (_, Status::Met) => Status::Met,
        (Status::Missing, _) | (_, Status::Missing) => Status::Missing,
        _ => Status::NotMet,
    })
}

/// Parses one policy profile with the intake's loader: the same strictness,
/// every problem with its path, line and column.
pub fn parse_profile(text: &str) -> Result<PolicyProfile, Vec<crate::diag::Diagnostic>> {
    crate::yaml::from_str::<PolicyProfile>(text, crate::yaml::DATES).map(|(profile, _)| profile)
}

/// A set of profiles by id.
#[derive(Clone, Debug, Default)]
pub struct PolicySet {
    /// Profiles by id.
    pub profiles: BTreeMap<String, Arc<PolicyProfile>>,
}

impl PolicySet {
    /// The bundled profiles: the pack's default `policies/*.yaml`.
    pub fn bundled() -> PolicySet {
        let mut set = PolicySet::default();
        for (name, text) in crate::pack::DEFAULTS.iter().filter(|(p, _)| p.starts_with("policies/")) {
            let profile =
                parse_profile(text).unwrap_or_else(|d| panic!("bundled policy {name} parses (tested): {d:?}"));
            set.insert(profile);
        }
        set
    }

    /// Adds a profile, replacing one with the same id.
    pub fn insert(&mut self, profile: PolicyProfile) {
        self.profiles.insert(profile.id.clone(), Arc::new(profile));
    }

    /// The default profile for a therapy and indication.
    pub fn default_for(&self, therapy: Therapy, indication: Indication) -> Option<&Arc<PolicyProfile>> {
        self.profiles.values().find(|p| p.default && p.therapy == therapy && p.indications.contains(&indication))
    }

    /// The ids, sorted.
    pub fn ids(&self) -> Vec<&str> {
        self.profiles.keys().map(String::as_str).collect()
    }
}

/// The kebab-case word serde writes for an enumeration value.
pub fn serde_label<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// An instrument's score threshold, as policies write them.
pub type Thresholds = BTreeMap<Instrument, u32>;

#[cfg(test)]
mod tests;
