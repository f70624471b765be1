//! The command line: the only layer that reads arguments, opens files for
//! writing and prints. Exit codes: 0 success; 1 an invalid intake or a packet
//! that fails to verify; 2 usage, I/O, template or internal error.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use serde_json::json;

use crate::diag::{self, Diagnostic};
use crate::policy::{self, PolicyProfile, PolicySet, Status};
use crate::render::{self, Templates};
use crate::{BuildError, Settings};

/// Prior-authorization packets for esketamine and ketamine therapy, from one YAML intake.
#[derive(Debug, Parser)]
#[command(name = "authpack", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build a packet (zip) from each intake.
    Build {
        /// Intake files (YAML).
        #[arg(required = true, value_name = "INTAKE")]
        intakes: Vec<PathBuf>,
        /// Where to write: a .zip file for one intake, a folder for several
        /// [default: beside each intake, named after it].
        #[arg(short, long, value_name = "OUT")]
        output: Option<PathBuf>,
        /// A folder whose documents/*.md replace the default templates by name.
        #[arg(long, value_name = "DIR")]
        templates: Option<PathBuf>,
        /// A bundled policy id or a policy file, instead of the intake's.
        #[arg(long, value_name = "ID|FILE")]
        policy: Option<String>,
        /// Replace an existing packet.
        #[arg(long)]
        force: bool,
        /// A folder of extra fonts (.ttf, .otf) for characters the bundled fonts lack.
        #[arg(long, value_name = "DIR")]
        font_dir: Option<PathBuf>,
    },
    /// Validate an intake, evaluate its policy and print the criteria table.
    Check {
        /// The intake file.
        #[arg(value_name = "INTAKE")]
        intake: PathBuf,
        /// Print one JSON document on stdout instead.
        #[arg(long)]
        json: bool,
        /// A bundled policy id or a policy file, instead of the intake's.
        #[arg(long, value_name = "ID|FILE")]
        policy: Option<String>,
    },
    /// Write a commented starter intake.
    Init {
        /// The therapy requested.
        #[arg(long, default_value = "esketamine-nasal", value_parser = ["esketamine-nasal", "ketamine-iv", "ketamine-im"])]
        therapy: String,
        /// The kind of request.
        #[arg(long, default_value = "initial", value_parser = ["initial", "continuation", "appeal"])]
        kind: String,
        /// Write to this file instead of standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Replace an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Re-hash every entry of a packet against its manifest.
    Verify {
        /// The packet (zip).
        #[arg(value_name = "PACKET")]
        packet: PathBuf,
        /// Print one JSON document on stdout instead.
        #[arg(long)]
        json: bool,
    },
    /// List the bundled policy profiles, or show one.
    Policies {
        /// list or show.
        #[command(subcommand)]
        action: Option<PoliciesAction>,
    },
    /// Work with the document templates.
    Templates {
        /// eject.
        #[command(subcommand)]
        action: TemplatesAction,
    },
}

/// `policies` subcommands.
#[derive(Debug, Subcommand)]
pub enum PoliciesAction {
    /// List every bundled profile.
    List,
    /// Print one profile's criteria and source.
    Show {
        /// The profile id.
        id: String,
    },
}

/// `templates` subcommands.
#[derive(Debug, Subcommand)]
pub enum TemplatesAction {
    /// Copy the default templates and policy profiles into DIR for editing.
    Eject {
        /// The folder to create.
        dir: PathBuf,
        /// Replace files that exist.
        #[arg(long)]
        force: bool,
    },
}

/// An error of the command layer (exit 2), with the path it concerns.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A file could not be read or written.
    #[error("{path}: {message}")]
    File {
        /// The path.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// Anything else.
    #[error("{0}")]
    Other(String),
}

fn file_error(path: &Path, e: impl std::fmt::Display) -> CliError {
    CliError::File { path: path.display().to_string(), message: e.to_string() }
}

/// Terminal streams, so tests can capture them.
pub struct Io<'a> {
    /// Standard output.
    pub out: &'a mut dyn Write,
    /// Standard error.
    pub err: &'a mut dyn Write,
}

