//! Check: everything that decides whether an intake can be built, in one place,
//! so `authpack check` and `authpack build` agree. The fields and what they say
//! together; the enclosed records, each opened once; the policy profile chosen;
//! and, when PDFs are made, the characters the fonts must show and the records
//! the fax must place. Errors stop here; warnings travel on with the intake.

pub mod budgets;
pub mod content;
mod fields;
mod fonts;
pub mod records;

use std::sync::Arc;

use crate::diag::{self, Diagnostic};
use crate::intake::{self, Intake, Load, Positions};
use crate::policy::{self, PolicyProfile};
use crate::{Input, Settings};

pub use records::{Content, Media, Record};

/// An intake that passed every check: what the later stages read.
#[derive(Clone, Debug)]
pub struct Checked {
    /// The typed intake.
    pub intake: Intake,
    /// Line and column of every value, by YAML path.
    pub positions: Positions,
    /// SHA-256 of the intake text as given.
    pub sha256: String,
    /// The enclosed records, in the intake's order.
    pub records: Vec<Record>,
    /// The policy profile the intake is read against.
    pub profile: Arc<PolicyProfile>,
    /// Warnings: the packet is built, and the clinic is told.
    pub warnings: Vec<Diagnostic>,
    /// Whether the people were taken out (see [`crate::redact`]).
    pub redacted: bool,
}

/// Checks a loaded intake and its records; every problem found, or the checked intake.
pub fn check(load: Load, input: &Input, settings: &Settings<'_>) -> Result<Checked, Vec<Diagnostic>> {
    let Load { loaded, placeholders, mut diagnostics } = load;
    let Some(loaded) = loaded else { return Err(diagnostics) };
    // A check that reads a value that did not load (a placeholder stands in) says nothing.
    let rests = |path: &str| intake::rests_on(path, &placeholders);
    let independent = |d: &Diagnostic| !rests(&d.path);
    diagnostics.extend(fields::check(&loaded, &placeholders));
    let over = budgets::exceeded(&loaded.intake, &loaded.positions);
    // Past the records budget, no record is opened: the count alone refuses the intake.
    let too_many_records = over.iter().any(|d| d.path == "attachments");
    diagnostics.extend(over);
    // Every record is opened as what it is (pages, image), whatever the format, so `check` refuses what
    // any build would; a redacted packet withholds every record, so what they hold does not matter.
    let placing = !settings.redact;
    let attachments = if too_many_records { &[][..] } else { &loaded.intake.attachments[..] };
    let (records, problems) = records::inspect(&input.folder, attachments, &loaded.positions, placing);
    diagnostics.extend(problems.into_iter().filter(independent));
    let profile = policy::select(&loaded, &input.folder, settings);
    if let Err(d) = &profile
        && !["request.policy", "request.therapy", "request.indication"].iter().any(|p| rests(p))
    {
        diagnostics.push(d.clone());
    }
    if let Ok(profile) = &profile {
        diagnostics.extend(unknown_supports(&loaded, profile));
    }
    if let Some(typesetter) = settings.typesetter {
        diagnostics.extend(fonts::uncovered(&loaded, typesetter).into_iter().filter(independent));
    }
    if !settings.redact {
        diagnostics.extend(records::oversized(&records, &loaded.positions));
    }
    diag::sort(&mut diagnostics);
    match profile {
        Ok(profile) if !diagnostics.iter().any(Diagnostic::is_error) => Ok(Checked {
            sha256: crate::package::sha256_hex(input.text.as_bytes()),
            intake: loaded.intake,
            positions: loaded.positions,
            records,
            profile,
            warnings: diagnostics,
            redacted: false,
        }),
        _ => Err(diagnostics),
    }
}

/// A record said to document a criterion the profile does not have is not cited: a warning.
fn unknown_supports(loaded: &intake::Loaded, profile: &PolicyProfile) -> Vec<Diagnostic> {
    let ids: Vec<&str> =
        profile.criteria.iter().chain(profile.continuation_criteria.iter().flatten()).map(|c| c.id.as_str()).collect();
    let mut out = Vec::new();
    for (i, a) in loaded.intake.attachments.iter().enumerate() {
        for (j, id) in a.supports.iter().enumerate() {
            if !ids.contains(&id.as_str()) {
                let path = format!("attachments[{i}].supports[{j}]");
                let mut d = Diagnostic::warning(
                    path.clone(),
                    format!(
                        "'{}' is not a criterion of {}; the record is not cited for it",
                        crate::yaml::preview(id),
                        profile.id
                    ),
                )
                .at(loaded.positions.get(&path).copied());
                if let Some(close) = diag::did_you_mean(id, ids.iter().copied()) {
                    d = d.hint(format!("did you mean '{close}'?"));
                }
                out.push(d.hint(format!("the profile's criteria: {}", ids.join(", "))));
            }
        }
    }
    out
}
