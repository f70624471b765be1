//! Load: YAML text to a typed [`Intake`], with the position of every value.

pub mod model;
pub mod starter;
pub mod tree;

pub use crate::yaml::Positions;
pub use model::*;

use crate::codes::{IcdCode, Ndc, Npi, ProcedureCode};
use crate::date::{DATE_TIME_TYPE_NAME, DATE_TYPE_NAME, Date, DateTime};
use crate::diag::Diagnostic;
use crate::yaml::{self, Checked};

/// The intake format this version reads.
pub const FORMAT: u32 = 1;

/// The scalar types validated as they are read.
pub(crate) const CHECKED: &[Checked] = &[
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

/// What loading gave: the intake (with placeholders where values did not fit,
/// unless the file could not be read as an intake at all), the paths of those
/// placeholders, and every problem found.
pub struct Load {
    /// The intake, when the file is a YAML mapping.
    pub loaded: Option<Loaded>,
    /// Paths whose value did not fit; a placeholder stands in for each.
    pub placeholders: Vec<String>,
    /// Every problem found while loading.
    pub diagnostics: Vec<Diagnostic>,
}

/// Loads an intake, reporting every problem at once.
pub fn load(text: &str) -> Load {
    let read = yaml::read::<Intake>(text, CHECKED);
    Load {
        loaded: read.value.map(|intake| Loaded { intake, positions: read.positions }),
        placeholders: read.placeholders,
        diagnostics: read.diagnostics,
    }
}

/// Loads an intake that must have no problems at all.
pub fn load_intake(text: &str) -> Result<Loaded, Vec<Diagnostic>> {
    let (intake, positions) = yaml::from_str::<Intake>(text, CHECKED)?;
    Ok(Loaded { intake, positions })
}

/// Whether a value at `path` may rest on a placeholder: the path is a failed
/// value, lies inside one, or holds one (a check of a list reads its items).
pub fn rests_on(path: &str, placeholders: &[String]) -> bool {
    let within = |inner: &str, outer: &str| {
        outer.is_empty() || inner == outer || inner.strip_prefix(outer).is_some_and(|rest| rest.starts_with(['.', '[']))
    };
    placeholders.iter().any(|p| within(path, p) || (!path.is_empty() && within(p, path)))
}

/// An intake's values as JSON (order and comments aside; `!fill` as null), or
/// why its text is not YAML: for comparing two intakes' values.
pub fn tree_json(text: &str) -> Result<serde_json::Value, Diagnostic> {
    yaml::tree(text).map(|t| t.to_json())
}

/// The JSON Schema of the intake (draft 2020-12), from the same types and doc
/// comments that read it: editors use it to complete and check fields.
pub fn schema_json() -> String {
    let mut schema = schemars::schema_for!(Intake);
    schema.insert("$id".into(), "https://authpack.invalid/schema/intake-format-1.json".into());
    schema.insert("title".into(), "authpack intake, format 1".into());
    serde_json::to_string_pretty(&schema).expect("a schema serializes")
}

#[cfg(test)]
mod tests {
    use super::rests_on;

    #[test]
    fn a_check_rests_on_a_placeholder_inside_beside_or_holding_it() {
        let failed = ["request.date".to_string(), "diagnoses[1].code".to_string()];
        assert!(rests_on("request.date", &failed));
        assert!(rests_on("diagnoses[1].code", &failed));
        assert!(rests_on("diagnoses", &failed), "a check of the list reads its items");
        assert!(!rests_on("diagnoses[0].code", &failed));
        assert!(!rests_on("request.dates", &failed), "a longer name is another field");
        assert!(!rests_on("patient.first_name", &failed));
        assert!(rests_on("anything", &["".to_string()]), "the whole file did not load");
    }
}