/// Runs a parsed command line, returning the exit code.
pub fn run(cli: Cli, io: &mut Io<'_>) -> ExitCode {
    // One clock read for the whole run: SOURCE_DATE_EPOCH, when set, fixes every timestamp.
    let epoch = std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|v| v.trim().parse::<i64>().ok());
    let result = match cli.command {
        Command::Build { intakes, output, templates, policy, force, font_dir } => {
            let options = BuildOptions {
                templates: templates.as_deref(),
                policy: policy.as_deref(),
                font_dir: font_dir.as_deref(),
                force,
                epoch,
            };
            build(&intakes, output.as_deref(), &options, io)
        }
        Command::Check { intake, json, policy } => check(&intake, json, policy.as_deref(), io),
        Command::Init { therapy, kind, output, force } => init(&therapy, &kind, output.as_deref(), force, io),
        Command::Verify { packet, json } => verify(&packet, json, io),
        Command::Policies { action } => policies(action.unwrap_or(PoliciesAction::List), io),
        Command::Templates { action: TemplatesAction::Eject { dir, force } } => eject(&dir, force, io),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(io.err, "error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Reads an intake as text, with errors that name the file.
fn read_intake(path: &Path) -> Result<String, CliError> {
    let meta = fs::metadata(path).map_err(|e| file_error(path, e))?;
    if meta.is_dir() {
        return Err(file_error(path, "is a folder; give the intake file inside it"));
    }
    if meta.len() > crate::intake::yaml::MAX_INPUT_BYTES as u64 {
        return Err(file_error(
            path,
            format!("is {} bytes; an intake is at most {}", meta.len(), crate::intake::yaml::MAX_INPUT_BYTES),
        ));
    }
    let bytes = fs::read(path).map_err(|e| file_error(path, e))?;
    String::from_utf8(bytes).map_err(|e| {
        file_error(path, format!("is not UTF-8 text (invalid byte at offset {})", e.utf8_error().valid_up_to()))
    })
}

fn resolve_policy(arg: Option<&str>, set: &PolicySet) -> Result<Option<PolicyProfile>, CliError> {
    let Some(arg) = arg else { return Ok(None) };
    if let Some(p) = set.profiles.get(arg) {
        return Ok(Some(p.clone()));
    }
    let path = Path::new(arg);
    if !path.exists() {
        let ids: Vec<&str> = set.profiles.keys().map(String::as_str).collect();
        return Err(CliError::Other(format!(
            "--policy '{arg}' is neither a bundled policy nor a file; bundled: {}",
            ids.join(", ")
        )));
    }
    let text = fs::read_to_string(path).map_err(|e| file_error(path, e))?;
    policy::parse_profile(&path.display().to_string(), &text).map(Some).map_err(|e| CliError::Other(e.to_string()))
}

fn print_diagnostics(io: &mut Io<'_>, file: &str, diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        let _ = writeln!(io.err, "{}", d.display(file));
    }
}

fn packet_name(intake: &Path) -> String {
    let stem = intake.file_stem().and_then(|s| s.to_str()).unwrap_or("packet");
    let parent = intake.parent().and_then(|p| p.file_name()).and_then(|s| s.to_str());
    match (stem, parent) {
        ("intake", Some(parent)) => format!("{parent}.zip"),
        _ => format!("{stem}.zip"),
    }
}

/// How `build` was asked to run.
struct BuildOptions<'a> {
    templates: Option<&'a Path>,
    policy: Option<&'a str>,
    font_dir: Option<&'a Path>,
    force: bool,
    epoch: Option<i64>,
}

/// The PDF layout: `DIR/layout.typ` when the template folder has one, else the default.
fn typesetter(templates: Option<&Path>, font_dir: Option<&Path>) -> Result<crate::pdf::Typesetter, CliError> {
    let layout = match templates.map(|d| d.join("layout.typ")).filter(|p| p.is_file()) {
        Some(path) => Some(fs::read_to_string(&path).map_err(|e| file_error(&path, e))?),
        None => None,
    };
    crate::pdf::Typesetter::new(font_dir, layout).map_err(|e| CliError::Other(e.to_string()))
}

