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

use crate::date::{Date, DateTime};
use crate::intake::Intake;

/// The one-page PDF that stands in for every withheld record.
pub const WITHHELD_PDF: &[u8] = include_bytes!("data/withheld-record.pdf");

/// How a field's value is replaced.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Name,
    Identifier,
    Npi,
    Phone,
    Email,
    Street,
    City,
    PostalCode,
    Organization,
    Text,
    File,
    Title,
    Drug,
}

/// The kind of a field by its key, or `None` to keep it. Anything not named
/// here is kept, so each new free-text field must be added (a test checks that
/// no sample's free text survives).
fn kind(key: &str) -> Option<Kind> {
    Some(match key {
        "first_name" | "last_name" | "rater" | "with" | "signer_name" | "contact" => Kind::Name,
        "member_id"
        | "group_number"
        | "prior_authorization_number"
        | "reference_number"
        | "reference"
        | "tax_id"
        | "claim_number"
        | "case_number" => Kind::Identifier,
        "npi" => Kind::Npi,
        "phone" | "fax" => Kind::Phone,
        "email" => Kind::Email,
        "line1" | "line2" => Kind::Street,
        "city" => Kind::City,
        "postal_code" => Kind::PostalCode,
        "file" => Kind::File,
        "title" => Kind::Title,
        "clinical_summary" | "urgency_reason" | "notes" | "reason" | "adverse_events" | "denial_reason" | "summary"
        | "outcome_notes" | "comment" => Kind::Text,
        _ => return None,
    })
}

/// Keys whose `name` is an organization that, with a patient's records, could locate them.
const ORGANIZATIONS: &[&str] = &["practice", "site"];

/// Keys whose `name` is a person.
const PEOPLE: &[&str] = &["subscriber"];

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
            Kind::Email => format!("person-{n}@example.invalid"),
            Kind::Street => format!("{n} Redacted Street"),
            Kind::City => format!("City-{}", letter(n)),
            Kind::PostalCode => format!("{}00", value.chars().take(3).collect::<String>()),
            Kind::Organization => format!("Organization {}", letter(n)),
            Kind::Text => format!("[redacted text {n}]"),
            // Every withheld record becomes the placeholder PDF, whatever it was.
            Kind::File => format!("records/withheld-{n:02}.pdf"),
            Kind::Title => format!("Record {n} (withheld)"),
            Kind::Drug => format!("unlisted-drug-{n}"),
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

    fn walk(&mut self, value: &mut Value, parent: &str, key: &str) {
        match value {
            Value::String(s) => {
                let kind = match kind(key) {
                    Some(k) => Some(k),
                    // A drug authpack knows is kept; any other text there could be anything.
                    None if matches!(key, "drug" | "agent") && crate::reference::find_drug(s).is_none() => {
                        Some(Kind::Drug)
                    }
                    None if key == "name" && ORGANIZATIONS.contains(&parent) => Some(Kind::Organization),
                    None if key == "name" && PEOPLE.contains(&parent) => Some(Kind::Name),
                    None => None,
                };
                if let Some(kind) = kind {
                    *s = self.placeholder(kind, s);
                } else if let Some(shifted) = self.shift(s) {
                    *s = shifted;
                }
            }
            Value::Array(items) => {
                for item in items {
                    self.walk(item, parent, key);
                }
            }
            Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    self.walk(v, key, k);
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

/// The intake with people taken out, as JSON text (which is YAML, so it loads
/// like any intake). Fails only if the redacted values do not load back.
pub fn redact(intake: &Intake, intake_sha256: &str) -> Result<(Intake, String), String> {
    let mut value = serde_json::to_value(intake).map_err(|e| e.to_string())?;
    let offset = offset_keeping_age(intake, intake_sha256);
    let mut redactor = Redactor { offset, seen: BTreeMap::new(), counts: BTreeMap::new() };
    redactor.walk(&mut value, "", "");
    let text = serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?;
    let redacted = crate::intake::load_intake(&text)
        .map_err(|d| d.iter().map(|d| format!("{}: {}", d.path, d.message)).collect::<Vec<_>>().join("; "))?;
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
