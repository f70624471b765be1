//! Load: YAML text to a typed [`Intake`], with the position of every value.

pub mod model;
pub(crate) mod yaml;

pub use model::*;
pub use yaml::Positions;

use crate::codes::{IcdCode, Npi, ProcedureCode};
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
