//! The one reading of an intake: the checked intake, its derived facts and the
//! policy's verdict on each criterion. Every document is drawn from it, so no
//! document can disagree with another, and `check` shows exactly what `build` sends.
//!
//! A packet never claims what the reading does not show. When a criterion of the
//! chosen profile is not met or missing, the reading is refused, unless the
//! intake asks for an exception for exactly the criteria not met, with a clinical
//! reason; the letter is then an exception request. Missing data is fixed in the
//! intake, not excepted. A claim states only what is met, and is not refused.

use crate::assess::{self, Facts};
use crate::check::Checked;
use crate::diag::{self, Diagnostic};
use crate::intake::RequestKind;
use crate::policy::{Evaluation, Finding, Status};

/// An intake read the way the plan's reviewer reads it.
#[derive(Clone, Debug)]
pub struct Reading {
    /// The checked intake and its records.
    pub checked: Checked,
    /// Derived facts: trials, scales, ages, deadlines.
    pub facts: Facts,
    /// The policy profile's verdict on each criterion.
    pub evaluation: Evaluation,
    /// The criteria an exception is asked for (all of those not met), when one is.
    pub exception: Vec<String>,
    /// Every warning: the intake's and the reading's, in file order.
    pub warnings: Vec<Diagnostic>,
}

/// Why an intake cannot be built: its problems, and the verdicts when it got that far.
#[derive(Clone, Debug, thiserror::Error)]
#[error("the intake has {}", diag::summary(.diagnostics))]
pub struct Rejected {
    /// Every problem, errors first within each line.
    pub diagnostics: Vec<Diagnostic>,
    /// The policy's verdicts, when the intake was read that far.
    pub evaluation: Option<Box<Evaluation>>,
}

impl From<Vec<Diagnostic>> for Rejected {
    fn from(diagnostics: Vec<Diagnostic>) -> Rejected {
        Rejected { diagnostics, evaluation: None }
    }
}

/// Gathers the reading's warnings, or refuses what the packet could not truthfully send.
pub fn conclude(checked: Checked, facts: Facts, evaluation: Evaluation) -> Result<Reading, Rejected> {
    let mut warnings = checked.warnings.clone();
    warnings.extend(assess::warnings(&checked.intake, &facts, &checked.positions));
    let (exception, refusals) = gate(&checked, &evaluation);
    warnings.extend(refusals);
    diag::sort(&mut warnings);
    if warnings.iter().any(Diagnostic::is_error) {
        return Err(Rejected { diagnostics: warnings, evaluation: Some(Box::new(evaluation)) });
    }
    Ok(Reading { checked, facts, evaluation, exception, warnings })
}

/// The honesty gate: the criteria excepted, and an error for each criterion the
/// packet could not send as it stands.
fn gate(checked: &Checked, evaluation: &Evaluation) -> (Vec<String>, Vec<Diagnostic>) {
    let intake = &checked.intake;
    if intake.request.kind == RequestKind::Claim {
        return (Vec::new(), Vec::new());
    }
    let at = |p: &str| checked.positions.get(p).copied();
    let asked = intake.request.exception.as_ref();
    let excepted: Vec<&str> = asked.map(|e| e.criteria.iter().map(String::as_str).collect()).unwrap_or_default();
    let mut errors = Vec::new();
    let find = |id: &str| evaluation.criteria.iter().find(|c| c.id == id);
    for (i, id) in excepted.iter().enumerate() {
        let path = format!("request.exception.criteria[{i}]");
        let problem = match find(id).map(|c| c.status) {
            None => Some(format!(
                "'{}' is not a criterion of {}; its criteria: {}",
                crate::yaml::preview(id),
                evaluation.id,
                evaluation.criteria.iter().map(|c| c.id.as_str()).collect::<Vec<_>>().join(", ")
            )),
            Some(Status::Met) => Some(format!("'{id}' is met; an exception is asked only for criteria not met")),
            Some(Status::Missing) => {
                Some(format!("'{id}' is missing, not unmet: missing data is added to the intake, not excepted"))
            }
            Some(Status::NotMet) => None,
        };
        if let Some(message) = problem {
            errors.push(Diagnostic::error(path.clone(), message).at(at(&path).or(at("request.exception"))));
        }
    }
    if let Some(e) = asked
        && e.reason.trim().is_empty()
    {
        errors.push(
            Diagnostic::error(
                "request.exception.reason",
                "an exception needs the clinical reason the standard does not fit",
            )
            .at(at("request.exception.reason").or(at("request.exception"))),
        );
    }
    for c in &evaluation.criteria {
        let refused = match c.status {
            Status::Met => false,
            Status::NotMet => !excepted.contains(&c.id.as_str()),
            Status::Missing => true,
        };
        if refused {
            errors.push(refusal(c, evaluation, asked.is_some()).at(at("request.exception").or(at("request"))));
        }
    }
    let not_met: Vec<String> =
        evaluation.criteria.iter().filter(|c| c.status == Status::NotMet).map(|c| c.id.clone()).collect();
    (if errors.is_empty() { not_met } else { Vec::new() }, errors)
}

fn refusal(c: &Finding, evaluation: &Evaluation, asked: bool) -> Diagnostic {
    let what = match c.status {
        Status::Missing => "missing: the intake does not show it",
        _ => "not met, and a packet would claim it",
    };
    let mut d = Diagnostic::error("request.exception", format!("criterion '{}' of {} is {what}", c.id, evaluation.id));
    if let Some(h) = &c.hint {
        d = d.hint(h.clone());
    }
    match c.status {
        Status::Missing => d.hint("missing data is added to the intake; an exception cannot stand in for it"),
        _ if asked => d.hint(format!("or add '{}' to request.exception.criteria, with the clinical reason", c.id)),
        _ => d.hint(format!(
            "or ask for an exception: request.exception with criteria: [{}] and the clinical reason the standard does not fit",
            c.id
        )),
    }
}
