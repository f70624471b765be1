//! The one reading of an intake: the checked intake, its derived facts and the
//! policy's verdict on each criterion. Every document is drawn from it, so no
//! document can disagree with another, and `check` shows exactly what `build` sends.

use crate::assess::{self, Facts};
use crate::check::Checked;
use crate::diag::{self, Diagnostic};
use crate::policy::Evaluation;

/// An intake read the way the plan's reviewer reads it.
#[derive(Clone, Debug)]
pub struct Reading {
    /// The checked intake and its records.
    pub checked: Checked,
    /// Derived facts: trials, scales, ages, deadlines.
    pub facts: Facts,
    /// The policy profile's verdict on each criterion.
    pub evaluation: Evaluation,
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

/// Gathers the reading's warnings, or refuses what cannot be sent.
pub fn conclude(checked: Checked, facts: Facts, evaluation: Evaluation) -> Result<Reading, Rejected> {
    let mut warnings = checked.warnings.clone();
    if let Some(dates) = &facts.appeal {
        warnings.extend(assess::deadlines::late_warning(dates, &checked.positions));
    }
    diag::sort(&mut warnings);
    if warnings.iter().any(Diagnostic::is_error) {
        return Err(Rejected { diagnostics: warnings, evaluation: Some(Box::new(evaluation)) });
    }
    Ok(Reading { checked, facts, evaluation, warnings })
}
