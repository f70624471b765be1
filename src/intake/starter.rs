//! Starter intakes: the commented intake `authpack init` writes for a therapy
//! and a kind of request, every example value marked `!example` so that one
//! left in place is refused, never sent.

use std::sync::OnceLock;

/// The starter template (Tera, writing YAML).
const TEMPLATE: &str = include_str!("../../packet-templates/starter-intake.yaml");

/// The starter intake for a therapy and a kind of request.
pub fn starter(therapy: &str, kind: &str) -> String {
    static TERA: OnceLock<tera::Tera> = OnceLock::new();
    let tera = TERA.get_or_init(|| {
        let mut t = tera::Tera::default();
        t.add_raw_template("starter", TEMPLATE).expect("the starter template parses (tested)");
        t
    });
    let mut context = tera::Context::new();
    context.insert("therapy", therapy);
    context.insert("kind", kind);
    tera.render("starter", &context).expect("the starter renders for every therapy and kind (tested)")
}

/// The value of the first `key:` line of a starter (its comment and example mark removed).
pub fn starter_value(text: &str, key: &str) -> Option<String> {
    let line = text.lines().find(|l| l.trim_start().starts_with(&format!("{key}:")))?;
    let value = line.split_once(':')?.1;
    let value = value.split(" #").next().unwrap_or(value).trim();
    let value = value.strip_prefix(crate::yaml::EXAMPLE_TAG).unwrap_or(value).trim().trim_matches('"');
    Some(value.to_string())
}

/// The starter with the first `key:` line's value replaced by `value`, as a
/// quoted YAML string, its example mark gone.
pub fn replace_value(text: &str, key: &str, value: &str) -> String {
    let quoted = serde_json::to_string(value).expect("a string serializes");
    let mut done = false;
    let mut out = String::with_capacity(text.len() + value.len());
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if !done && trimmed.starts_with(&format!("{key}:")) {
            let indent = &line[..line.len() - trimmed.len()];
            let comment = trimmed.find(" #").map(|i| trimmed[i..].trim_end().to_string()).unwrap_or_default();
            out.push_str(&format!(
                "{indent}{key}: {quoted}{}{}\n",
                if comment.is_empty() { "" } else { "   " },
                comment.trim_start()
            ));
            done = true;
        } else {
            out.push_str(line);
        }
    }
    out
}

/// The starter with every example mark removed: what a user who kept every
/// example value would have (the tests check it builds clean).
pub fn unmarked(text: &str) -> String {
    text.replace(&format!("{} ", crate::yaml::EXAMPLE_TAG), "")
}

#[cfg(test)]
mod tests {
    use super::*;

    const THERAPIES: [&str; 3] = ["esketamine-nasal", "ketamine-iv", "ketamine-im"];
    const KINDS: [&str; 4] = ["initial", "continuation", "appeal", "claim"];

    #[test]
    fn every_example_value_is_refused_one_error_a_field() {
        for therapy in THERAPIES {
            for kind in KINDS {
                let text = starter(therapy, kind);
                let marks: usize = text
                    .lines()
                    .filter(|l| !l.trim_start().starts_with('#'))
                    .map(|l| l.split(" #").next().unwrap_or(l).matches(crate::yaml::EXAMPLE_TAG).count())
                    .sum();
                let errors = crate::intake::load_intake(&text).unwrap_err();
                assert!(
                    errors.iter().all(|d| d.message.starts_with("still holds the starter's example value")),
                    "{therapy} {kind}: {errors:?}"
                );
                assert_eq!(errors.len(), marks, "{therapy} {kind}: one error per example value");
            }
        }
    }

    #[test]
    fn every_starter_with_its_examples_kept_reads_clean_against_a_bundled_profile() {
        let pack = crate::Pack::bundled();
        let settings =
            crate::Settings { pack: &pack, policy: None, typesetter: None, markdown: true, redact: false, fhir: false };
        for therapy in THERAPIES {
            for kind in KINDS {
                let input = crate::Input { text: unmarked(&starter(therapy, kind)), folder: ".".into() };
                match crate::read(&input, &settings) {
                    Ok(reading) => {
                        let unmet: Vec<_> = reading
                            .evaluation
                            .criteria
                            .iter()
                            .filter(|c| c.status != crate::policy::Status::Met)
                            .map(|c| &c.id)
                            .collect();
                        assert!(unmet.is_empty(), "{therapy} {kind}: {unmet:?}");
                    }
                    Err(r) => panic!("{therapy} {kind}: {:#?}", r.diagnostics),
                }
            }
        }
    }

    #[test]
    fn interactive_answers_replace_the_starter_values_as_quoted_yaml() {
        let text = starter("ketamine-iv", "initial");
        assert_eq!(starter_value(&text, "member_id").as_deref(), Some("ZXP4419027"));
        let text = replace_value(&text, "first_name", "Ana \"Q\" #1");
        let text = replace_value(&text, "member_id", "XK-12345");
        assert_eq!(starter_value(&text, "member_id").as_deref(), Some("XK-12345"));
        let loaded = crate::intake::load_intake(&unmarked(&text)).unwrap();
        assert_eq!(loaded.intake.patient.first_name, "Ana \"Q\" #1");
        assert_eq!(loaded.intake.patient.member_id, "XK-12345");
    }
}
