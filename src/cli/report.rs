//! The shapes of every `--json` output, as types: what a script can rely on.

use serde::Serialize;

use crate::diag::Diagnostic;
use crate::package::Verification;
use crate::policy::{Evaluation, Finding, PolicySource, Status};

/// `check --json`: whether the intake can be built, every problem, and the verdicts.
#[derive(Debug, Serialize)]
pub struct CheckReport<'a> {
    /// Whether `build` would build it.
    pub valid: bool,
    /// Every error and warning.
    pub diagnostics: &'a [Diagnostic],
    /// The profile's verdicts, when the intake was read that far.
    pub policy: Option<PolicyReport<'a>>,
}

/// A profile's verdicts.
#[derive(Debug, Serialize)]
pub struct PolicyReport<'a> {
    /// The profile's id.
    pub id: &'a str,
    /// Its title.
    pub title: &'a str,
    /// The date it was checked against its source.
    pub as_of: String,
    /// The published policy it models.
    pub source: &'a PolicySource,
    /// More than a year older than the request.
    pub stale: bool,
    /// Met only when every criterion is met.
    pub overall: Status,
    /// Each criterion's verdict, evidence and hint.
    pub criteria: &'a [Finding],
}

impl<'a> PolicyReport<'a> {
    /// The report of an evaluation.
    pub fn of(e: &'a Evaluation) -> PolicyReport<'a> {
        PolicyReport {
            id: &e.id,
            title: &e.title,
            as_of: e.source.as_of.to_string(),
            source: &e.source,
            stale: e.stale,
            overall: e.overall,
            criteria: &e.criteria,
        }
    }
}

/// `build --json`: what became of each intake, in the order given.
#[derive(Debug, Serialize)]
pub struct BuildReport {
    /// Intakes built.
    pub built: usize,
    /// Intakes refused as invalid.
    pub refused: usize,
    /// Intakes that failed for another reason.
    pub failed: usize,
    /// Each intake.
    pub intakes: Vec<IntakeReport>,
}

/// What became of one intake.
#[derive(Debug, Serialize)]
pub struct IntakeReport {
    /// The intake as named.
    pub intake: String,
    /// built, refused or failed.
    pub status: &'static str,
    /// Built: the packet and its summary.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub packet: Option<PacketReport>,
    /// Built or refused: the intake's diagnostics.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<Vec<Diagnostic>>,
    /// Failed: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A built packet's summary.
#[derive(Clone, Debug, Serialize)]
pub struct PacketReport {
    /// Where it was written.
    pub packet: String,
    /// Files in the zip, the manifest included.
    pub files: usize,
    /// The profile it was read against.
    pub policy: String,
    /// The overall verdict.
    pub overall: Status,
    /// Criteria met.
    pub criteria_met: usize,
    /// Criteria in all.
    pub criteria: usize,
    /// Pages in the combined fax, when PDFs were made.
    pub fax_pages: Option<usize>,
    /// Whether the people were taken out.
    pub redacted: bool,
    /// Whether the zip is encrypted.
    pub encrypted: bool,
}

/// `verify --json`.
#[derive(Debug, Serialize)]
pub struct VerifyReport<'a> {
    /// Every entry matches and nothing was added or removed.
    pub intact: bool,
    /// The entries by what was found.
    pub entries: &'a Verification,
}
