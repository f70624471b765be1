//! A small harness: run the binary, build in memory, find scenario folders.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use authpack::policy::PolicySet;
use authpack::render::Templates;
use authpack::{Prepared, Settings};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every folder under `dir` that holds an `intake.yaml`, sorted.
pub fn scenarios(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut found: Vec<(String, PathBuf)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("intake.yaml").is_file() || p.join("intake.yaml").is_dir())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), p))
        .collect();
    found.sort();
    found
}

/// Runs the authpack binary in `dir` with `args`, with a fixed environment.
pub fn authpack(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_authpack"))
        .args(args)
        .current_dir(dir)
        .env_remove("SOURCE_DATE_EPOCH")
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

/// Loads, checks, assesses, evaluates and renders an intake in memory.
pub fn prepare(intake: &Path) -> Prepared {
    let text = std::fs::read_to_string(intake).unwrap();
    prepare_text(&text, intake.parent().unwrap())
}

/// The same, from text whose records are under `base`.
pub fn prepare_text(text: &str, base: &Path) -> Prepared {
    let templates = Templates::load(None).unwrap();
    let policies = PolicySet::bundled();
    let typesetter = typesetter();
    let settings = Settings::new(&templates, &policies, Some(typesetter));
    match authpack::prepare(text, base, &settings) {
        Ok(p) => p,
        Err(e) => panic!("{e}: {e:?}"),
    }
}

/// Builds a packet in memory.
pub fn packet_bytes(prepared: &Prepared) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let seconds = prepared.loaded.intake.request.date.unix_seconds();
    authpack::write(prepared, &mut out, seconds).unwrap();
    out.into_inner()
}

/// One typesetter for the whole test binary: fonts load once.
pub fn typesetter() -> &'static authpack::pdf::Typesetter {
    static ONE: std::sync::OnceLock<authpack::pdf::Typesetter> = std::sync::OnceLock::new();
    ONE.get_or_init(|| authpack::pdf::Typesetter::new(None, None).unwrap())
}
