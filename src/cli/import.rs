//! `authpack import fhir`: a starter intake from FHIR R4 JSON files.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::output::{self, tell};
use super::{CliError, Io};
use crate::diag;
use crate::fhir::import::{self, MAX_FILE_BYTES, Source};
use crate::files;

/// Reads the files, then writes the intake (and its records) or prints it; nothing is written on any problem.
pub fn fhir(paths: &[PathBuf], output: Option<&Path>, force: bool, io: &mut Io<'_>) -> Result<ExitCode, CliError> {
    let shown = |p: &Path| diag::shown(&p.display().to_string()).into_owned();
    let mut sources = Vec::new();
    let mut unreadable = Vec::new();
    for p in paths {
        match files::read_text(p, MAX_FILE_BYTES) {
            Ok(text) => sources.push(Source { name: p.display().to_string(), text }),
            Err(e) => unreadable.push(e.to_string()),
        }
    }
    if !unreadable.is_empty() {
        for e in &unreadable {
            tell!(io, "error: {}", diag::shown(e))?;
        }
        return Ok(ExitCode::from(2));
    }
    let imported = match import::import(&sources) {
        Ok(imported) => imported,
        Err(problems) => {
            for p in &problems {
                tell!(io, "error: {p}")?;
            }
            tell!(io, "nothing was written: {} problem(s) in the FHIR files", problems.len())?;
            return Ok(ExitCode::from(1));
        }
    };
    let names: Vec<String> =
        paths.iter().map(|p| p.file_name().map_or_else(|| shown(p), |n| n.to_string_lossy().into_owned())).collect();
    let yaml = imported.yaml(&names);
    let fills = imported.intake.fills();
    for line in &imported.unmapped {
        tell!(io, "not imported: {}", diag::shown(line))?;
    }
    let Some(target) = output else {
        if !imported.records.is_empty() {
            return Err(CliError::Usage(format!(
                "the files hold {} document(s) to write into records/: give the intake's path with -o",
                imported.records.len()
            )));
        }
        output::raw(io, yaml.as_bytes())?;
        tell!(io, "{} value(s) are marked !fill: fill them in, then run authpack check", fills.len())?;
        return Ok(ExitCode::SUCCESS);
    };
    let folder = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    // Every target is checked before the first is written.
    if !force {
        let taken: Vec<PathBuf> = std::iter::once(target.to_path_buf())
            .chain(imported.records.iter().map(|r| folder.join(&r.file)))
            .filter(|p| p.symlink_metadata().is_ok())
            .collect();
        if !taken.is_empty() {
            let list: Vec<String> = taken.iter().map(|p| shown(p)).collect();
            return Err(CliError::Usage(format!("{} already exist(s); use --force to replace", list.join(", "))));
        }
    }
    if !imported.records.is_empty() {
        files::create_dir_all(&folder.join("records"))?;
    }
    for r in &imported.records {
        files::write_bytes(&folder.join(&r.file), force, &r.bytes)?;
    }
    files::write_bytes(target, force, yaml.as_bytes())?;
    let schema = folder.join("intake.schema.json");
    if !schema.exists() {
        files::write_bytes(&schema, false, (crate::intake::schema_json() + "\n").as_bytes())?;
    }
    tell!(
        io,
        "wrote {} and {} record(s); {} value(s) are marked !fill: fill them in, then run: authpack check {}",
        shown(target),
        imported.records.len(),
        fills.len(),
        shown(target)
    )?;
    Ok(ExitCode::SUCCESS)
}
