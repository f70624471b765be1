//! FHIR R4 in and out: a starter intake from an EHR's or a patient portal's
//! export ([`import`]), a Da Vinci PAS request Bundle beside the letters
//! ([`pas`]), and validation of every bundle either way against the official
//! R4 JSON schema ([`schema`]) and the PAS rules it cannot express ([`rules`]).
//!
//! Nothing here reaches a network: the schema is compiled into the binary, and
//! code systems that need a terminology server (X12's) are not checked.

pub mod import;
pub mod pas;
pub mod rules;
pub mod schema;

use std::fmt;

/// One thing wrong with a FHIR document, at a JSON path (RFC 6901, `""` is the whole document).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    /// Where: a JSON pointer such as `/entry/0/resource/item/0/productOrService`.
    pub path: String,
    /// What, in words, without the value when the value could be long or personal.
    pub message: String,
}

impl Problem {
    /// A problem at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem { path: path.into(), message: message.into() }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() { "(the document)" } else { &self.path };
        write!(f, "{path}: {}", self.message)
    }
}
