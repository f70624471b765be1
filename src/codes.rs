//! Identifier and code newtypes: NPI, ICD-10-CM diagnosis codes, HCPCS/CPT procedure codes.
//!
//! Each is checked for its shape when the intake is loaded; a value that fails
//! becomes a diagnostic naming the field (see `yaml::Checked`).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::date::ParsedVisitor;
use crate::yaml::Checked;

macro_rules! code_newtype {
    ($(#[$doc:meta])* $name:ident, $type_name:literal, $what:literal, $placeholder:literal, $parse:path, $pattern:literal, $described:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Parses and normalises the text, explaining what is wrong when it cannot.
            pub fn parse(text: &str) -> Result<$name, String> {
                $parse(text).map($name)
            }

            /// The code as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub(crate) const CHECKED: Checked = Checked {
                name: $type_name,
                validate: |t| $parse(t).map(drop),
                placeholder: $placeholder,
                what: $what,
            };
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_newtype_struct($type_name, ParsedVisitor($name::parse))
            }
        }

        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                // Digits-only codes may be written as YAML numbers; authpack reads them as text.
                schemars::json_schema!({
                    "type": ["string", "integer"],
                    "pattern": $pattern,
                    "description": $described,
                    "examples": [$placeholder],
                })
            }
        }
    };
}

code_newtype!(
    /// A National Provider Identifier: 10 digits whose last is a Luhn check digit.
    Npi, "authpack::Npi", "NPI", "1234567893", parse_npi,
    "^[0-9]{10}$", "A National Provider Identifier: 10 digits, the last a Luhn check digit."
);
code_newtype!(
    /// An ICD-10-CM diagnosis code, upper case with its dot (`F33.2`).
    IcdCode, "authpack::IcdCode", "ICD-10-CM code", "F32.9", parse_icd,
    "^[A-Za-z][0-9][0-9A-Za-z](\\.?[0-9A-Za-z]{1,4})?$",
    "An ICD-10-CM (FY2026) code, billable, with its dot: F33.2."
);
code_newtype!(
    /// A HCPCS Level II (`G2082`) or CPT (`96365`) procedure code.
    ProcedureCode, "authpack::ProcedureCode", "procedure code", "99213", parse_procedure,
    "^[A-Za-z0-9]{5}$", "A HCPCS Level II (G2082) or CPT (96365) code; quote CPT codes."
);

code_newtype!(
    /// A National Drug Code, normalised to the 11-digit 5-4-2 billing form (`50458-0028-02`).
    Ndc, "authpack::Ndc", "NDC", "00000-0000-00", parse_ndc,
    "^([0-9]{4,5}-[0-9]{3,4}-[0-9]{1,2}|[0-9]{11})$",
    "A National Drug Code: 4-4-2, 5-3-2, 5-4-1 or 5-4-2 with hyphens, or 11 digits."
);

fn parse_ndc(text: &str) -> Result<String, String> {
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let parts: Vec<&str> = text.trim().split('-').collect();
    let (a, b, c) = match parts.as_slice() {
        [whole] if whole.len() == 11 && all_digits(whole) => {
            (whole[..5].to_string(), whole[5..9].to_string(), whole[9..].to_string())
        }
        [whole] if whole.len() == 10 && all_digits(whole) => {
            return Err("a 10-digit NDC needs its hyphens (4-4-2, 5-3-2 or 5-4-1) to be read without guessing".into());
        }
        [a, b, c] if [a, b, c].iter().all(|p| all_digits(p)) => match (a.len(), b.len(), c.len()) {
            (4, 4, 2) => (format!("0{a}"), b.to_string(), c.to_string()),
            (5, 3, 2) => (a.to_string(), format!("0{b}"), c.to_string()),
            (5, 4, 1) => (a.to_string(), b.to_string(), format!("0{c}")),
            (5, 4, 2) => (a.to_string(), b.to_string(), c.to_string()),
            _ => return Err("expected the shapes 4-4-2, 5-3-2, 5-4-1 or 5-4-2".into()),
        },
        _ => return Err("expected an NDC such as 50458-028-02 (4-4-2, 5-3-2, 5-4-1 or 11 digits)".into()),
    };
    Ok(format!("{a}-{b}-{c}"))
}

