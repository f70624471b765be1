//! What the plan reads. Every sample is built by the binary users run, and its
//! payer-facing documents are read as the plan's reviewer reads them: they
//! hold nothing internal, every letter argues medical necessity with evidence,
//! and every page a document cites is the page the fax holds. A request with a
//! criterion not met is refused, or built as an exception request when the
//! intake asks for one.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use crate::cases::materialize;
use crate::harness::{authpack, root, scenarios};
use crate::pdf::pdf_pages;

/// The entries of a packet the binary builds from `dir/intake.yaml`, by name.
fn built(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let out_dir = tempfile::tempdir().unwrap();
    let target = out_dir.path().join("packet.zip");
    let out = authpack(dir, &["build", "intake.yaml", "-o", target.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}: {}", dir.display(), String::from_utf8_lossy(&out.stderr));
    entries(&target)
}

fn entries(zip_path: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(zip_path).unwrap()).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut e = zip.by_index(i).unwrap();
            let mut bytes = Vec::new();
            e.read_to_end(&mut bytes).unwrap();
            (e.name().unwrap().to_string(), bytes)
        })
        .collect()
}

fn text(entries: &BTreeMap<String, Vec<u8>>, name: &str) -> String {
    String::from_utf8(entries.get(name).unwrap_or_else(|| panic!("{name} is in the packet")).clone()).unwrap()
}

/// The documents the clinic or the patient keeps; every other document goes to the plan.
const KEPT: &[&str] = &["preparation-worksheet.md", "next-steps.md"];

/// The letter of a packet, whichever kind it is.
fn letter_name(entries: &BTreeMap<String, Vec<u8>>) -> &'static str {
    ["letter-of-medical-necessity.md", "continuation-letter.md", "appeal-letter.md", "claim-letter.md"]
        .into_iter()
        .find(|n| entries.contains_key(*n))
        .expect("a letter")
}

/// Words that belong to the clinic's worksheet or to authpack, never to the plan.
const INTERNAL: &[&str] = &[
    "authpack",
    "domain.md",
    "design.md",
    "[V]",
    "[K]",
    "[U]",
    "\\[V",
    "[ ]",
    "[x]",
    "not met",
    "NOT MET",
    "missing",
    "hint:",
    "warning:",
    "Warnings from",
    "generic profile",
    "profile",
    "provenance",
    "confidence",
    "intake",
    "yaml",
    "request.",
    "treatment_history",
    "patient.",
    "prescriber.",
    "Gastaldon",
    "KARMA-Dep",
    "may cite against",
    "peer-to-peer discussion with a reviewer may raise",
    "RX501",
    "counter",
    "TODO",
    "to-do",
];

/// The internal words `text` holds. A word ending in `.` is a YAML path's
/// first step (`request.`): it counts only when a field name follows, so the
/// sentence "approve it as requested." does not.
fn internal_words(text: &str) -> Vec<&'static str> {
    INTERNAL
        .iter()
        .copied()
        .filter(|w| {
            if !w.ends_with('.') {
                return text.contains(w);
            }
            text.match_indices(w).any(|(at, _)| {
                let before = text[..at].chars().next_back();
                let after = text[at + w.len()..].chars().next();
                !before.is_some_and(char::is_alphanumeric) && after.is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            })
        })
        .collect()
}

#[test]
fn no_payer_facing_document_of_any_sample_holds_internal_text() {
    let samples = scenarios(&root().join("samples"));
    assert!(samples.len() >= 8);
    for (name, dir) in samples {
        let entries = built(&dir);
        let mut payer_facing = 0;
        for (entry, bytes) in &entries {
            if !entry.ends_with(".md") || KEPT.contains(&entry.as_str()) {
                continue;
            }
            payer_facing += 1;
            let found = internal_words(std::str::from_utf8(bytes).unwrap());
            assert!(found.is_empty(), "{name}: {entry} holds {found:?}");
        }
        assert!(payer_facing >= 3, "{name}: {payer_facing} payer-facing documents");
        // The fax itself, as the plan's machine reads it, page by page; the
        // enclosed records are the clinic's own and are not searched.
        let pages = pdf_pages(&entries["fax-combined.pdf"]);
        for (i, page) in pages.iter().enumerate() {
            if page.contains("Enclosure: ") {
                continue;
            }
            let found = internal_words(page);
            assert!(found.is_empty(), "{name}: fax page {} holds {found:?}", i + 1);
        }
        // The patient's sheet points to the calendar only when the packet holds one.
        let steps = text(&entries, "next-steps.md");
        assert_eq!(steps.contains("deadlines.ics"), entries.contains_key("deadlines.ics"), "{name}: the calendar");
        // The worksheet is where the internal text goes.
        let worksheet = text(&entries, "preparation-worksheet.md");
        assert!(worksheet.contains("Not sent to the plan"), "{name}");
        assert!(worksheet.contains("| Status |"), "{name}: the worksheet shows every status");
    }
}

