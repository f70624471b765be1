//! Redaction: an intake with the people taken out, for sharing a packet with
//! support or working on templates without protected health information.
//!
//! Names, identifiers, contact details, addresses and free text become
//! placeholders. The same value always gets the same placeholder, so a name
//! that recurs still reads as one person. Every date moves back by one offset, a
//! whole number of weeks, so every interval (trial lengths, ages, windows,
//! weekdays) stays true and the policy reads the redacted intake as it read
//! the real one. Drugs, doses, scores, codes and enumerations are kept: they are
//! what a packet is about, and alone they identify no one.
//!
//! Enclosed records are withheld: each becomes a one-page placeholder PDF.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::check::{Checked, Content, Media, Record};
use crate::date::{Date, DateTime};
use crate::intake::Intake;

/// The one-page PDF that stands in for every withheld record.
pub const WITHHELD_PDF: &[u8] = include_bytes!("data/withheld-record.pdf");

/// How a field's value is replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A person's name: `Name-A`.
    Name,
    /// An identifier: `ID000001`.
    Identifier,
    /// An NPI: a made-up one with a valid check digit.
    Npi,
    /// A phone or fax number: `555-555-0001`.
    Phone,
    /// A street line: `1 Redacted Street`.
    Street,
    /// A city: `City-A`.
    City,
    /// A ZIP code: its first three digits and `00`.
    PostalCode,
    /// An organization's name: `Organization A`.
    Organization,
    /// Free text: `[redacted text 1]`.
    Text,
    /// An enclosed record's file: `records/withheld-01.pdf`.
    File,
    /// An enclosed record's title: `Record 1 (withheld)`.
    Title,
    /// A drug name, kept when authpack knows the drug: `unlisted-drug-1` otherwise.
    Drug,
    /// A clinical specialty, kept when it is a common one (policies judge it): text otherwise.
    Specialty,
}

/// Every address in the intake, by the path of its mapping.
const ADDRESSES: &[&str] = &[
    "patient.address",
    "prescriber.practice.address",
    "site.address",
    "payer.prior_authorization.address",
    "payer.claims.address",
    "appeal.representative.address",
];

/// Which fields hold what, by path (a list's items written `[]`): the one
/// definition of what redaction replaces. A field not named here is kept as
/// written; a test reads the intake's schema and fails on any text field that
/// is neither here nor in [`KEPT`].
pub const FIELDS: &[(&str, Kind)] = &[
    ("patient.first_name", Kind::Name),
    ("patient.last_name", Kind::Name),
    ("patient.member_id", Kind::Identifier),
    ("patient.group_number", Kind::Identifier),
    ("patient.subscriber.name", Kind::Name),
    ("patient.phone", Kind::Phone),
    ("prescriber.first_name", Kind::Name),
    ("prescriber.last_name", Kind::Name),
    ("prescriber.specialty", Kind::Specialty),
    ("prescriber.npi", Kind::Npi),
    ("prescriber.tax_id", Kind::Identifier),
    ("prescriber.dea_number", Kind::Identifier),
    ("prescriber.practice.name", Kind::Organization),
    ("prescriber.practice.phone", Kind::Phone),
    ("prescriber.practice.fax", Kind::Phone),
    ("site.name", Kind::Organization),
    ("site.npi", Kind::Npi),
    ("site.tax_id", Kind::Identifier),
    ("payer.plan_name", Kind::Text),
    ("payer.prior_authorization.department", Kind::Text),
    ("payer.prior_authorization.phone", Kind::Phone),
    ("payer.prior_authorization.fax", Kind::Phone),
    ("payer.prior_authorization.portal", Kind::Text),
    ("payer.claims.fax", Kind::Phone),
    ("payer.claims.portal", Kind::Text),
    ("request.urgency_reason", Kind::Text),
    ("request.prior_authorization_number", Kind::Identifier),
    ("request.exception.reason", Kind::Text),
    ("treatment_history.antidepressants[].drug", Kind::Drug),
    ("treatment_history.antidepressants[].notes", Kind::Text),
    ("treatment_history.augmentations[].agent", Kind::Drug),
    ("treatment_history.augmentations[].notes", Kind::Text),
    ("treatment_history.psychotherapy[].notes", Kind::Text),
    ("treatment_history.neuromodulation[].reason", Kind::Text),
    ("treatment_history.hospitalizations[].reason", Kind::Text),
    ("treatment_history.current_medications[].drug", Kind::Drug),
    ("treatment_history.esketamine.reason", Kind::Text),
    ("treatment_history.pain_treatments[].name", Kind::Drug),
    ("treatment_history.pain_treatments[].notes", Kind::Text),
    ("assessments[].rater", Kind::Name),
    ("safety.adverse_events", Kind::Text),
    ("clinical_summary", Kind::Text),
    ("current_episode.impairment", Kind::Text),
    ("appeal.reference_number", Kind::Identifier),
    ("appeal.denial_reason", Kind::Text),
    ("appeal.representative.name", Kind::Name),
    ("appeal.representative.relationship", Kind::Text),
    ("appeal.representative.phone", Kind::Phone),
    ("calls[].with", Kind::Name),
    ("calls[].reference", Kind::Identifier),
    ("calls[].summary", Kind::Text),
    ("attachments[].file", Kind::File),
    ("attachments[].title", Kind::Title),
];

