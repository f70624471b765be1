//! The other commands: template overrides, init, policies.

use crate::harness::{authpack, root};

#[test]
fn a_template_override_is_used_and_a_broken_one_is_an_error_naming_it() {
    let dir = root().join("samples/esketamine-trd-initial");
    let tmp = tempfile::tempdir().unwrap();
    let templates = tmp.path().join("t");
    let out = authpack(&dir, &["templates", "eject", templates.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(templates.join("documents/cover-sheet.md").is_file());
    assert!(templates.join("policies/esketamine-trd.yaml").is_file());

    let cover = templates.join("documents/cover-sheet.md");
    let text = std::fs::read_to_string(&cover)
        .unwrap()
        .replace("{% else %}Fax cover sheet{% endif %}", "{% else %}Fax cover sheet: Lakeside edition{% endif %}");
    std::fs::write(&cover, text).unwrap();
    let packet = tmp.path().join("p.zip");
    let out = authpack(
        &dir,
        &["build", "intake.yaml", "-o", packet.to_str().unwrap(), "--templates", templates.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&packet).unwrap()).unwrap();
    let mut cover_text = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("cover-sheet.md").unwrap(), &mut cover_text).unwrap();
    assert!(cover_text.starts_with("# Fax cover sheet: Lakeside edition"), "{cover_text}");

    std::fs::write(&cover, "{% if unclosed %}").unwrap();
    let broken = tmp.path().join("broken.zip");
    let out = authpack(
        &dir,
        &["build", "intake.yaml", "-o", broken.to_str().unwrap(), "--templates", templates.to_str().unwrap()],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cover-sheet.md"), "the error names the template: {stderr}");
    assert!(!broken.exists());
}

#[test]
fn init_writes_a_starter_that_checks_and_policies_list_every_profile() {
    let tmp = tempfile::tempdir().unwrap();
    let out = authpack(tmp.path(), &["init", "--therapy", "ketamine-iv", "--kind", "appeal", "-o", "start.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    // A starter still holds example values, each marked: check refuses it
    // with one error per marked value and no other kind of error.
    let out = authpack(tmp.path(), &["check", "start.yaml"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error: ")).collect();
    assert!(errors.len() >= 20, "{stderr}");
    assert!(errors.iter().all(|e| e.contains("still holds the starter's example value")), "{stderr}");
    for path in ["patient.last_name", "patient.member_id", "prescriber.npi", "appeal.denial_reason"] {
        assert!(errors.iter().any(|e| e.starts_with(&format!("error: {path}:"))), "{path}: {stderr}");
    }
    let out = authpack(tmp.path(), &["init", "-o", "start.yaml"]);
    assert_eq!(out.status.code(), Some(2), "an existing file is not replaced");

    let out = authpack(tmp.path(), &["policies", "list"]);
    insta::assert_snapshot!("policies_list", String::from_utf8_lossy(&out.stdout));
    let out = authpack(tmp.path(), &["policies", "show", "esketamine-trd"]);
    insta::assert_snapshot!("policies_show_esketamine_trd", String::from_utf8_lossy(&out.stdout));
    let out = authpack(tmp.path(), &["policies", "show", "nope"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn check_json_has_the_documented_shape() {
    let dir = root().join("samples/ketamine-iv-out-of-network-claim");
    let out = authpack(&dir, &["check", "intake.yaml", "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["valid"], true, "a claim is judged, not gated");
    assert_eq!(doc["policy"]["id"], "ketamine-iv-trd");

    // A request with a criterion not met and one missing: the reading is
    // there, and the intake is not valid to send until it is fixed or excepted.
    let case = crate::cases::edited(
        "trd",
        "not a psychiatrist, no PDMP check",
        &[("  specialty: psychiatry\n", "  specialty: family-medicine\n"), ("  pdmp_checked_on: 2026-11-06\n", "")],
    );
    let dir = crate::cases::materialize("verdicts", &case);
    let out = authpack(dir.path(), &["check", "intake.yaml", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["valid"], false);
    assert!(doc["diagnostics"].is_array());
    assert!(doc["diagnostics"].as_array().unwrap().iter().any(|d| d["path"] == "request.exception"));
    assert_eq!(doc["policy"]["id"], "esketamine-trd");
    let statuses: Vec<&str> =
        doc["policy"]["criteria"].as_array().unwrap().iter().map(|c| c["status"].as_str().unwrap()).collect();
    assert!(
        statuses.contains(&"met") && statuses.contains(&"not-met") && statuses.contains(&"missing"),
        "{statuses:?}"
    );
    for c in doc["policy"]["criteria"].as_array().unwrap() {
        assert!(c["id"].is_string() && c["evidence"].is_array());
    }
    let case =
        crate::cases::load_all(&root().join("tests/cases/invalid")).into_iter().find(|(n, _)| n == "many-problems");
    let (name, case) = case.expect("the many-problems case");
    let bad = crate::cases::materialize(&name, &case);
    let out = authpack(bad.path(), &["check", "intake.yaml", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["valid"], false);
    assert!(doc["policy"].is_null());
    let first = &doc["diagnostics"][0];
    assert!(
        first["severity"] == "error"
            && first["path"].is_string()
            && first["line"].is_number()
            && first["message"].is_string()
    );
}

#[test]
fn policies_show_of_an_unknown_id_names_the_command_and_the_close_id() {
    let out = crate::harness::authpack(&crate::harness::root(), &["policies", "show", "esketamine-tdr"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("policies show: unknown policy 'esketamine-tdr'"), "{err}");
    assert!(err.contains("did you mean 'esketamine-trd'?") && !err.contains("--policy"), "{err}");
}
