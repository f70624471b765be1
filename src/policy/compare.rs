//! Other readings of the same history: where a bundled profile for the same
//! therapy and indication counts trials differently (Cigna's 25% non-response,
//! BCBSMA's four trials), the clinic's worksheet says per trial how it would
//! count there, before the request is sent.

use serde::Serialize;

use super::judge::{TrialRule, counts};
use super::{PolicyProfile, PolicySet, Rule, Status, evaluate};
use crate::assess::Facts;
use crate::intake::Intake;
use crate::words::{self, capitalized};

/// How one other profile reads the history.
#[derive(Clone, Debug, Serialize)]
pub struct OtherReading {
    /// The profile's id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// What it asks of trials, in words.
    pub asks: String,
    /// The trials the chosen profile counts that this one would not, each with why.
    pub trials_not_counted: Vec<String>,
    /// Its verdict on the failed-trials criterion.
    pub trials_verdict: Option<Status>,
    /// Its overall verdict.
    pub overall: Status,
}

fn trial_rule(profile: &PolicyProfile) -> Option<TrialRule> {
    fn walk(rule: &Rule) -> Option<TrialRule> {
        match rule {
            Rule::AllOf { rules } | Rule::AnyOf { rules } => rules.iter().find_map(walk),
            other => other.trial_rule(),
        }
    }
    profile.criteria.iter().find_map(|c| walk(&c.rule))
}

fn asks(r: &TrialRule) -> String {
    let failure = match r.max_improvement {
        Some(m) => format!("non-response of {}% improvement or less", words::num(m)),
        None => "failure as improvement under 50%".to_string(),
    };
    format!(
        "{} of {}, each {} at an adequate dose; {failure}",
        words::count(r.min_trials, "failed trial", "failed trials"),
        words::count(r.min_classes, "class", "classes"),
        words::weeks(r.min_weeks)
    )
}

/// The other bundled profiles for the request's therapy and indication that read the trials differently.
pub fn other_readings(chosen: &PolicyProfile, set: &PolicySet, intake: &Intake, facts: &Facts) -> Vec<OtherReading> {
    let Some(mine) = trial_rule(chosen) else { return Vec::new() };
    set.profiles
        .values()
        .filter(|p| p.id != chosen.id && p.therapy == chosen.therapy)
        .filter(|p| p.indications.contains(&intake.request.indication))
        .filter_map(|p| {
            let theirs = trial_rule(p)?;
            let trials_not_counted: Vec<String> = facts
                .trials
                .iter()
                .filter(|t| counts(t, &mine).is_ok())
                .filter_map(|t| counts(t, &theirs).err().map(|why| format!("{}: {why}", capitalized(&t.drug))))
                .collect();
            let evaluation = evaluate(p, intake, facts);
            let trials_verdict = evaluation.criteria.iter().find(|c| c.id == "failed-trials").map(|c| c.status);
            let differs = !trials_not_counted.is_empty() || trials_verdict.is_some_and(|s| s != Status::Met);
            differs.then(|| OtherReading {
                id: p.id.clone(),
                title: p.title.clone(),
                asks: asks(&theirs),
                trials_not_counted,
                trials_verdict,
                overall: evaluation.overall,
            })
        })
        .collect()
}