/// Text fields kept as written, with why: they are what a packet is about, or
/// they identify no one.
pub const KEPT: &[(&str, &str)] = &[
    ("request.policy", "a policy profile's id or file"),
    ("request.place_of_service", "a CMS code"),
    ("patient.address.state", "a state identifies no one"),
    ("payer.name", "the plan, which the packet is addressed to"),
    ("prescriber.credentials", "MD, DO, NP"),
    ("prescriber.practice.address.state", "a state identifies no one"),
    ("site.address.state", "a state identifies no one"),
    ("payer.prior_authorization.address.state", "a state identifies no one"),
    ("payer.claims.address.state", "a state identifies no one"),
];

/// The kind of the field at `path` (items of lists written `[]`), or `None` to keep it.
pub fn kind_of(path: &str) -> Option<Kind> {
    if let Some((_, k)) = FIELDS.iter().find(|(p, _)| *p == path) {
        return Some(*k);
    }
    let (owner, field) = path.rsplit_once('.')?;
    if !ADDRESSES.contains(&owner) {
        return None;
    }
    match field {
        "line1" | "line2" => Some(Kind::Street),
        "city" => Some(Kind::City),
        "postal_code" => Some(Kind::PostalCode),
        _ => None,
    }
}

/// A path with its list indices written `[]`: `calls[2].with` is `calls[].with`.
fn pattern(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => {
                in_index = true;
                out.push('[');
            }
            ']' => {
                in_index = false;
                out.push(']');
            }
            _ if in_index => {}
            c => out.push(c),
        }
    }
    out
}

/// The offset every date moves by: back by whole weeks, from 53 to 104, chosen
/// from the intake's own hash so the same intake always redacts the same way.
/// Backward, so a redacted request never looks newer than the policy it is read against.
pub fn offset_days(intake_sha256: &str) -> i64 {
    candidate(intake_sha256, 0)
}

/// The `k`th offset tried: the hash's offset, then a week further back each time.
fn candidate(intake_sha256: &str, k: u64) -> i64 {
    let n = u64::from_str_radix(intake_sha256.get(..8).unwrap_or("0"), 16).unwrap_or(0);
    -7 * (53 + (n % 52) as i64 + k as i64)
}