#[test]
fn every_letter_argues_medical_necessity_with_evidence_and_what_a_denial_costs() {
    for (name, dir) in scenarios(&root().join("samples")) {
        let entries = built(&dir);
        let letter_entry = letter_name(&entries);
        let letter = text(&entries, letter_entry);
        assert!(letter.contains("medically necessary"), "{name}: {letter_entry} says medically necessary");
        let evidence = letter.split("\n## Evidence\n").nth(1).unwrap_or_else(|| panic!("{name}: an Evidence section"));
        assert!(evidence.trim_start().starts_with("1. "), "{name}: numbered references");
        // Supporting references only: what a payer cites against stays on the worksheet.
        for contrary in ["Gastaldon", "KARMA-Dep", "did not significantly", "far too small"] {
            assert!(!letter.contains(contrary), "{name}: {letter_entry} cites '{contrary}'");
        }
        if letter_entry != "claim-letter.md" {
            assert!(
                ["## What a denial means", "## Why this treatment is necessary now", "## If treatment stops"]
                    .iter()
                    .any(|h| letter.contains(h)),
                "{name}: {letter_entry} states what a denial costs the patient"
            );
        }
        // Machine phrasing never reaches a letter.
        for phrase in ["(s)", "(es)", "madrs ", "SEROTONIN", "None listed", "\n## \n"] {
            assert!(!letter.contains(phrase), "{name}: {letter_entry} holds '{phrase}'");
        }
        // Scores are stated against the policy's threshold; bands stay on the worksheet.
        for band in ["(moderate)", "(severe)", "(moderately severe)", "(mild)"] {
            assert!(!letter.contains(band), "{name}: {letter_entry} names a severity band {band}");
        }
    }
}

/// `(enclosure number, first fax page, last fax page)` for each citation in `text`:
/// "Enclosure 2, fax page 10", "enclosure 2 (fax pages 9-10)", "2. Title (fax page 9)".
fn citations(text: &str) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let lower = line.to_lowercase();
        let mut rest = lower.as_str();
        while let Some(at) = rest.find("enclosure ") {
            rest = &rest[at + "enclosure ".len()..];
            let number: String = rest.chars().take_while(char::is_ascii_digit).collect();
            let Ok(n) = number.parse::<usize>() else { continue };
            let after = &rest[number.len()..];
            if let Some(pages) = page_range(after.get(..after.len().min(40)).unwrap_or(after)) {
                out.push((n, pages.0, pages.1));
            }
        }
        // The enclosure list: "2. Psychiatric progress note, 2026-11-12 (fax page 10)".
        let number: String = line.chars().take_while(char::is_ascii_digit).collect();
        if !number.is_empty()
            && line[number.len()..].starts_with(". ")
            && let Some(at) = line.rfind("(fax page")
            && let Some(pages) = page_range(&line[at..])
        {
            out.push((number.parse().unwrap(), pages.0, pages.1));
        }
    }
    out
}

fn page_range(text: &str) -> Option<(usize, usize)> {
    let at = text.find("fax page")?;
    let rest = text[at..].trim_start_matches("fax pages").trim_start_matches("fax page").trim_start();
    let first: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let tail = &rest[first.len()..];
    let last: String =
        tail.strip_prefix('-').map(|t| t.chars().take_while(char::is_ascii_digit).collect()).unwrap_or_default();
    let first = first.parse().ok()?;
    Some((first, if last.is_empty() { first } else { last.parse().ok()? }))
}

/// The letter's enclosure list: number to title.
fn enclosure_titles(letter: &str) -> BTreeMap<usize, String> {
    let list = letter.split("\n## Enclosures\n").nth(1).unwrap_or_default();
    list.lines()
        .filter_map(|l| {
            let (n, rest) = l.split_once(". ")?;
            let title = rest.rsplit_once(" (").map_or(rest, |(t, _)| t);
            Some((n.parse().ok()?, title.to_string()))
        })
        .collect()
}

