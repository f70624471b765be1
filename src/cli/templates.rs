//! `authpack templates eject`: the pack's default files, written for editing.

use std::path::Path;
use std::process::ExitCode;

use super::output::tell;
use super::{CliError, Io};
use crate::diag;
use crate::files::{self, FileError, Problem};

/// Writes every default file of the pack under `dir`, exactly the files `--templates DIR` reads.
/// Each is written atomically, never through a symbolic link.
pub fn eject(dir: &Path, force: bool, io: &mut Io<'_>) -> Result<ExitCode, CliError> {
    let planned = crate::pack::eject_files(dir);
    if !force && let Some((p, _)) = planned.iter().find(|(p, _)| std::fs::symlink_metadata(p).is_ok()) {
        return Err(FileError { path: p.clone(), problem: Problem::Exists }.into());
    }
    for (path, text) in &planned {
        let folder = path.parent().unwrap_or(dir);
        // Before creating a folder (a linked parent would carry it elsewhere) and after (a link put in meanwhile).
        refuse_links(dir, folder)?;
        files::create_dir_all(folder)?;
        refuse_links(dir, folder)?;
        files::write_bytes(path, force, text.as_bytes())?;
    }
    let shown = diag::shown(&dir.display().to_string()).into_owned();
    tell!(io, "wrote {} files under {shown}; build with --templates {shown}", planned.len())?;
    Ok(ExitCode::SUCCESS)
}

/// Refuses a folder between `root` and `folder` that is a symbolic link.
fn refuse_links(root: &Path, folder: &Path) -> Result<(), CliError> {
    let mut at = folder;
    while at.starts_with(root) {
        if std::fs::symlink_metadata(at).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(FileError { path: at.to_path_buf(), problem: Problem::Link }.into());
        }
        match at.parent() {
            Some(p) if p != at => at = p,
            _ => break,
        }
    }
    Ok(())
}
