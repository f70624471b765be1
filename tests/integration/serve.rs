//! `authpack serve`: hostile requests refused with nothing written (plain
//! HTTP, every header chosen), and the interview in a real browser (headless
//! Chromium over WebDriver): a patient builds an IV ketamine appeal from an
//! empty folder, a medical assistant fixes a sample's error and builds, and a
//! criterion not met is met with its hint and the exception path. Each
//! packet is then checked by `authpack verify`.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Instant;

use serde_json::Value;

use crate::harness::{authpack, root};
use crate::web::{Browser, Server, http, shots};

fn files_in(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> =
        walk(dir).into_iter().map(|p| p.strip_prefix(dir).unwrap().display().to_string()).collect();
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
                b' ' => "+".into(),
                b => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    pairs.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&").into_bytes()
}

#[test]
fn hostile_requests_are_refused_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let port = server.port;
    let (cookie, csrf) = server.enter();
    let host = format!("Host: 127.0.0.1:{port}");
    let post = |extra: &str, body: &[u8]| {
        http(
            port,
            &format!("POST /interview HTTP/1.1\r\n{host}\r\nContent-Type: application/x-www-form-urlencoded{extra}"),
            body,
        )
    };
    let save =
        form(&[("csrf", &csrf), ("seen", "patient.first_name"), ("patient.first_name", "Zyxwvut"), ("op", "save")]);
    let no_csrf = form(&[("seen", "patient.first_name"), ("patient.first_name", "Zyxwvut"), ("op", "save")]);
    let wrong_csrf =
        form(&[("csrf", "0123"), ("seen", "patient.first_name"), ("patient.first_name", "Zyxwvut"), ("op", "save")]);

    let cases: Vec<(&str, u16, crate::web::Response)> = vec![
        ("no token", 401, http(port, &format!("GET /interview HTTP/1.1\r\n{host}"), b"")),
        ("a wrong token", 401, http(port, &format!("GET /?token={} HTTP/1.1\r\n{host}", "0".repeat(64)), b"")),
        (
            "a wrong cookie",
            401,
            http(port, &format!("GET /interview HTTP/1.1\r\n{host}\r\nCookie: authpack-{port}=abc"), b""),
        ),
        (
            "a foreign Host header (DNS rebinding)",
            421,
            http(port, &format!("GET /interview HTTP/1.1\r\nHost: attacker.example:{port}\r\nCookie: {cookie}"), b""),
        ),
        ("no Host header", 421, http(port, &format!("GET /interview HTTP/1.1\r\nCookie: {cookie}"), b"")),
        (
            "a cross-site POST (Origin)",
            403,
            post(&format!("\r\nCookie: {cookie}\r\nOrigin: https://attacker.example"), &save),
        ),
        (
            "a cross-site POST (Sec-Fetch-Site)",
            403,
            post(&format!("\r\nCookie: {cookie}\r\nSec-Fetch-Site: cross-site"), &save),
        ),
        ("a POST without the CSRF token", 403, post(&format!("\r\nCookie: {cookie}"), &no_csrf)),
        ("a POST with a wrong CSRF token", 403, post(&format!("\r\nCookie: {cookie}"), &wrong_csrf)),
        ("a POST without the cookie", 401, post("", &save)),
        (
            "a CORS preflight",
            403,
            http(
                port,
                &format!(
                    "OPTIONS /interview HTTP/1.1\r\n{host}\r\nCookie: {cookie}\r\nOrigin: https://attacker.example"
                ),
                b"",
            ),
        ),
        ("an oversized form", 413, post(&format!("\r\nCookie: {cookie}"), &vec![b'a'; 2 * 1024 * 1024])),
        ("an oversized upload", 413, {
            let boundary = "XyZ";
            let mut body = format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{boundary}\r\n\
                 Content-Disposition: form-data; name=\"file\"; filename=\"big.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n"
            )
            .into_bytes();
            body.extend(std::iter::repeat_n(b'0', 21 * 1024 * 1024));
            body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
            http(
                port,
                &format!(
                    "POST /upload HTTP/1.1\r\n{host}\r\nCookie: {cookie}\r\nContent-Type: multipart/form-data; boundary={boundary}"
                ),
                &body,
            )
        }),
        ("an upload that is not a record", 415, {
            let boundary = "XyZ";
            let body = format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{boundary}\r\n\
                 Content-Disposition: form-data; name=\"file\"; filename=\"note.pdf\"\r\nContent-Type: application/pdf\r\n\r\n<script>alert(1)</script>\r\n--{boundary}--\r\n"
            );
            http(
                port,
                &format!(
                    "POST /upload HTTP/1.1\r\n{host}\r\nCookie: {cookie}\r\nContent-Type: multipart/form-data; boundary={boundary}"
                ),
                body.as_bytes(),
            )
        }),
    ];
    for (what, status, r) in &cases {
        assert_eq!(r.status, *status, "{what}: {}", r.text());
        assert!(r.header("access-control-allow-origin").is_none(), "{what}: no CORS");
        assert_eq!(files_in(dir.path()), Vec::<String>::new(), "{what} wrote nothing");
    }

    // The same save from the page itself is accepted: the refusals above are the guard's, not a broken server.
    let ok =
        post(&format!("\r\nCookie: {cookie}\r\nOrigin: http://127.0.0.1:{port}\r\nSec-Fetch-Site: same-origin"), &save);
    assert_eq!(ok.status, 200, "{}", ok.text());
    let csp = ok.header("content-security-policy").expect("a CSP");
    assert!(
        csp.contains("default-src 'none'")
            && csp.contains("script-src 'self'")
            && csp.contains("frame-ancestors 'none'")
    );
    assert_eq!(ok.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(files_in(dir.path()), vec!["intake.yaml"]);
    let intake = dir.path().join("intake.yaml");
    assert_eq!(std::fs::metadata(&intake).unwrap().permissions().mode() & 0o777, 0o600);
    assert!(std::fs::read_to_string(&intake).unwrap().contains("first_name: \"Zyxwvut\""));

    let log = server.stop();
    assert!(!log.contains(&server_token(&log)), "the token is never logged");
    assert!(!log.contains("Zyxwvut"), "no field value is logged:\n{log}");
    for line in log.lines().skip(1) {
        let parts: Vec<&str> = line.split(' ').collect();
        assert!(
            parts.len() == 3 && parts[1].starts_with('/') && !parts[1].contains('?'),
            "only method, path and status: {line:?}"
        );
    }
}

