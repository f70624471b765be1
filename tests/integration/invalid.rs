//! The invalid-intake corpus: each case fails with exit 1, a message naming
//! the path and line (snapshotted exactly), and no file written.

use crate::harness::{authpack, root, scenarios};

#[test]
fn every_invalid_intake_is_refused_with_its_exact_message_and_nothing_written() {
    let cases = scenarios(&root().join("tests/cases/invalid"));
    assert!(cases.len() >= 15, "at least 15 invalid cases, found {}", cases.len());
    for (name, dir) in cases {
        let out_dir = tempfile::tempdir().unwrap();
        let target = out_dir.path().join("packet.zip");
        let out = authpack(&dir, &["build", "intake.yaml", "-o", target.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr).replace(out_dir.path().to_str().unwrap(), "[OUT]");
        assert!(matches!(out.status.code(), Some(1) | Some(2)), "{name}: exit {:?}\n{stderr}", out.status.code());
        assert!(!target.exists(), "{name}: a packet was written");
        assert_eq!(
            std::fs::read_dir(out_dir.path()).unwrap().count(),
            0,
            "{name}: files were left in the output folder"
        );
        insta::assert_snapshot!(format!("invalid__{name}"), format!("exit {:?}\n{stderr}", out.status.code()));
    }
}

#[test]
fn an_intake_error_is_exit_1_and_names_the_path_and_line() {
    let cases = scenarios(&root().join("tests/cases/invalid"));
    let with_lines = cases
        .iter()
        .filter(|(_, dir)| {
            let out = authpack(dir, &["check", "intake.yaml"]);
            let stderr = String::from_utf8_lossy(&out.stderr);
            let has_line = stderr
                .match_indices("intake.yaml:")
                .any(|(i, m)| stderr[i + m.len()..].starts_with(|c: char| c.is_ascii_digit()));
            out.status.code() == Some(1) && has_line
        })
        .count();
    assert!(with_lines * 10 >= cases.len() * 8, "most cases name a path and a line ({with_lines} of {})", cases.len());
}