fn parse_npi(text: &str) -> Result<String, String> {
    let digits: Vec<u32> = text.chars().filter_map(|c| c.to_digit(10)).collect();
    if text.len() != 10 || digits.len() != 10 {
        return Err("an NPI is exactly 10 digits".to_string());
    }
    if npi_check_digit(&digits[..9]) != digits[9] {
        return Err("the check digit (the last digit) does not match; look for a mistyped digit".to_string());
    }
    Ok(text.to_string())
}

/// The Luhn check digit of the first nine NPI digits, computed over the 80840 prefix.
pub fn npi_check_digit(first_nine: &[u32]) -> u32 {
    // The prefix 80840 contributes a constant 24 to the Luhn sum.
    let sum: u32 = first_nine
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| if i % 2 == 0 { if d * 2 > 9 { d * 2 - 9 } else { d * 2 } } else { d })
        .sum::<u32>()
        + 24;
    (10 - sum % 10) % 10
}

fn parse_icd(text: &str) -> Result<String, String> {
    let upper = text.trim().to_ascii_uppercase();
    let compact: String = upper.chars().filter(|c| *c != '.').collect();
    let b = compact.as_bytes();
    let shape = b.len() >= 3
        && b.len() <= 7
        && b[0].is_ascii_uppercase()
        && b[1].is_ascii_digit()
        && b[2].is_ascii_alphanumeric()
        && b[3..].iter().all(u8::is_ascii_alphanumeric);
    let dots = upper.matches('.').count();
    let dot_ok = dots == 0 || (dots == 1 && upper.find('.') == Some(3) && b.len() > 3);
    if !shape || !dot_ok {
        return Err("expected an ICD-10-CM code such as F33.2: a letter, two characters, then an optional dot and up to four more".to_string());
    }
    Ok(if b.len() > 3 { format!("{}.{}", &compact[..3], &compact[3..]) } else { compact })
}

fn parse_procedure(text: &str) -> Result<String, String> {
    let upper = text.trim().to_ascii_uppercase();
    let b = upper.as_bytes();
    let hcpcs = b.len() == 5 && b[0].is_ascii_uppercase() && b[1..].iter().all(u8::is_ascii_digit);
    let cpt = b.len() == 5
        && b[..4].iter().all(u8::is_ascii_digit)
        && (b[4].is_ascii_digit() || matches!(b[4], b'F' | b'T' | b'U'));
    if !(hcpcs || cpt) {
        return Err(
            "expected a 5-character HCPCS code (a letter and four digits, such as G2082) or CPT code (such as 96365)"
                .to_string(),
        );
    }
    Ok(upper)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npi_check_digit_is_luhn_over_80840() {
        assert!(Npi::parse("1234567893").is_ok());
        assert!(Npi::parse("1234567890").is_err());
        assert!(Npi::parse("123456789").is_err());
        assert!(Npi::parse("12345678931").is_err());
        assert!(Npi::parse("12345-7893").is_err());
    }

    #[test]
    fn icd_codes_normalise_and_reject_bad_shapes() {
        assert_eq!(IcdCode::parse("f33.2").unwrap().as_str(), "F33.2");
        assert_eq!(IcdCode::parse("F332").unwrap().as_str(), "F33.2");
        assert_eq!(IcdCode::parse("F32.A").unwrap().as_str(), "F32.A");
        assert_eq!(IcdCode::parse("G90.511").unwrap().as_str(), "G90.511");
        for bad in ["F3", "33.2", "F33..2", "F3.32", "F33.21234", "F33 2", ""] {
            assert!(IcdCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ndcs_normalise_to_eleven_digits() {
        for (written, normal) in [
            ("1234-5678-90", "01234-5678-90"),
            ("50458-028-02", "50458-0028-02"),
            ("12345-6789-1", "12345-6789-01"),
            ("12345-6789-01", "12345-6789-01"),
            ("12345678901", "12345-6789-01"),
        ] {
            assert_eq!(Ndc::parse(written).unwrap().as_str(), normal, "{written}");
        }
        for bad in ["1234567890", "123-4567-890", "12345-678-9", "5045A-028-02", ""] {
            assert!(Ndc::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn procedure_codes_are_hcpcs_or_cpt_shaped() {
        for good in ["G2082", "j0013", "96365", "0591T"] {
            assert!(ProcedureCode::parse(good).is_ok(), "{good}");
        }
        for bad in ["G208", "GG082", "963655", "9636A"] {
            assert!(ProcedureCode::parse(bad).is_err(), "{bad}");
        }
    }
}
