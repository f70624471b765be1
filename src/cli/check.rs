//! `authpack check`: the reading `build` makes, with the same options, printed
//! as the criteria table; exit 1 exactly when `build` would refuse the intake.

use std::process::ExitCode;

use super::args::CheckArgs;
use super::output::{self, say, tell};
use super::report::{CheckReport, PolicyReport};
use super::settings::{self, Reader};
use super::{CliError, Io};
use crate::diag;
use crate::policy::{Evaluation, Status};

/// Runs `check`.
pub fn run(args: CheckArgs, io: &mut Io<'_>) -> Result<ExitCode, CliError> {
    let reader = Reader::new(&args.read)?;
    let shown = diag::shown(&args.intake.display().to_string()).into_owned();
    let (diagnostics, evaluation, source, valid) = match settings::read_intake(&args.intake) {
        Err(d) => (vec![d], None, None, false),
        Ok(input) => match crate::read(&input, &reader.settings(false, false)) {
            Ok(reading) => (reading.warnings, Some(reading.evaluation), Some(input.text), true),
            Err(rejected) => (rejected.diagnostics, rejected.evaluation.map(|e| *e), Some(input.text), false),
        },
    };
    if args.json {
        let policy = evaluation.as_ref().map(PolicyReport::of);
        output::json(io, &CheckReport { valid, diagnostics: &diagnostics, policy })?;
    } else {
        output::diagnostics(io, &shown, &diagnostics, source.as_deref())?;
        if let Some(e) = &evaluation {
            table(io, e)?;
        }
        tell!(io, "{shown}: {}{}", diag::summary(&diagnostics), if valid { "" } else { "; the intake is invalid" })?;
    }
    Ok(if valid { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// The criteria table: each criterion's status, evidence, what did not count, and the hint.
fn table(io: &mut Io<'_>, e: &Evaluation) -> Result<(), CliError> {
    say!(io, "policy {}: {} (as of {})", e.id, e.title, e.source.as_of)?;
    if e.stale {
        say!(io, "warning: this profile is more than a year older than the request")?;
    }
    for c in &e.criteria {
        say!(io, "  {:<8} {:<20} {}", c.status.label(), c.id, c.evidence.join("; "))?;
        for n in &c.notes {
            say!(io, "  {:<8} {:<20} {n}", "", "")?;
        }
        if let Some(h) = &c.hint {
            say!(io, "  {:<8} {:<20} hint: {h}", "", "")?;
        }
    }
    let met = e.criteria.iter().filter(|c| c.status == Status::Met).count();
    say!(io, "overall: {} ({met} of {} criteria met)", e.overall.label(), e.criteria.len())
}
