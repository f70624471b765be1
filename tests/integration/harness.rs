//! A small harness: run the binary, build in memory, find scenario folders.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use authpack::pdf::Typesetter;
use authpack::{Input, Pack, Packet, Settings};

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

/// The binary under test: `AUTHPACK_BIN` when set (CI points it at the release
/// build users run), else the one cargo built with the tests.
pub fn binary() -> PathBuf {
    std::env::var_os("AUTHPACK_BIN").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_authpack")))
}

/// Runs the authpack binary in `dir` with `args`, with a fixed environment.
pub fn authpack(dir: &Path, args: &[&str]) -> Output {
    Command::new(binary())
        .args(args)
        .current_dir(dir)
        .env_remove("SOURCE_DATE_EPOCH")
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

/// The bundled pack, loaded once for the whole test binary.
pub fn pack() -> &'static Pack {
    static ONE: std::sync::OnceLock<Pack> = std::sync::OnceLock::new();
    ONE.get_or_init(Pack::bundled)
}

/// One typesetter for the whole test binary: fonts load once.
pub fn typesetter() -> &'static Typesetter {
    static ONE: std::sync::OnceLock<Typesetter> = std::sync::OnceLock::new();
    ONE.get_or_init(|| Typesetter::new(None, &pack().layout).unwrap())
}

/// The settings `authpack build` uses by default (Markdown and PDFs).
pub fn settings(redact: bool) -> Settings<'static> {
    Settings { pack: pack(), policy: None, typesetter: Some(typesetter()), markdown: true, redact, fhir: false }
}

/// Builds an intake's packet in memory.
pub fn build(intake: &Path) -> Packet {
    let text = std::fs::read_to_string(intake).unwrap();
    build_text(&text, intake.parent().unwrap())
}

/// The same, from text whose records are under `folder`.
pub fn build_text(text: &str, folder: &Path) -> Packet {
    let input = Input { text: text.to_string(), folder: folder.to_path_buf() };
    authpack::build(&input, &settings(false)).unwrap_or_else(|e| panic!("{e}: {e:?}"))
}

/// A packet's zip, as `authpack build` writes it.
pub fn packet_bytes(packet: &Packet) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let seconds = packet.reading.checked.intake.request.date.unix_seconds();
    packet.write(&mut out, seconds, None).unwrap();
    out.into_inner()
}