fn build(
    intakes: &[PathBuf],
    output: Option<&Path>,
    options: &BuildOptions<'_>,
    io: &mut Io<'_>,
) -> Result<ExitCode, CliError> {
    let (force, epoch) = (options.force, options.epoch);
    let templates = Templates::load(options.templates).map_err(|e| CliError::Other(e.to_string()))?;
    let typesetter = typesetter(options.templates, options.font_dir)?;
    let policies = PolicySet::bundled();
    let chosen = resolve_policy(options.policy, &policies)?;
    let settings =
        Settings { templates: &templates, policies: &policies, policy: chosen.as_ref(), typesetter: Some(&typesetter) };
    let mut refused = 0;
    for intake_path in intakes {
        let target = match (output, intakes.len()) {
            (Some(out), 1) if !out.is_dir() => out.to_path_buf(),
            (Some(dir), _) => {
                fs::create_dir_all(dir).map_err(|e| file_error(dir, e))?;
                dir.join(packet_name(intake_path))
            }
            (None, _) => intake_path.with_file_name(packet_name(intake_path)),
        };
        let shown = intake_path.display().to_string();
        if target.exists() && !force {
            return Err(file_error(&target, "exists; use --force to replace it"));
        }
        let text = read_intake(intake_path)?;
        let base = intake_path.parent().unwrap_or(Path::new("."));
        match crate::prepare(&text, base, &settings) {
            Ok(prepared) => {
                print_diagnostics(io, &shown, &prepared.warnings);
                let seconds = epoch.unwrap_or_else(|| prepared.loaded.intake.request.date.unix_seconds());
                let manifest = write_atomically(&target, force, |file| {
                    crate::write(&prepared, file, seconds).map_err(|e| CliError::Other(e.to_string()))
                })?;
                let e = &prepared.evaluation;
                let met = e.criteria.iter().filter(|c| c.status == Status::Met).count();
                let _ = writeln!(
                    io.err,
                    "built {} ({} files; policy {}: {} of {} criteria met, overall {})",
                    target.display(),
                    manifest.files.len() + 1,
                    e.id,
                    met,
                    e.criteria.len(),
                    e.overall.label()
                );
            }
            Err(BuildError::Invalid(diagnostics)) => {
                print_diagnostics(io, &shown, &diagnostics);
                let _ = writeln!(io.err, "{shown}: {}; no packet was written", diag::summary(&diagnostics));
                refused += 1;
            }
            Err(BuildError::Render(e)) => return Err(CliError::Other(e.to_string())),
            Err(BuildError::Pdf(e)) => return Err(CliError::Other(e.to_string())),
        }
    }
    Ok(if refused > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// Writes through a temporary file beside `target` (mode 0600), renamed into place only when complete.
fn write_atomically<T>(
    target: &Path,
    force: bool,
    fill: impl FnOnce(&mut File) -> Result<T, CliError>,
) -> Result<T, CliError> {
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = target.file_name().and_then(|n| n.to_str()).unwrap_or("packet");
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temp)
            .map_err(|e| file_error(&temp, e))?;
        let value = fill(&mut file)?;
        file.sync_all().map_err(|e| file_error(&temp, e))?;
        if force {
            fs::rename(&temp, target).map_err(|e| file_error(target, e))?;
        } else {
            // A hard link fails if the target appeared meanwhile, so nothing is ever overwritten without --force.
            fs::hard_link(&temp, target).map_err(|e| file_error(target, e))?;
            fs::remove_file(&temp).map_err(|e| file_error(&temp, e))?;
        }
        Ok(value)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

fn check(path: &Path, json: bool, policy_arg: Option<&str>, io: &mut Io<'_>) -> Result<ExitCode, CliError> {
    let text = read_intake(path)?;
    let templates = Templates::load(None).map_err(|e| CliError::Other(e.to_string()))?;
    let policies = PolicySet::bundled();
    let chosen = resolve_policy(policy_arg, &policies)?;
    let typesetter = typesetter(None, None)?;
    let settings = Settings { templates: &templates, policies: &policies, policy: chosen.as_ref(), typesetter: None };
    let base = path.parent().unwrap_or(Path::new("."));
    let shown = path.display().to_string();
    let (diagnostics, evaluation) = match crate::prepare(&text, base, &settings) {
        Ok(p) => {
            // `check` typesets nothing, but still finds characters the PDFs could not show.
            let uncovered = crate::uncovered_characters(&p.loaded, &typesetter);
            if uncovered.is_empty() {
                (p.warnings, Some(p.evaluation))
            } else {
                let mut all = p.warnings;
                all.extend(uncovered);
                diag::sort(&mut all);
                (all, None)
            }
        }
        Err(BuildError::Invalid(d)) => (d, None),
        Err(e) => return Err(CliError::Other(e.to_string())),
    };
    let valid = evaluation.is_some();
    if json {
        let doc = json!({
            "valid": valid,
            "diagnostics": diagnostics,
            "policy": evaluation.as_ref().map(|e| json!({
                "id": e.id,
                "title": e.title,
                "as_of": e.source.as_of,
                "stale": e.stale,
                "overall": e.overall,
                "criteria": e.criteria,
            })),
        });
        let _ = writeln!(io.out, "{}", serde_json::to_string_pretty(&doc).expect("serializes"));
    } else {
        print_diagnostics(io, &shown, &diagnostics);
        if let Some(e) = &evaluation {
            let _ = writeln!(io.out, "policy {}: {} (as of {})", e.id, e.title, e.source.as_of);
            if e.stale {
                let _ = writeln!(io.out, "warning: this profile is more than a year older than the request");
            }
            for c in &e.criteria {
                let _ = writeln!(io.out, "  {:<8} {:<20} {}", c.status.label(), c.id, c.evidence.join("; "));
                for n in &c.notes {
                    let _ = writeln!(io.out, "  {:<8} {:<20} {n}", "", "");
                }
                if let Some(h) = &c.hint {
                    let _ = writeln!(io.out, "  {:<8} {:<20} hint: {h}", "", "");
                }
            }
            let met = e.criteria.iter().filter(|c| c.status == Status::Met).count();
            let _ = writeln!(io.out, "overall: {} ({met} of {} criteria met)", e.overall.label(), e.criteria.len());
        }
        let _ = writeln!(
            io.err,
            "{shown}: {}{}",
            diag::summary(&diagnostics),
            if valid { "" } else { "; the intake is invalid" }
        );
    }
    Ok(if valid { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// The starter intake, with the therapy and kind filled in.
pub fn starter(therapy: &str, kind: &str) -> String {
    let text = include_str!("../packet-templates/starter-intake.yaml");
    let (dose, services) = match therapy {
        "esketamine-nasal" => (
            "    dose_mg: 56\n    dose_mg_per_kg: null\n    infusion_minutes: null\n    frequency: twice-weekly\n",
            "    - code: G2082\n      units: 8\n",
        ),
        "ketamine-iv" => (
            "    dose_mg: null\n    dose_mg_per_kg: 0.5\n    infusion_minutes: 40\n    frequency: twice-weekly\n",
            "    - code: J3490\n      units: 6\n    - code: \"96365\"\n      units: 6\n",
        ),
        _ => (
            "    dose_mg: null\n    dose_mg_per_kg: 0.5\n    infusion_minutes: null\n    frequency: twice-weekly\n",
            "    - code: J3490\n      units: 6\n    - code: \"96372\"\n      units: 6\n",
        ),
    };
    let phase = match (therapy, kind) {
        ("esketamine-nasal", "continuation") => "maintenance",
        ("esketamine-nasal", _) => "induction",
        _ => "course",
    };
    let appeal = if kind == "appeal" {
        "appeal:\n  level: first-internal              # first-internal | second-internal | external-review\n  denial_date: 2026-10-02             # the date printed on the denial notice\n  received_date: 2026-10-06\n  reference_number: UM-2026-000000\n  denial_reason: \"Quote the reason exactly as the notice gives it.\"\n  denial_basis: step-therapy           # not-medically-necessary | experimental | step-therapy |\n                                      #   missing-documentation | site-of-care | benefit-exclusion | other\n  appellant: provider                 # provider | patient | representative\n  request_peer_to_peer: true\n  request_claim_file: true\n"
    } else {
        "appeal: null                          # required when request.kind is appeal\n"
    };
    text.replace("{{kind}}", kind)
        .replace("{{therapy}}", therapy)
        .replace("{{phase}}", phase)
        .replace("{{dose}}\n", dose)
        .replace("{{services}}\n", services)
        .replace("{{appeal}}\n", appeal)
}

fn init(therapy: &str, kind: &str, output: Option<&Path>, force: bool, io: &mut Io<'_>) -> Result<ExitCode, CliError> {
    let text = starter(therapy, kind);
    match output {
        None => {
            let _ = io.out.write_all(text.as_bytes());
        }
        Some(path) => {
            if path.exists() && !force {
                return Err(file_error(path, "exists; use --force to replace it"));
            }
            write_atomically(path, force, |f| f.write_all(text.as_bytes()).map_err(|e| file_error(path, e)))?;
            let _ =
                writeln!(io.err, "wrote {}; fill it in, then run: authpack check {}", path.display(), path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn verify(path: &Path, json: bool, io: &mut Io<'_>) -> Result<ExitCode, CliError> {
    let file = File::open(path).map_err(|e| file_error(path, e))?;
    let result = crate::package::verify_packet(io::BufReader::new(file)).map_err(|e| file_error(path, e))?;
    if json {
        let _ = writeln!(
            io.out,
            "{}",
            serde_json::to_string_pretty(&json!({"intact": result.is_intact(), "entries": result}))
                .expect("serializes")
        );
    } else {
        for (label, names) in [("changed", &result.changed), ("missing", &result.missing), ("added", &result.added)] {
            for name in names {
                let _ = writeln!(io.out, "{label:<8} {name}");
            }
        }
        let verdict = if result.is_intact() { "intact" } else { "ALTERED" };
        let _ = writeln!(
            io.out,
            "{}: {verdict} ({} entries match, {} changed, {} missing, {} added)",
            path.display(),
            result.ok.len(),
            result.changed.len(),
            result.missing.len(),
            result.added.len()
        );
    }
    Ok(if result.is_intact() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn policies(action: PoliciesAction, io: &mut Io<'_>) -> Result<ExitCode, CliError> {
    let set = PolicySet::bundled();
    match action {
        PoliciesAction::List => {
            let _ = writeln!(
                io.out,
                "{:<26} {:<17} {:<22} {:<8} {:<10} title",
                "id", "therapy", "indications", "default", "as of"
            );
            for p in set.profiles.values() {
                let indications: Vec<String> = p.indications.iter().map(policy::serde_label).collect();
                let _ = writeln!(
                    io.out,
                    "{:<26} {:<17} {:<22} {:<8} {:<10} {}",
                    p.id,
                    policy::serde_label(&p.therapy),
                    indications.join(","),
                    if p.default { "yes" } else { "" },
                    p.source.as_of,
                    p.title
                );
            }
        }
        PoliciesAction::Show { id } => {
            let Some(p) = set.profiles.get(&id) else {
                let ids: Vec<&str> = set.profiles.keys().map(String::as_str).collect();
                return Err(CliError::Other(format!("unknown policy '{id}'; bundled: {}", ids.join(", "))));
            };
            let _ = writeln!(
                io.out,
                "{} ({})\nsource: {}{}\nas of: {}",
                p.title,
                p.id,
                p.source.name,
                p.source.url.as_deref().map(|u| format!(" <{u}>")).unwrap_or_default(),
                p.source.as_of
            );
            if let Some(note) = &p.source.note {
                let _ = writeln!(io.out, "note: {note}");
            }
            for (label, criteria) in
                [("criteria", Some(&p.criteria)), ("continuation criteria", p.continuation_criteria.as_ref())]
            {
                if let Some(criteria) = criteria {
                    let _ = writeln!(io.out, "\n{label}:");
                    for c in criteria {
                        let _ = writeln!(io.out, "  {:<20} {}", c.id, c.text);
                    }
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn eject(dir: &Path, force: bool, io: &mut Io<'_>) -> Result<ExitCode, CliError> {
    let mut files: Vec<(PathBuf, &str)> =
        render::DEFAULT_TEMPLATES.iter().map(|(n, t)| (dir.join("documents").join(n), *t)).collect();
    files.extend(policy::BUNDLED.iter().map(|(n, t)| (dir.join("policies").join(n), *t)));
    files.push((dir.join("layout.typ"), crate::pdf::DEFAULT_LAYOUT));
    if !force && let Some((p, _)) = files.iter().find(|(p, _)| p.exists()) {
        return Err(file_error(p, "exists; use --force to replace the ejected files"));
    }
    for (path, text) in &files {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| file_error(parent, e))?;
        }
        let mut f = BufWriter::new(File::create(path).map_err(|e| file_error(path, e))?);
        f.write_all(text.as_bytes()).map_err(|e| file_error(path, e))?;
    }
    let _ = writeln!(
        io.err,
        "wrote {} files under {}; build with --templates {}",
        files.len(),
        dir.display(),
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_starter_intake_loads() {
        for therapy in ["esketamine-nasal", "ketamine-iv", "ketamine-im"] {
            for kind in ["initial", "continuation", "appeal"] {
                let text = starter(therapy, kind);
                let loaded = crate::intake::load_intake(&text).unwrap_or_else(|d| panic!("{therapy} {kind}: {d:?}"));
                let errors: Vec<_> = crate::check::check(&loaded).into_iter().filter(Diagnostic::is_error).collect();
                assert!(errors.is_empty(), "{therapy} {kind}: {errors:?}");
            }
        }
    }
}