/// The first offset, from [`offset_days`] a week further back at a time, that keeps
/// the patient's age on the request date: the days between two dates hold, but
/// an interval that takes in one more 29 February moves a birthday by a day.
/// Some offset within eight years always does (leap years repeat every four).
fn offset_keeping_age(intake: &Intake, intake_sha256: &str) -> i64 {
    let (request, birth) = (intake.request.date, intake.patient.date_of_birth);
    let age = request.years_since(birth);
    (0..52 * 8)
        .map(|k| candidate(intake_sha256, k))
        .find(|&d| request.add_days(d).years_since(birth.add_days(d)) == age)
        .unwrap_or_else(|| offset_days(intake_sha256))
}

struct Redactor {
    offset: i64,
    seen: BTreeMap<(Kind, String), String>,
    counts: BTreeMap<Kind, usize>,
}

impl Redactor {
    fn placeholder(&mut self, kind: Kind, value: &str) -> String {
        if let Some(p) = self.seen.get(&(kind, value.to_string())) {
            return p.clone();
        }
        let n = {
            let c = self.counts.entry(kind).or_insert(0);
            *c += 1;
            *c
        };
        let letter = |n: usize| {
            let mut s = String::new();
            let mut n = n;
            while n > 0 {
                n -= 1;
                s.insert(0, (b'A' + (n % 26) as u8) as char);
                n /= 26;
            }
            s
        };
        let p = match kind {
            Kind::Name => format!("Name-{}", letter(n)),
            Kind::Identifier => format!("ID{:06}", n),
            Kind::Npi => npi(n),
            Kind::Phone => format!("555-555-{:04}", n % 10_000),
            Kind::Street => format!("{n} Redacted Street"),
            Kind::City => format!("City-{}", letter(n)),
            Kind::PostalCode => format!("{}00", value.chars().take(3).collect::<String>()),
            Kind::Organization => format!("Organization {}", letter(n)),
            Kind::Text => format!("[redacted text {n}]"),
            // Every withheld record becomes the placeholder PDF, whatever it was.
            Kind::File => format!("records/withheld-{n:02}.pdf"),
            Kind::Title => format!("Record {n} (withheld)"),
            Kind::Drug => format!("unlisted-drug-{n}"),
            Kind::Specialty => format!("specialty-{n}"),
        };
        self.seen.insert((kind, value.to_string()), p.clone());
        p
    }

    fn shift(&self, text: &str) -> Option<String> {
        if let Ok(d) = Date::parse(text) {
            return Some(d.add_days(self.offset).to_string());
        }
        if let Ok(t) = DateTime::parse(text) {
            return Some(DateTime { date: t.date.add_days(self.offset), ..t }.to_string());
        }
        None
    }

    /// Walks the intake with owned paths: each string is replaced by the kind its path names.
    fn walk(&mut self, value: &mut Value, path: String) {
        match value {
            Value::String(s) => match kind_of(&pattern(&path)) {
                // A drug authpack knows is kept; any other text there could be anything.
                Some(Kind::Drug) if crate::reference::find_drug(s).is_some() => {}
                Some(Kind::Specialty) if crate::reference::specialty(s).is_some() => {}
                Some(Kind::Specialty) => *s = self.placeholder(Kind::Text, s),
                Some(kind) => *s = self.placeholder(kind, s),
                None => {
                    if let Some(shifted) = self.shift(s) {
                        *s = shifted;
                    }
                }
            },
            Value::Array(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    self.walk(item, format!("{path}[{i}]"));
                }
            }
            Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    let child = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                    self.walk(v, child);
                }
            }
            Value::Number(_) | Value::Bool(_) | Value::Null => {}
        }
    }
}

