//! Which profile an intake is read against: the one named on the command line,
//! else `request.policy` (a bundled id, or a policy file's path relative to the
//! intake's folder), else the bundled default for its therapy and indication.

use std::path::Path;
use std::sync::Arc;

use super::{PolicyProfile, PolicySet, serde_label};
use crate::Settings;
use crate::diag::{Diagnostic, did_you_mean};
use crate::files::{self, FileError};
use crate::intake::Loaded;

/// The largest policy file read: a real one is a few KB.
pub const MAX_POLICY_BYTES: u64 = 1024 * 1024;

/// Why a policy named by id or path cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// Neither a bundled id nor a file.
    #[error("unknown policy '{given}'; bundled: {}; or give a policy file's path", choices.join(", "))]
    Unknown {
        /// What was given.
        given: String,
        /// The bundled ids.
        choices: Vec<String>,
        /// A close bundled id, when the name looks mistyped.
        close: Option<String>,
    },
    /// The policy file cannot be read.
    #[error("the policy file cannot be read")]
    File(#[source] FileError),
    /// The policy file does not parse; each problem with its position.
    #[error("policy file {file} has {}", crate::diag::summary(.diagnostics))]
    Invalid {
        /// The file, as named.
        file: String,
        /// Its text, for showing the lines.
        text: String,
        /// Every problem found.
        diagnostics: Vec<Diagnostic>,
    },
}

/// A profile by bundled id, or from a policy file at `arg` (relative to `folder`).
pub fn resolve(arg: &str, set: &PolicySet, folder: &Path) -> Result<Arc<PolicyProfile>, PolicyError> {
    if let Some(p) = set.profiles.get(arg) {
        return Ok(p.clone());
    }
    let looks_like_file = arg.contains('/') || arg.ends_with(".yaml") || arg.ends_with(".yml");
    let path = folder.join(arg);
    if !looks_like_file && !path.exists() {
        let close = did_you_mean(arg, set.ids()).map(str::to_string);
        let choices = set.ids().into_iter().map(str::to_string).collect();
        return Err(PolicyError::Unknown { given: crate::yaml::preview(arg), choices, close });
    }
    let text = files::read_text(&path, MAX_POLICY_BYTES).map_err(PolicyError::File)?;
    super::parse_profile(&text).map(Arc::new).map_err(|diagnostics| PolicyError::Invalid {
        file: path.display().to_string(),
        text,
        diagnostics,
    })
}

/// The profile an intake is read against, or an error at `request.policy`.
pub fn select(loaded: &Loaded, folder: &Path, settings: &Settings<'_>) -> Result<Arc<PolicyProfile>, Diagnostic> {
    if let Some(p) = settings.policy {
        return Ok(p.clone());
    }
    let r = &loaded.intake.request;
    let set = &settings.pack.policies;
    let at = |path: &str| loaded.positions.get(path).copied();
    match &r.policy {
        Some(arg) => resolve(arg, set, folder).map_err(|e| {
            let d = Diagnostic::error("request.policy", e.to_string()).at(at("request.policy"));
            match e {
                PolicyError::Unknown { close: Some(close), .. } => d.hint(format!("did you mean '{close}'?")),
                PolicyError::Unknown { .. } => d.hint("a path is read relative to the intake's folder"),
                PolicyError::File(f) => d.hint(f.to_string()),
                PolicyError::Invalid { file, diagnostics, .. } => diagnostics.iter().fold(d, |d, p| {
                    let place = p.line.map(|l| format!("{file}:{l}:{}", p.column.unwrap_or(1))).unwrap_or(file.clone());
                    d.hint(format!("{place}: {}: {}", p.path, p.message))
                }),
            }
        }),
        None => set.default_for(r.therapy, r.indication).cloned().ok_or_else(|| {
            Diagnostic::error(
                "request.policy",
                format!("no bundled policy covers {} for {}", serde_label(&r.therapy), serde_label(&r.indication)),
            )
            .at(at("request"))
            .hint("name a profile with request.policy or --policy (see `authpack policies list`)")
        }),
    }
}
