//! The invalid-intake corpus: each case (a base plus edits, see `cases`) fails
//! with exit 1 from `build` and from `check` alike, its errors name exactly the
//! paths the case lists, the message is snapshotted exactly, and nothing is written.

use std::path::Path;

use crate::cases;
use crate::harness::{authpack, root, scenarios};

#[test]
fn every_invalid_intake_is_refused_by_check_and_build_alike_naming_its_paths() {
    let cases = cases::load_all(&root().join("tests/cases/invalid"));
    assert!(cases.len() >= 60, "at least 60 hostile cases, found {}", cases.len());
    for (name, case) in cases {
        let dir = cases::materialize(&name, &case);
        let out_dir = tempfile::tempdir().unwrap();
        let target = out_dir.path().join("packet.zip");
        let built = authpack(dir.path(), &["build", "intake.yaml", "-o", target.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&built.stderr).replace(out_dir.path().to_str().unwrap(), "[OUT]");
        assert_eq!(built.status.code(), Some(1), "{name}: an invalid intake is exit 1\n{stderr}");
        assert!(stderr.contains("intake.yaml"), "{name}: the message names the file\n{stderr}");
        assert!(!target.exists(), "{name}: a packet was written");
        assert_eq!(std::fs::read_dir(out_dir.path()).unwrap().count(), 0, "{name}: files were left behind");
        // Every path the case names is named by an error, and no error goes unlisted.
        let named: std::collections::BTreeSet<String> = stderr
            .lines()
            .filter_map(|l| l.strip_prefix("error: "))
            .map(|rest| match rest.split_once(": ") {
                Some((path, _)) if !path.contains(' ') => path.to_string(),
                _ => String::new(),
            })
            .collect();
        let expected: std::collections::BTreeSet<String> = case.expect.iter().cloned().collect();
        assert_eq!(named, expected, "{name}: the paths the errors name ({})\n{stderr}", case.about);
        // `check` refuses it with the same diagnostics: one validator.
        let checked = authpack(dir.path(), &["check", "intake.yaml"]);
        assert_eq!(checked.status.code(), Some(1), "{name}: check agrees it is invalid");
        let body = |s: &str| s.lines().filter(|l| !l.starts_with("intake.yaml: ")).collect::<Vec<_>>().join("\n");
        if case.commands_differ.is_none() {
            assert_eq!(
                body(&String::from_utf8_lossy(&checked.stderr)),
                body(&stderr),
                "{name}: check and build differ"
            );
        }
        insta::assert_snapshot!(format!("invalid__{name}"), format!("exit {:?}\n{stderr}", built.status.code()));
    }
}

#[test]
fn an_intake_error_is_exit_1_and_names_the_path_and_line() {
    let cases = cases::load_all(&root().join("tests/cases/invalid"));
    let with_lines = cases
        .iter()
        .filter(|(name, case)| {
            let dir = cases::materialize(name, case);
            let out = authpack(dir.path(), &["check", "intake.yaml"]);
            let stderr = String::from_utf8_lossy(&out.stderr);
            let has_line = stderr
                .match_indices("intake.yaml:")
                .any(|(i, m)| stderr[i + m.len()..].starts_with(|c: char| c.is_ascii_digit()));
            out.status.code() == Some(1) && has_line
        })
        .count();
    assert!(with_lines * 10 >= cases.len() * 8, "most cases name a path and a line ({with_lines} of {})", cases.len());
}

#[test]
fn the_bases_of_the_corpus_are_themselves_valid() {
    for (name, dir) in scenarios(&root().join("tests/cases/base")) {
        let out = authpack(&dir, &["check", "intake.yaml"]);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

/// Refuses `intake` (in `dir`) with exit 1, writing nothing; returns stderr.
fn refused(dir: &Path, name: &str) -> String {
    let out_dir = tempfile::tempdir().unwrap();
    let target = out_dir.path().join("packet.zip");
    let out = authpack(dir, &["build", "intake.yaml", "-o", target.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{name}: exit 1\n{stderr}");
    assert_eq!(std::fs::read_dir(out_dir.path()).unwrap().count(), 0, "{name}: nothing written");
    stderr
}

/// A copy of the TRD sample, with its records, in a temporary folder.
fn sample_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let from = root().join("samples/esketamine-trd-initial");
    std::fs::copy(from.join("intake.yaml"), dir.path().join("intake.yaml")).unwrap();
    std::fs::create_dir(dir.path().join("records")).unwrap();
    for e in std::fs::read_dir(from.join("records")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.path().join("records").join(e.file_name())).unwrap();
    }
    dir
}

#[test]
fn hostile_inputs_that_cannot_live_in_git_are_refused_too() {
    // An intake over the 4 MiB cap: refused before it is parsed, its text never printed.
    let dir = sample_copy();
    let text = std::fs::read_to_string(dir.path().join("intake.yaml")).unwrap();
    let huge =
        text.replace("clinical_summary: |", &format!("clinical_summary: |\n  {}", "SECRETWORD ".repeat(420_000)));
    std::fs::write(dir.path().join("intake.yaml"), huge).unwrap();
    let stderr = refused(dir.path(), "over-the-cap");
    assert!(stderr.contains("an intake is at most 4194304 bytes"), "{stderr}");
    assert!(!stderr.contains("SECRETWORD"), "{stderr}");
    insta::assert_snapshot!("generated__over_the_cap", stderr);

    // An attachment that is a FIFO (a reader would block forever): not a regular file.
    let dir = sample_copy();
    let fifo = dir.path().join("records/progress-note-2026-11-06.pdf");
    std::fs::remove_file(&fifo).unwrap();
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let stderr = refused(dir.path(), "fifo-attachment");
    assert!(stderr.contains("is not a regular file"), "{stderr}");

    // An attachment the user cannot read. Root reads everything, so there the file
    // is made a folder-less dangling path instead: both are named, with exit 1.
    let dir = sample_copy();
    let note = dir.path().join("records/rating-scales-2026-11-06.pdf");
    let root_user = std::process::Command::new("id").arg("-u").output().unwrap().stdout == b"0\n";
    if root_user {
        std::fs::remove_file(&note).unwrap();
    } else {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&note, std::fs::Permissions::from_mode(0o000)).unwrap();
    }
    let stderr = refused(dir.path(), "unreadable-attachment");
    assert!(stderr.contains("attachments[1].file"), "{stderr}");

    // A records folder that is a link out of the intake's folder (records -> /etc): refused,
    // though the path as written stays inside.
    let dir = sample_copy();
    std::fs::remove_dir_all(dir.path().join("records")).unwrap();
    std::os::unix::fs::symlink("/etc", dir.path().join("records")).unwrap();
    let text = std::fs::read_to_string(dir.path().join("intake.yaml")).unwrap();
    let text = text.replacen("file: records/progress-note-2026-11-06.pdf", "file: records/passwd", 1);
    std::fs::write(dir.path().join("intake.yaml"), text).unwrap();
    let stderr = refused(dir.path(), "linked-records-folder");
    assert!(stderr.contains("attachments[0].file") && stderr.contains("through a symbolic link"), "{stderr}");
}

#[test]
fn two_spellings_of_one_packet_are_refused_before_anything_is_written() {
    let dir = sample_copy();
    let out = authpack(dir.path(), &["build", "--format", "md", "intake.yaml", "./intake.yaml"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("would be written by two intakes"), "{stderr}");
    assert!(!dir.path().join("intake.zip").exists() && !dir.path().join(".intake.zip").exists());
}

#[test]
fn intakes_with_only_warnings_build_and_list_them_on_the_worksheet() {
    // Each once broke a template (a warning without a hint): it must build, exit 0.
    let cases = scenarios(&root().join("tests/cases/warnings"));
    assert!(!cases.is_empty());
    for (name, dir) in cases {
        let out_dir = tempfile::tempdir().unwrap();
        let target = out_dir.path().join("packet.zip");
        let out = authpack(&dir, &["build", "intake.yaml", "--format", "md", "-o", target.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{name}: {stderr}");
        assert!(stderr.contains("warning: "), "{name}: {stderr}");
        let mut zip = zip::ZipArchive::new(std::fs::File::open(&target).unwrap()).unwrap();
        let mut worksheet = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("preparation-worksheet.md").unwrap(), &mut worksheet).unwrap();
        let first = stderr.lines().find(|l| l.starts_with("warning: ")).unwrap();
        let message = first.rsplit(": ").next().unwrap();
        assert!(worksheet.contains(message), "{name}: the clinic's worksheet lists '{message}'");
        // Warnings are the clinic's: no payer-facing document repeats them.
        for i in 0..zip.len() {
            let mut entry = zip.by_index(i).unwrap();
            let entry_name = entry.name().unwrap().to_string();
            if !entry_name.ends_with(".md")
                || ["preparation-worksheet.md", "next-steps.md"].contains(&entry_name.as_str())
            {
                continue;
            }
            let mut text = String::new();
            std::io::Read::read_to_string(&mut entry, &mut text).unwrap();
            assert!(!text.contains(message), "{name}: {entry_name} repeats the warning '{message}'");
        }
    }
}
