//! Case files: a base intake (with its records) plus edits, made into a folder
//! at test time, so the corpus holds what each case changes and not 78 copies.
//!
//! ```yaml
//! about: what the case is and what must happen
//! base: trd                 # a folder under tests/cases/base/, or none
//! encoding: latin1          # optional: write the intake as Latin-1 or utf-16le-bom bytes
//! edits:                    # applied in order; each `find` must occur exactly once
//!   - find: "  kind: initial\n"
//!     replace: "  kind: renewal\n"
//! text: "..."               # with base none: the whole intake
//! files:                    # beside the intake: {text: ...}, {link: target}, {folder: true} or {remove: true}
//!   records/empty.pdf: {text: ""}
//! expect: [request.kind]    # the paths the errors must name ("" for the file itself)
//! commands_differ: why      # only where check and build must word the refusal differently
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::harness::root;

/// One case file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// What the case is, and what must happen.
    pub about: String,
    /// The base folder under `tests/cases/base/`, or `none`.
    pub base: String,
    /// How to write the intake's bytes.
    #[serde(default)]
    pub encoding: Option<String>,
    /// Text edits to the base intake.
    #[serde(default)]
    pub edits: Vec<Edit>,
    /// The whole intake, without a base.
    #[serde(default)]
    pub text: Option<String>,
    /// Files beside the intake to add, change or remove.
    #[serde(default)]
    pub files: BTreeMap<String, FileChange>,
    /// The paths the errors must name.
    #[serde(default)]
    pub expect: Vec<String>,
    /// Why `check` words its refusal differently from `build`, when it does.
    #[serde(default)]
    pub commands_differ: Option<String>,
}

/// One text edit.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Edit {
    /// Text that occurs exactly once in the intake.
    pub find: String,
    /// What replaces it.
    pub replace: String,
}

/// What becomes of one file beside the intake.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileChange {
    /// Write this text.
    pub text: Option<String>,
    /// Make a symbolic link to this target.
    pub link: Option<String>,
    /// Make a folder.
    #[serde(default)]
    pub folder: bool,
    /// Remove it (or the folder and everything in it).
    #[serde(default)]
    pub remove: bool,
}

/// A case made in a test: `base` with `edits` (find, replace) applied.
pub fn edited(base: &str, about: &str, edits: &[(&str, &str)]) -> Case {
    Case {
        about: about.to_string(),
        base: base.to_string(),
        encoding: None,
        edits: edits.iter().map(|(f, r)| Edit { find: f.to_string(), replace: r.to_string() }).collect(),
        text: None,
        files: BTreeMap::new(),
        expect: Vec::new(),
        commands_differ: None,
    }
}

/// Every case file in `dir`, by name, sorted.
pub fn load_all(dir: &Path) -> Vec<(String, Case)> {
    let mut cases: Vec<(String, Case)> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&p).unwrap();
            let case: Case = serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, case)
        })
        .collect();
    cases.sort_by(|a, b| a.0.cmp(&b.0));
    cases
}

/// The case's intake text: the base with every edit applied, or its own text.
pub fn intake_text(name: &str, case: &Case) -> Option<String> {
    if case.base == "none" {
        return case.text.clone();
    }
    let mut text = std::fs::read_to_string(base_dir(&case.base).join("intake.yaml")).unwrap();
    for edit in &case.edits {
        let found = text.matches(edit.find.as_str()).count();
        assert_eq!(found, 1, "{name}: '{}' occurs {found} times in the base; it must occur once", edit.find);
        text = text.replacen(&edit.find, &edit.replace, 1);
    }
    Some(text)
}

fn base_dir(base: &str) -> PathBuf {
    root().join("tests/cases/base").join(base)
}

/// Makes the case's folder: the base's records, the intake as its bytes, and the file changes.
pub fn materialize(name: &str, case: &Case) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    if case.base != "none" {
        copy_dir(&base_dir(&case.base).join("records"), &dir.path().join("records"));
    }
    if let Some(text) = intake_text(name, case) {
        let bytes = match case.encoding.as_deref() {
            None => text.into_bytes(),
            Some("latin1") => text.chars().map(|c| u8::try_from(u32::from(c)).expect("a Latin-1 character")).collect(),
            Some("utf-16le-bom") => {
                [0xFF, 0xFE].into_iter().chain(text.encode_utf16().flat_map(|u| u.to_le_bytes())).collect()
            }
            Some(other) => panic!("{name}: unknown encoding {other}"),
        };
        std::fs::write(dir.path().join("intake.yaml"), bytes).unwrap();
    }
    for (path, change) in &case.files {
        let at = dir.path().join(path);
        if change.remove || change.folder || change.link.is_some() {
            let _ = std::fs::remove_dir_all(&at);
            let _ = std::fs::remove_file(&at);
        }
        if let Some(text) = &change.text {
            std::fs::write(&at, text).unwrap();
        }
        if let Some(target) = &change.link {
            std::os::unix::fs::symlink(target, &at).unwrap();
        }
        if change.folder {
            std::fs::create_dir_all(&at).unwrap();
        }
    }
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}
