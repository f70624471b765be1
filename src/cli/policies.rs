//! `authpack policies`: the bundled profiles, listed or shown.

use std::process::ExitCode;

use super::args::PoliciesAction;
use super::output::{self, say};
use super::{CliError, Io};
use crate::policy::{self, PolicyProfile, PolicySet};

/// Runs `policies list` or `policies show ID`.
pub fn run(action: PoliciesAction, json: bool, io: &mut Io<'_>) -> Result<ExitCode, CliError> {
    let set = PolicySet::bundled();
    if json {
        let value = match &action {
            PoliciesAction::List => serde_json::to_value(set.profiles.values().map(|p| p.as_ref()).collect::<Vec<_>>()),
            PoliciesAction::Show { id } => serde_json::to_value(find(&set, id)?),
        }
        .expect("profiles serialize");
        output::json(io, &value)?;
        return Ok(ExitCode::SUCCESS);
    }
    match action {
        PoliciesAction::List => {
            say!(io, "{:<26} {:<17} {:<22} {:<8} {:<10} title", "id", "therapy", "indications", "default", "as of")?;
            for p in set.profiles.values() {
                let indications: Vec<String> = p.indications.iter().map(policy::serde_label).collect();
                say!(
                    io,
                    "{:<26} {:<17} {:<22} {:<8} {:<10} {}",
                    p.id,
                    policy::serde_label(&p.therapy),
                    indications.join(","),
                    if p.default { "yes" } else { "" },
                    p.source.as_of,
                    p.title
                )?;
            }
        }
        PoliciesAction::Show { id } => {
            let p = find(&set, &id)?;
            say!(
                io,
                "{} ({})\nsource: {}{}\nas of: {}",
                p.title,
                p.id,
                p.source.name,
                p.source.url.as_deref().map(|u| format!(" <{u}>")).unwrap_or_default(),
                p.source.as_of
            )?;
            if let Some(note) = &p.source.note {
                say!(io, "note: {note}")?;
            }
            for (label, criteria) in
                [("criteria", Some(&p.criteria)), ("continuation criteria", p.continuation_criteria.as_ref())]
            {
                if let Some(criteria) = criteria {
                    say!(io, "\n{label}:")?;
                    for c in criteria {
                        say!(io, "  {:<20} {}", c.id, c.text)?;
                    }
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A bundled profile by id, or the one "unknown policy" message with the choices.
fn find<'a>(set: &'a PolicySet, id: &str) -> Result<&'a PolicyProfile, CliError> {
    set.profiles.get(id).map(|p| p.as_ref()).ok_or_else(|| {
        // Named for the command, not for `--policy`, which `policies show` does not take.
        let close =
            crate::diag::did_you_mean(id, set.ids()).map(|c| format!("; did you mean '{c}'?")).unwrap_or_default();
        CliError::Usage(format!(
            "policies show: unknown policy '{}'; bundled: {}{close}",
            crate::yaml::preview(id),
            set.ids().join(", ")
        ))
    })
}
