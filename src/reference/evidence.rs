//! The evidence library: published references the letters cite, each with a
//! one-line finding in authpack's own words and the therapies and indications
//! it bears on. It lives in `packet-templates/evidence/library.yaml`, part of the pack.

use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::intake::{Indication, Therapy};

/// The library file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Library {
    /// Where the references come from.
    pub source: String,
    /// When the library was last checked.
    pub as_of: Date,
    /// The references.
    pub references: Vec<Reference>,
}

/// One reference.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    /// Short id.
    pub id: String,
    /// The full citation.
    pub citation: String,
    /// What it found, in one sentence: what a letter cites.
    pub finding: String,
    /// Its limits, which a reviewer may raise: for the clinic's worksheet, never a letter.
    #[serde(default)]
    pub caveat: Option<String>,
    /// The therapies it bears on.
    pub therapies: Vec<Therapy>,
    /// The indications it bears on.
    pub indications: Vec<Indication>,
    /// supports, against or context.
    pub stance: Stance,
    /// trial, meta-analysis, guideline, consensus, label or review.
    pub kind: String,
    /// How sure the citation details are ([V], [K]).
    pub confidence: String,
    /// Where in domain.md it comes from.
    pub source: String,
}

/// Which way a reference bears on coverage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stance {
    /// Supports the therapy for the indication.
    Supports,
    /// Cited by payers against coverage.
    Against,
    /// Background.
    Context,
}

/// Parses a library file with the intake's loader.
pub fn parse(text: &str) -> Result<Library, Vec<crate::diag::Diagnostic>> {
    crate::yaml::from_str::<Library>(text, crate::yaml::DATES).map(|(library, _)| library)
}

impl Library {
    /// The references bearing on a therapy and indication with a given stance, in library order.
    pub fn matching(&self, therapy: Therapy, indication: Indication, stance: Stance) -> Vec<&Reference> {
        self.references
            .iter()
            .filter(|r| r.stance == stance && r.therapies.contains(&therapy) && r.indications.contains(&indication))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_library_parses_and_every_request_has_support_to_cite() {
        let lib = parse(include_str!("../../packet-templates/evidence/library.yaml")).unwrap();
        assert!(lib.references.len() >= 18);
        let mut ids: Vec<&str> = lib.references.iter().map(|r| r.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), lib.references.len(), "ids are unique");
        for r in &lib.references {
            // A letter prints the citation and its finding as one entry.
            assert!(
                r.citation.ends_with('.') && r.finding.ends_with('.'),
                "{}: citation and finding end with a full stop",
                r.id
            );
        }
        for (therapy, indication) in [
            (Therapy::EsketamineNasal, Indication::Trd),
            (Therapy::EsketamineNasal, Indication::Mdsi),
            (Therapy::KetamineIv, Indication::Trd),
            (Therapy::KetamineIv, Indication::ChronicPain),
        ] {
            assert!(!lib.matching(therapy, indication, Stance::Supports).is_empty(), "{therapy:?} {indication:?}");
        }
        assert!(!lib.matching(Therapy::KetamineIv, Indication::Trd, Stance::Against).is_empty(), "KARMA-Dep 2");
    }
}