/// A 64-hex-digit run in the log, if any (the token would be one).
fn server_token(log: &str) -> String {
    log.split(|c: char| !c.is_ascii_hexdigit()).find(|w| w.len() == 64).unwrap_or("no token here at all").to_string()
}

/// A sample's records copied into a folder's `records/`.
fn copy_records(sample: &Path, dir: &Path) {
    std::fs::create_dir(dir.join("records")).unwrap();
    for e in std::fs::read_dir(sample.join("records")).unwrap().flatten() {
        std::fs::copy(e.path(), dir.join("records").join(e.file_name())).unwrap();
    }
}

fn verify(packet: &Path) -> String {
    let out = authpack(packet.parent().unwrap(), &["verify", packet.to_str().unwrap()]);
    assert!(out.status.success(), "verify: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

fn zip_names(packet: &Path) -> Vec<String> {
    let out = std::process::Command::new("unzip").arg("-Z1").arg(packet).output().expect("unzip runs");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect()
}

#[test]
fn a_patient_builds_an_iv_ketamine_appeal_from_an_empty_folder() {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let shots = shots(dir.path());
    let server = Server::start(dir.path());
    let b = Browser::start();
    b.goto(&server.url);
    assert_eq!(b.text("h1"), "authpack: the patient interview");
    assert!(b.text("#summary").starts_with("Not ready to build"));
    let unlabelled = b.script(
        "return [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]\
         .filter(e => !e.labels || e.labels.length === 0).map(e => e.name || e.id)",
    );
    assert_eq!(unlabelled, serde_json::json!([]), "every input has its label");
    b.screenshot(&shots.join("interview-empty.png"));

    // The rows first: each button submits the page.
    for add in ["diagnoses", "treatment_history-antidepressants", "treatment_history-antidepressants"] {
        b.click(&format!("#add-{add}"));
    }
    for add in ["treatment_history-augmentations", "assessments"] {
        b.click(&format!("#add-{add}"));
    }
    assert!(b.text("#s-treatment_history").contains("Antidepressant trial 2"));
    // Enter in a field submits the page as "Check my answers" does: no row is removed.
    b.fill("[name=\"patient.first_name\"]", "Jolene\u{E007}");
    b.wait("the page after Enter", "return document.querySelectorAll('fieldset.row').length === 5");
    assert!(b.text("#s-diagnoses").contains("Diagnosis 1"), "Enter removed no row");

    // The denial letter, uploaded.
    let letter = root().join("samples/ketamine-iv-appeal/records/denial-letter-2026-10-09.pdf");
    b.fill("#record-title", "Denial letter, 2026-10-09");
    b.fill("#record-file", letter.to_str().unwrap());
    b.click("#upload button[type=submit]");
    assert!(b.text(".notice").contains("Added records/denial-letter-2026-10-09.pdf"), "{}", b.text(".notice"));

    b.chooses(&[("request.kind", "appeal"), ("request.therapy", "ketamine-iv"), ("request.indication", "trd")]);
    b.fills(&[("request.date", "2026-10-27")]);
    b.chooses(&[("request.regimen.phase", "course"), ("request.regimen.frequency", "twice-weekly")]);
    b.fills(&[
        ("request.regimen.dose_mg_per_kg", "0.5"),
        ("request.regimen.infusion_minutes", "40"),
        ("request.regimen.sessions", "6"),
        ("patient.first_name", "Jolene"),
        ("patient.last_name", "Ashcombe"),
        ("patient.date_of_birth", "1985-06-02"),
        ("patient.member_id", "KAE77104952"),
        ("patient.weight_kg", "64"),
        ("payer.name", "Summit Plains Benefit Administrators"),
    ]);
    b.chooses(&[("payer.plan_type", "ppo"), ("payer.funding", "self-funded")]);
    b.fills(&[
        ("prescriber.first_name", "Desmond"),
        ("prescriber.last_name", "Oyelaran"),
        ("prescriber.credentials", "MD"),
        ("prescriber.specialty", "psychiatry"),
        ("prescriber.npi", "1136508276"),
        ("prescriber.practice.name", "Front Range Ketamine and Mood Center"),
        ("prescriber.practice.fax", "303-555-0161"),
        ("diagnoses[0].code", "F33.1"),
        ("current_episode.start", "2025-01-10"),
    ]);
    b.chooses(&[("current_episode.psychotic_features", "false")]);
    let trials = "treatment_history.antidepressants";
    b.fills(&[
        (&format!("{trials}[0].drug"), "sertraline"),
        (&format!("{trials}[0].max_dose_mg"), "200"),
        (&format!("{trials}[0].start"), "2025-02-03"),
        (&format!("{trials}[0].end"), "2025-05-19"),
        (&format!("{trials}[1].drug"), "Wellbutrin"),
        (&format!("{trials}[1].max_dose_mg"), "450"),
        (&format!("{trials}[1].start"), "2025-05-26"),
        (&format!("{trials}[1].end"), "2025-09-08"),
        ("treatment_history.augmentations[0].agent", "quetiapine"),
        ("treatment_history.augmentations[0].max_dose_mg", "150"),
        ("treatment_history.augmentations[0].start", "2026-01-05"),
        ("treatment_history.augmentations[0].end", "2026-04-27"),
    ]);
    b.chooses(&[
        (&format!("{trials}[0].outcome"), "no-response"),
        (&format!("{trials}[1].outcome"), "no-response"),
        ("treatment_history.augmentations[0].outcome", "no-response"),
        ("treatment_history.esketamine.status", "unavailable"),
    ]);
    b.fills(&[("treatment_history.esketamine.reason", "The nearest certified esketamine site is 140 miles away.")]);
    b.chooses(&[("assessments[0].instrument", "phq-9")]);
    b.fills(&[("assessments[0].score", "18"), ("assessments[0].date", "2026-10-20")]);
    b.chooses(&[
        ("safety.contraindications.blood_pressure_hazard", "false"),
        ("safety.contraindications.hypersensitivity", "false"),
        ("safety.substance_use", "none"),
    ]);
    b.fills(&[("safety.pdmp_checked_on", "2026-10-20")]);
    b.chooses(&[
        ("appeal.level", "first-internal"),
        ("appeal.denial_basis", "not-medically-necessary"),
        ("appeal.appellant", "patient"),
    ]);
    let before = b.live_count();
    b.fills(&[
        ("appeal.denial_date", "2026-10-09"),
        ("appeal.reference_number", "UM-2026-204417"),
        ("appeal.denial_reason", "Not medically necessary: IV ketamine is not FDA-approved for depression."),
    ]);
    b.settle(before);
    b.wait(
        "the reading to say it can be built",
        "return document.getElementById('summary').textContent.startsWith('The intake can be built')",
    );
    let reading = b.text("#reading");
    assert!(reading.contains("Overall: met"), "{reading}");
    assert!(reading.contains("Deadlines"), "an appeal's deadlines are shown: {reading}");
    assert!(
        b.text("#deadlines").contains("2027-04-07"),
        "180 days from the notice of 2026-10-09: {}",
        b.text("#deadlines")
    );
    assert!(!reading.contains("✘"), "no criterion not met: {reading}");
    b.screenshot(&shots.join("interview-reading.png"));

    b.click("button[value=build]");
    let built = b.text("#built");
    assert!(built.starts_with("Built packet.zip in the folder"), "{built}");
    b.screenshot(&shots.join("interview-built.png"));
    let packet = dir.path().join("packet.zip");
    verify(&packet);
    let names = zip_names(&packet);
    assert!(names.iter().any(|n| n.starts_with("appeal")), "an appeal letter: {names:?}");
    assert!(
        names.iter().any(|n| n.contains("denial-letter-2026-10-09")),
        "the uploaded denial letter is enclosed: {names:?}"
    );
    let intake = std::fs::read_to_string(dir.path().join("intake.yaml")).unwrap();
    assert!(intake.contains("drug: \"Wellbutrin\"") && intake.contains("kind: appeal"), "{intake}");
    for f in ["intake.yaml", "packet.zip", "records/denial-letter-2026-10-09.pdf"] {
        assert_eq!(std::fs::metadata(dir.path().join(f)).unwrap().permissions().mode() & 0o777, 0o600, "{f}");
    }
    // The preview of the letter, as HTML.
    b.goto(&format!("http://127.0.0.1:{}/preview/appeal-letter.md", server.port));
    let letter = b.text("article");
    assert!(letter.contains("Jolene Ashcombe") && letter.contains("UM-2026-204417"), "{letter}");
    drop(b);
    server.stop();
    eprintln!("patient scenario: {:.1} s", started.elapsed().as_secs_f64());
}

/// The paths where two values differ, with both sides.
fn differences(a: &Value, b: &Value, at: &str) -> Vec<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter()
                .flat_map(|k| {
                    differences(
                        x.get(k).unwrap_or(&Value::Null),
                        y.get(k).unwrap_or(&Value::Null),
                        &format!("{at}.{k}"),
                    )
                })
                .collect()
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            x.iter().zip(y).enumerate().flat_map(|(i, (u, v))| differences(u, v, &format!("{at}[{i}]"))).collect()
        }
        _ if a == b => vec![],
        _ => vec![format!("{at}: {a} vs {b}")],
    }
}