/// The `n`th placeholder NPI: `12345678` and two digits, the last a valid Luhn check digit.
fn npi(n: usize) -> String {
    let body = format!("1{:08}", 23_456_700 + n % 100);
    // The check digit is computed over the prefix 80840 and the nine digits (the NPI standard).
    let digits: Vec<u32> = format!("80840{body}").chars().filter_map(|c| c.to_digit(10)).collect();
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

/// A checked intake with the people taken out: its values as [`FIELDS`] says,
/// every date shifted, every record withheld. Its hash is the redacted text's.
pub fn apply(checked: Checked) -> Result<Checked, RedactError> {
    let (intake, text) = redact(&checked.intake, &checked.sha256)?;
    let positions = crate::intake::load_intake(&text).map(|l| l.positions).unwrap_or_default();
    let records = checked
        .records
        .iter()
        .zip(&intake.attachments)
        .enumerate()
        .map(|(i, (r, a))| Record {
            entry: format!("attachments/{:02}-{}", i + 1, crate::package::safe_entry_name(&a.file)),
            title: a.title.clone().unwrap_or_else(|| format!("Record {}", i + 1)),
            media: Media::Pdf,
            size: WITHHELD_PDF.len() as u64,
            sha256: crate::package::sha256_hex(WITHHELD_PDF),
            pages: Some(1),
            faxed: true,
            content: Content::Bytes(WITHHELD_PDF.into()),
            ..r.clone()
        })
        .collect();
    Ok(Checked {
        sha256: crate::package::sha256_hex(text.as_bytes()),
        intake,
        positions,
        records,
        redacted: true,
        ..checked
    })
}

/// The redacted intake did not load back: a bug, and nothing is written.
#[derive(Debug, thiserror::Error)]
#[error("redaction failed (a bug; nothing was written): {0}")]
pub struct RedactError(String);

impl From<RedactError> for crate::reading::Rejected {
    fn from(e: RedactError) -> Self {
        vec![crate::diag::Diagnostic::error("", e.to_string())].into()
    }
}

/// The intake with people taken out, as JSON text (which is YAML, so it loads
/// like any intake). Fails only if the redacted values do not load back.
pub fn redact(intake: &Intake, intake_sha256: &str) -> Result<(Intake, String), RedactError> {
    let mut value = serde_json::to_value(intake).map_err(|e| RedactError(e.to_string()))?;
    let offset = offset_keeping_age(intake, intake_sha256);
    let mut redactor = Redactor { offset, seen: BTreeMap::new(), counts: BTreeMap::new() };
    redactor.walk(&mut value, String::new());
    let text = serde_json::to_string_pretty(&value).map_err(|e| RedactError(e.to_string()))?;
    let redacted = crate::intake::load_intake(&text).map_err(|d| {
        RedactError(d.iter().map(|d| format!("{}: {}", d.path, d.message)).collect::<Vec<_>>().join("; "))
    })?;
    Ok((redacted.intake, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholder_npis_pass_the_npi_check() {
        for n in 1..=120 {
            crate::codes::Npi::parse(&npi(n)).unwrap_or_else(|e| panic!("{}: {e}", npi(n)));
        }
    }

    #[test]
    fn the_offset_keeps_an_age_that_a_leap_day_would_change() {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/esketamine-trd-initial/intake.yaml"))
                .unwrap()
                .replace("date_of_birth: 1979-08-23", "date_of_birth: 2008-11-20");
        let intake = crate::intake::load_intake(&text).unwrap().intake;
        assert_eq!(intake.request.date.years_since(intake.patient.date_of_birth), 18);
        // Every hash, so every starting offset: the redacted patient is 18 on the redacted request date too.
        for n in 0..52u64 {
            let sha = format!("{n:08x}{}", "0".repeat(56));
            let (redacted, _) = redact(&intake, &sha).unwrap();
            assert_eq!(redacted.request.date.years_since(redacted.patient.date_of_birth), 18, "hash start {n}");
        }
    }

    #[test]
    fn offsets_are_whole_weeks_from_a_year_to_two() {
        for hash in ["00000000", "ffffffff", "12345678", "9abcdef0"] {
            let days = offset_days(&format!("{hash}{}", "0".repeat(56)));
            assert_eq!(days % 7, 0);
            assert!((-728..=-371).contains(&days), "{days}");
        }
    }
}
