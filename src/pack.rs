//! The pack: everything a clinic may customise, compiled in from
//! `packet-templates/` as the defaults: the document templates, the PDF layout,
//! the policy profiles and the evidence library. `--templates DIR` replaces any of
//! them by name (a file missing from DIR keeps its default), and
//! `authpack templates eject DIR` writes exactly the files this reads.
//!
//! A file in DIR that fails to parse is an error naming it, never a silent fallback.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;
use crate::files::{self, FileError};
use crate::policy::{self, PolicySet};
use crate::reference::evidence::{self, Library};
use crate::render::{RenderError, Templates};

/// The largest template, layout, policy or library file read.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

macro_rules! bundled {
    ($($path:literal),* $(,)?) => {
        /// The default files, as (path inside a templates folder, text).
        pub const DEFAULTS: &[(&str, &str)] = &[$(($path, include_str!(concat!("../packet-templates/", $path)))),*];
    };
}

bundled!(
    "documents/macros.md",
    "documents/cover-sheet.md",
    "documents/letter-of-medical-necessity.md",
    "documents/continuation-letter.md",
    "documents/appeal-letter.md",
    "documents/letter-of-support.md",
    "documents/claim-letter.md",
    "documents/urgency-statement.md",
    "documents/appointment-of-representative.md",
    "documents/criteria-crosswalk.md",
    "documents/treatment-history.md",
    "documents/claim-file-request.md",
    "documents/call-log.md",
    "documents/superbill.md",
    "documents/next-steps.md",
    "documents/preparation-worksheet.md",
    "layout.typ",
    "policies/esketamine-trd.yaml",
    "policies/esketamine-mdsi.yaml",
    "policies/ketamine-iv-trd.yaml",
    "policies/cigna-spravato.yaml",
    "policies/bcbsma-087.yaml",
    "policies/qualchoice-bi734.yaml",
    "policies/ketamine-iv-chronic-pain.yaml",
    "policies/ketamine-im-trd.yaml",
    "policies/medicare-spravato-label.yaml",
    "policies/texas-medicaid-spravato.yaml",
    "evidence/library.yaml",
);

/// The path of the layout inside a pack.
pub const LAYOUT: &str = "layout.typ";
/// The path of the evidence library inside a pack.
pub const EVIDENCE: &str = "evidence/library.yaml";

/// The documents, layout, policies and evidence a build uses.
pub struct Pack {
    /// The document templates.
    pub templates: Templates,
    /// The Typst page layout.
    pub layout: String,
    /// The policy profiles by id.
    pub policies: PolicySet,
    /// The evidence library.
    pub evidence: Library,
}

