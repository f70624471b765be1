//! The patient's own plan rules: one fixture per appeal regime (and for the
//! patient's voice, an expedited appeal and a Medicare representative), each a
//! base intake with edits and the phrases its documents must and must not hold.
//! The fixtures are `tests/cases/regimes/*.yaml`.

use std::collections::BTreeMap;
use std::io::Read;

use serde::Deserialize;

use crate::cases::{Edit, edited, materialize};
use crate::harness::{authpack, root};

/// One regime fixture.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixture {
    /// What the regime is and what its documents must say.
    about: String,
    /// The base folder under `tests/cases/base/`.
    base: String,
    /// Edits to the base intake.
    edits: Vec<Edit>,
    /// Document name to the phrases it must hold.
    must: BTreeMap<String, Vec<String>>,
    /// Document name to the phrases it must not hold.
    #[serde(default)]
    must_not: BTreeMap<String, Vec<String>>,
}

fn fixtures() -> Vec<(String, Fixture)> {
    let dir = root().join("tests/cases/regimes");
    let mut out: Vec<(String, Fixture)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let fixture = serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p.file_stem().unwrap().to_string_lossy().into_owned(), fixture)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn each_regime_says_what_its_rules_require_and_nothing_another_regime_would() {
    let all = fixtures();
    let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
    for regime in [
        "erisa-self-funded",
        "employer-fully-insured",
        "aca-marketplace",
        "external-review",
        "medicare-advantage",
        "medicare-part-d",
        "medicare",
        "medicaid-managed-care",
        "medicaid",
    ] {
        assert!(names.contains(&regime), "a fixture for {regime}");
    }
    for (name, f) in &all {
        let edits: Vec<(&str, &str)> = f.edits.iter().map(|e| (e.find.as_str(), e.replace.as_str())).collect();
        let dir = materialize(name, &edited(&f.base, &f.about, &edits));
        let out = authpack(dir.path(), &["build", "intake.yaml", "--format", "md", "-o", "packet.zip"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{name}: {stderr}");
        let mut zip = zip::ZipArchive::new(std::fs::File::open(dir.path().join("packet.zip")).unwrap()).unwrap();
        let mut read = |doc: &str| {
            let mut text = String::new();
            zip.by_name(doc)
                .unwrap_or_else(|_| panic!("{name}: the packet holds {doc}"))
                .read_to_string(&mut text)
                .unwrap();
            text
        };
        for (doc, phrases) in &f.must {
            let text = read(doc);
            for p in phrases {
                assert!(text.contains(p.as_str()), "{name} ({}): {doc} must say {p:?}\n---\n{text}", f.about);
            }
        }
        for (doc, phrases) in &f.must_not {
            let text = read(doc);
            for p in phrases {
                assert!(!text.contains(p.as_str()), "{name} ({}): {doc} must not say {p:?}", f.about);
            }
        }
    }
}

#[test]
fn a_redacted_representative_appeal_holds_none_of_the_representative() {
    let (name, f) = fixtures().into_iter().find(|(n, _)| n == "medicare-representative").unwrap();
    let edits: Vec<(&str, &str)> = f.edits.iter().map(|e| (e.find.as_str(), e.replace.as_str())).collect();
    let dir = materialize(&name, &edited(&f.base, &f.about, &edits));
    let out = authpack(dir.path(), &["build", "intake.yaml", "--format", "md", "--redact", "-o", "packet.zip"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let mut zip = zip::ZipArchive::new(std::fs::File::open(dir.path().join("packet.zip")).unwrap()).unwrap();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for value in ["Ingrid", "Halvarsen-Marsh", "18 Via Entrada", "520-555-0177"] {
            assert!(!text.contains(value), "{}: holds the representative's {value:?}", entry.name().unwrap());
        }
    }
}