/// The values of an intake file, as JSON: comments and order aside, and a
/// null or empty value the same as none (as the intake reads them).
fn values(path: &Path) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                m.values_mut().for_each(strip);
                m.retain(|_, v| {
                    !(v.is_null() || v == &Value::Array(vec![]) || v == &Value::Object(Default::default()))
                });
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let text = std::fs::read_to_string(path).unwrap();
    let mut v = authpack::intake::tree_json(&text).unwrap();
    strip(&mut v);
    v
}

#[test]
fn a_medical_assistant_fixes_an_error_next_to_its_field_and_builds() {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let shots = shots(dir.path());
    let sample = root().join("samples/ketamine-iv-offlabel");
    copy_records(&sample, dir.path());
    let original = std::fs::read_to_string(sample.join("intake.yaml")).unwrap();
    let npi = "npi: \"1673904250\"";
    assert!(original.contains(npi), "the sample's prescriber NPI");
    std::fs::write(dir.path().join("intake.yaml"), original.replacen(npi, "npi: \"1673904251\"", 1)).unwrap();

    let server = Server::start(dir.path());
    let b = Browser::start();
    b.goto(&server.url);
    b.click("header a[href*=clinic]");
    assert_eq!(b.text("h1"), "authpack: the clinic interview");
    let problem = b.text("#p-prescriber-npi");
    assert!(
        problem.starts_with("Error:") && problem.contains("check digit"),
        "the NPI's error next to it: {problem:?}"
    );
    assert_eq!(b.script("return document.getElementById('f-prescriber-npi').getAttribute('aria-invalid')"), "true");
    b.script("document.getElementById('f-prescriber-npi').scrollIntoView({block: 'center'})");
    b.screenshot(&shots.join("interview-error.png"));

    let before = b.live_count();
    b.fill("[name=\"prescriber.npi\"]", "1673904250");
    b.settle(before);
    b.wait("the NPI's error to clear", "return document.getElementById('p-prescriber-npi').textContent === ''");
    assert!(b.text("#summary").starts_with("The intake can be built"));
    b.click("button[value=build-fhir]");
    assert!(b.text("#built").starts_with("Built packet.zip"), "{}", b.text("#built"));
    verify(&dir.path().join("packet.zip"));
    assert!(
        zip_names(&dir.path().join("packet.zip")).contains(&"pas-bundle.json".to_string()),
        "built with the PAS request"
    );
    drop(b);
    server.stop();

    // Opened, changed and saved: the same values as the sample (the NPI fixed), the old file kept as the backup.
    let (saved, original) = (values(&dir.path().join("intake.yaml")), values(&sample.join("intake.yaml")));
    assert!(
        saved == original,
        "saved values differ from the sample's: {}",
        differences(&saved, &original, "").join("; ")
    );
    assert!(std::fs::read_to_string(dir.path().join("intake.yaml.bak")).unwrap().contains("1673904251"));
    eprintln!("medical assistant scenario: {:.1} s", started.elapsed().as_secs_f64());
}

