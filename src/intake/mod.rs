//! Load: YAML text to a typed [`Intake`], with the position of every value.

pub mod model;
pub(crate) mod yaml;

pub use model::*;
pub use yaml::Positions;

use crate::codes::{IcdCode, Ndc, Npi, ProcedureCode};
use crate::date::{DATE_TIME_TYPE_NAME, DATE_TYPE_NAME, Date, DateTime};
use crate::diag::Diagnostic;
use yaml::Checked;

/// The scalar types validated as they are read.
const CHECKED: &[Checked] = &[
    Checked { name: DATE_TYPE_NAME, validate: |t| Date::parse(t).map(drop), placeholder: "2000-01-01", what: "date" },
    Checked {
        name: DATE_TIME_TYPE_NAME,
        validate: |t| DateTime::parse(t).map(drop),
        placeholder: "2000-01-01T00:00",
        what: "date-time",
    },
    Npi::CHECKED,
    IcdCode::CHECKED,
    ProcedureCode::CHECKED,
    Ndc::CHECKED,
];

/// An intake as loaded, with where each of its values is in the file.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The typed intake.
    pub intake: Intake,
    /// Line and column of every value, by YAML path.
    pub positions: Positions,
}

/// Parses an intake, or returns every problem found in it.
pub fn load_intake(text: &str) -> Result<Loaded, Vec<Diagnostic>> {
    let (intake, positions) = yaml::from_str::<Intake>(text, CHECKED)?;
    Ok(Loaded { intake, positions })
}

/// Parses an intake, returning the problems found and, unless the file could
/// not be read as an intake at all, the intake with placeholders standing in
/// for the values that did not fit (so later checks can still look at the rest).
pub fn read_intake(text: &str) -> (Option<Loaded>, Vec<Diagnostic>) {
    let read = yaml::read::<Intake>(text, CHECKED);
    (read.value.map(|intake| Loaded { intake, positions: read.positions }), read.diagnostics)
}

/// Whether a diagnostic at `path` may rest on a value that failed to load at `failed`:
/// one lies inside the other, or both are fields of the same object.
pub fn related(path: &str, failed: &str) -> bool {
    fn parent(p: &str) -> &str {
        p.rfind(['.', '[']).map_or("", |i| &p[..i])
    }
    failed.is_empty() || path.starts_with(failed) || failed.starts_with(path) || parent(path) == parent(failed)
}

/// The JSON Schema of the intake (draft 2020-12), from the same types and doc
/// comments that read it: editors use it to complete and check fields.
pub fn schema_json() -> String {
    let mut schema = schemars::schema_for!(Intake);
    schema.insert("$id".into(), "https://authpack.invalid/schema/intake-format-1.json".into());
    schema.insert("title".into(), "authpack intake, format 1".into());
    serde_json::to_string_pretty(&schema).expect("a schema serializes")
}