#[test]
fn every_page_a_document_cites_is_the_page_the_fax_holds() {
    let mut checked = 0;
    for (name, dir) in scenarios(&root().join("samples")) {
        let entries = built(&dir);
        let pages = pdf_pages(&entries["fax-combined.pdf"]);
        let letter = text(&entries, letter_name(&entries));
        let titles = enclosure_titles(&letter);
        for doc in [letter_name(&entries), "criteria-crosswalk.md"] {
            let Some(bytes) = entries.get(doc) else { continue };
            let body = std::str::from_utf8(bytes).unwrap();
            for (n, first, last) in citations(body) {
                let title = titles
                    .get(&n)
                    .unwrap_or_else(|| panic!("{name}: {doc} cites enclosure {n}, which the letter does not list"));
                // The claim letter lists the superbill first and numbers the records after it.
                if title.starts_with("Superbill") {
                    continue;
                }
                for p in first..=last {
                    let page = pages
                        .get(p - 1)
                        .unwrap_or_else(|| panic!("{name}: {doc} cites fax page {p} of {}", pages.len()));
                    let flat = page.split_whitespace().collect::<Vec<_>>().join(" ");
                    let title_flat = title.split_whitespace().collect::<Vec<_>>().join(" ");
                    assert!(
                        flat.contains(&format!("Enclosure: {title_flat} (")),
                        "{name}: {doc} cites enclosure {n} ({title}) on fax page {p}, which holds:\n{}",
                        &flat[..flat.len().min(300)]
                    );
                    assert!(flat.contains(&format!("fax page {p} of {}", pages.len())), "{name}: page {p} is numbered");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 20, "{checked} citations checked");
}

/// The trd base with `edits` applied.
fn case(about: &str, edits: &[(&str, &str)]) -> crate::cases::Case {
    crate::cases::edited("trd", about, edits)
}

const NOT_A_PSYCHIATRIST: (&str, &str) = ("  specialty: psychiatry\n", "  specialty: family-medicine\n");

#[test]
fn a_criterion_not_met_is_refused_and_built_only_as_an_exception_request() {
    // Not met, no exception: nothing is written, and the error says what would satisfy it.
    let plain = materialize("not-met", &case("prescriber not a psychiatrist", &[NOT_A_PSYCHIATRIST]));
    let target = plain.path().join("packet.zip");
    let out = authpack(plain.path(), &["build", "intake.yaml", "-o", target.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("criterion 'prescriber'") && stderr.contains("not met"), "{stderr}");
    assert!(stderr.contains("request.exception"), "the error names the way out: {stderr}");
    assert!(!target.exists(), "nothing is written");

    // With an exception for exactly that criterion, the letter is an exception request.
    let reason = "No psychiatrist within 90 miles takes the plan; the family physician co-manages with a consulting psychiatrist.";
    let exception = format!("  urgency: standard\n  exception:\n    criteria: [prescriber]\n    reason: {reason}\n");
    let asked = materialize(
        "exception",
        &case(
            "prescriber not a psychiatrist, exception asked",
            &[NOT_A_PSYCHIATRIST, ("  urgency: standard\n", &exception)],
        ),
    );
    let entries = built(asked.path());
    let letter = text(&entries, "letter-of-medical-necessity.md");
    assert!(letter.contains("request for an exception"), "the title says so");
    assert!(letter.contains("## Criteria not met, and why an exception is warranted"));
    assert!(letter.contains(reason));
    let not_met = letter.split("## Criteria not met").nth(1).unwrap().split("\n## ").next().unwrap();
    assert!(not_met.contains("Prescribed by a psychiatrist"), "the criterion not met is named:\n{not_met}");
    let met = letter.split("## Criteria not met").next().unwrap();
    assert!(!met.contains("Prescribed by a psychiatrist"), "it is never listed as met");
    assert!(!letter.contains("each criterion below is met") && !letter.contains("all of the criteria"));
    assert!(letter.contains("medically necessary"));

    // Missing data cannot be excepted: it is fixed in the intake.
    let missing = materialize(
        "missing",
        &case(
            "no PDMP check, exception asked for it",
            &[
                ("  pdmp_checked_on: 2026-11-06\n", ""),
                (
                    "  urgency: standard\n",
                    "  urgency: standard\n  exception:\n    criteria: [pdmp]\n    reason: The state PDMP portal was down.\n",
                ),
            ],
        ),
    );
    let out = authpack(missing.path(), &["build", "intake.yaml", "-o", "packet.zip"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("an exception cannot stand in for it"), "{stderr}");
    assert!(!missing.path().join("packet.zip").exists());
}

#[test]
fn a_claim_holds_its_superbill_and_an_in_network_request_does_not() {
    let claim = built(&root().join("samples/ketamine-iv-out-of-network-claim"));
    let cover = text(&claim, "cover-sheet.md");
    let contents: Vec<&str> =
        cover.split("## Contents").nth(1).unwrap().lines().filter(|l| l.starts_with(char::is_numeric)).collect();
    assert_eq!(
        contents[..3],
        ["1. Fax cover sheet", "2. Superbill (itemized statement)", "3. Claim for reimbursement"]
    );
    let superbill = text(&claim, "superbill.md");
    assert!(superbill.contains("**Provider NPI**") && superbill.contains("**Provider tax ID**"));
    assert!(superbill.contains("| **Total** |"));
    let steps = text(&claim, "next-steps.md");
    // Six infusions on six dates: a visit and its drug are two lines of one session.
    assert!(steps.contains("An estimate for 6 sessions"), "{steps}");
    assert!(
        text(&claim, "claim-letter.md")
            .contains("My doctor, Harriet Nakagawa-Byrne, MD, prescribed this treatment as medically necessary for me")
    );
    let total: f64 = steps
        .split("**Estimated total for you: $")
        .nth(1)
        .and_then(|t| t.split("**").next())
        .map(|t| t.replace(',', "").parse().unwrap())
        .unwrap();
    assert!(total <= 3300.0, "the patient's share ({total}) is at most what was charged");

    let request = built(&root().join("samples/esketamine-trd-initial"));
    assert!(!request.contains_key("superbill.md"), "an in-network request has no superbill");
    assert!(!text(&request, "cover-sheet.md").contains("Superbill"));
}

#[test]
fn the_labels_doses_are_verdicts_and_its_older_adult_start_is_read() {
    // 112 mg is four whole devices: a request outside the label, which the
    // clinic sees as the regimen criterion not met, not an input error.
    let dir = materialize("112", &case("112 mg a session", &[("    dose_mg: 56\n", "    dose_mg: 112\n")]));
    let out = authpack(dir.path(), &["check", "intake.yaml"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("error: request.regimen.dose_mg"), "not an input error: {stderr}");
    assert!(stderr.contains("criterion 'regimen'") && stderr.contains("not met"), "{stderr}");
    assert!(stdout.contains("not-met  regimen") || stdout.contains("not met  regimen"), "{stdout}");
    assert!(stdout.contains("the label's doses are 56 mg or 84 mg"), "the label's doses are the hint: {stdout}");

    // A 68-year-old started at 28 mg, as the label starts patients 65 and older: met, nothing raised.
    let older = |first: &str| {
        let edit = format!("    dose_mg: 56\n    first_dose_mg: {first}\n");
        let case = crate::cases::edited("ma-appeal", "68 years old", &[("    dose_mg: 56\n", edit.as_str())]);
        let dir = materialize("older", &case);
        let out = authpack(dir.path(), &["check", "intake.yaml"]);
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stdout, stderr) = older("28");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("starting at 28 mg"), "{stdout}");
    assert!(!stderr.contains("first_dose_mg"), "{stderr}");
    // Started at 56 mg instead: still within the label's doses, with a warning to confirm the start.
    let (code, _, stderr) = older("56");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("warning: request.regimen.first_dose_mg"), "{stderr}");
}

#[test]
fn a_pain_request_reads_as_a_pain_request() {
    let entries = built(&root().join("samples/ketamine-iv-chronic-pain"));
    let history = text(&entries, "treatment-history.md");
    assert!(history.contains("## Pain treatments"));
    assert!(
        !history.contains("Antidepressant trials"),
        "the antidepressant tried for pain is listed once, as a pain treatment"
    );
    assert!(!history.contains("current episode"), "a pain request has no depressive episode:\n{history}");
    let letter = text(&entries, "letter-of-medical-necessity.md");
    assert!(letter.contains("**Pain now:** 8 of 10 on the numeric rating scale"));
    assert!(letter.contains("(a drop of at least 30% from that score)"), "the pain scale's own response");
    assert!(!letter.contains("Standard treatment tried without remission"));
}