/// A templates folder that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    /// A file cannot be read.
    #[error("the templates folder cannot be read")]
    File(#[source] FileError),
    /// A document template does not parse.
    #[error("a document template does not parse")]
    Template(#[source] RenderError),
    /// A policy or library file does not parse.
    #[error("{file} has {}", crate::diag::summary(.diagnostics))]
    Invalid {
        /// The file.
        file: String,
        /// Its text, for showing the lines.
        text: String,
        /// Every problem found.
        diagnostics: Vec<Diagnostic>,
    },
    /// The folder holds none of the files a pack is made of.
    #[error("{0}: holds no documents/*.md, layout.typ, policies/*.yaml or evidence/library.yaml")]
    Empty(String),
}

impl Pack {
    /// The compiled-in defaults.
    pub fn bundled() -> Pack {
        Pack::load(None).expect("the bundled pack loads (tested)")
    }

    /// The defaults, each replaced by the file of the same path in `dir` when given.
    pub fn load(dir: Option<&Path>) -> Result<Pack, PackError> {
        let mut files: BTreeMap<String, String> =
            DEFAULTS.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect();
        let mut replaced: Vec<String> = Vec::new();
        if let Some(dir) = dir {
            for (sub, exts) in [("documents", &[".md"][..]), ("policies", &[".yaml", ".yml"][..])] {
                let folder = dir.join(sub);
                if folder.is_dir() {
                    for path in files::list(&folder, exts).map_err(PackError::File)? {
                        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                        replaced.push(insert(&mut files, &format!("{sub}/{name}"), &path)?);
                    }
                }
            }
            for single in [LAYOUT, EVIDENCE] {
                let path = dir.join(single);
                if path.exists() {
                    replaced.push(insert(&mut files, single, &path)?);
                }
            }
            if replaced.is_empty() {
                return Err(PackError::Empty(dir.display().to_string()));
            }
        }
        let documents: BTreeMap<String, String> = files
            .iter()
            .filter_map(|(p, t)| p.strip_prefix("documents/").map(|n| (n.to_string(), t.clone())))
            .collect();
        // A user's folder is compiled whole at once, so a broken template is reported before anything is built.
        let templates = Templates::new(documents, dir.is_some()).map_err(PackError::Template)?;
        let invalid = |file: &str, text: &str, diagnostics| PackError::Invalid {
            file: shown(dir, file),
            text: text.to_string(),
            diagnostics,
        };
        let mut policies = PolicySet::default();
        for (path, text) in files.iter().filter(|(p, _)| p.starts_with("policies/")) {
            policies.insert(policy::parse_profile(text).map_err(|d| invalid(path, text, d))?);
        }
        let evidence = evidence::parse(&files[EVIDENCE]).map_err(|d| invalid(EVIDENCE, &files[EVIDENCE], d))?;
        Ok(Pack { templates, layout: files[LAYOUT].clone(), policies, evidence })
    }
}

/// Reads `path` into the pack as `name`.
fn insert(files: &mut BTreeMap<String, String>, name: &str, path: &Path) -> Result<String, PackError> {
    let text = files::read_text(path, MAX_FILE_BYTES).map_err(PackError::File)?;
    files.insert(name.to_string(), text);
    Ok(name.to_string())
}

/// How a pack file is named in messages: its path in the user's folder, or its bundled name.
fn shown(dir: Option<&Path>, file: &str) -> String {
    match dir {
        Some(d) => d.join(file).display().to_string(),
        None => format!("(bundled) {file}"),
    }
}

/// The files `templates eject` writes, as (path under DIR, text): exactly what [`Pack::load`] reads.
pub fn eject_files(dir: &Path) -> Vec<(PathBuf, &'static str)> {
    DEFAULTS.iter().map(|(p, t)| (dir.join(p), *t)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_pack_loads_and_an_ejected_folder_reads_back_the_same() {
        let bundled = Pack::bundled();
        assert!(bundled.policies.profiles.len() >= 7);
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in eject_files(dir.path()) {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
        }
        let ejected = Pack::load(Some(dir.path())).unwrap();
        assert_eq!(ejected.layout, bundled.layout);
        assert_eq!(ejected.policies.ids(), bundled.policies.ids());
        assert_eq!(ejected.evidence.references.len(), bundled.evidence.references.len());
    }

    #[test]
    fn a_folder_with_only_a_layout_replaces_only_the_layout() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(LAYOUT), "// mine\n").unwrap();
        let pack = Pack::load(Some(dir.path())).unwrap();
        assert_eq!(pack.layout, "// mine\n");
        assert_eq!(pack.policies.ids(), Pack::bundled().policies.ids());
    }

    #[test]
    fn a_broken_policy_file_is_named_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("policies")).unwrap();
        std::fs::write(dir.path().join("policies/mine.yaml"), "id: mine\ntitle: x\ndefault: yes\n").unwrap();
        let Err(PackError::Invalid { file, diagnostics, .. }) = Pack::load(Some(dir.path())) else { panic!() };
        assert!(file.ends_with("policies/mine.yaml"), "{file}");
        assert!(diagnostics.iter().any(|d| d.path == "default" && d.line == Some(3)), "{diagnostics:?}");
    }
}