#[test]
fn a_criterion_not_met_shows_its_hint_and_the_exception_path() {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let shots = shots(dir.path());
    let sample = root().join("samples/ketamine-iv-offlabel");
    copy_records(&sample, dir.path());
    std::fs::copy(sample.join("intake.yaml"), dir.path().join("intake.yaml")).unwrap();
    let server = Server::start(dir.path());
    let b = Browser::start();
    b.goto(&server.url);
    b.click("header a[href*=clinic]");
    assert!(b.text("#summary").starts_with("The intake can be built"));

    // A specialty outside the policy: the prescriber criterion is not met.
    let before = b.live_count();
    b.fill("[name=\"prescriber.specialty\"]", "family medicine");
    b.settle(before);
    b.wait("the criterion to change", "return !!document.querySelector('#criteria li[data-id=prescriber].not-met')");
    let criterion = b.text("#criteria li[data-id=prescriber]");
    assert!(criterion.contains("not met") && criterion.contains("What would satisfy it:"), "{criterion}");
    assert!(b.text("#summary").starts_with("Not ready to build"));
    // Reloaded, the page offers the exception as a choice.
    b.click(".actions button[value=check]");
    assert!(b.text("#s-exception").contains("Ask for an exception for"));
    b.screenshot(&shots.join("interview-exception.png"));
    b.click("#x-prescriber");
    b.fill("#f-request-exception-reason", "The patient's family physician has managed her depression for 12 years; the nearest psychiatrist in network is 150 miles away.");
    b.click("button[value=build]");
    assert!(b.text("#built").starts_with("Built packet.zip"), "{}", b.text("#built"));
    verify(&dir.path().join("packet.zip"));
    let intake = std::fs::read_to_string(dir.path().join("intake.yaml")).unwrap();
    assert!(intake.contains("exception:") && intake.contains("      - prescriber\n"), "{intake}");
    drop(b);
    server.stop();
    eprintln!("exception scenario: {:.1} s", started.elapsed().as_secs_f64());
}

#[test]
fn a_folder_whose_intake_is_not_yaml_is_refused_naming_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("intake.yaml"), "patient:\n  first_name: \"unclosed\n").unwrap();
    let out = authpack(dir.path(), &["serve", ".", "--port", "0"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.starts_with("error: ./intake.yaml (line 2): the file is not valid YAML"), "{err}");
    assert_eq!(err.matches("error:").count(), 1, "said once: {err}");
    assert!(out.stdout.is_empty(), "no URL is printed");
    assert_eq!(files_in(dir.path()), vec!["intake.yaml"], "nothing written");
}
