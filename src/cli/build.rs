//! `authpack build`: the intakes and their targets checked first, the password
//! asked once they are, then each packet built and written atomically.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::args::BuildArgs;
use super::batch;
use super::output::{self, tell};
use super::report::{BuildReport, IntakeReport, PacketReport};
use super::settings::{self, Reader};
use super::{CliError, Io};
use crate::diag::{self, Diagnostic, style};
use crate::files;
use crate::policy::Status;
use crate::{BuildError, Settings};

/// One intake of the run and where its packet goes.
struct Job {
    /// The intake as named.
    intake: PathBuf,
    /// Its packet, or why it cannot be read (a folder with no intakes).
    target: Result<PathBuf, Diagnostic>,
}

/// What became of one intake.
pub enum Outcome {
    /// Built and written.
    Built { report: PacketReport, warnings: Vec<Diagnostic>, source: String },
    /// Refused: the intake is invalid (exit 1).
    Refused { diagnostics: Vec<Diagnostic>, source: Option<String> },
    /// Could not be built for another reason: a file in the way, I/O, a template (exit 2).
    Failed { message: String },
}

/// Runs `build`.
pub fn run(args: BuildArgs, epoch: Option<i64>, io: &mut Io<'_>) -> Result<ExitCode, CliError> {
    let reader = Reader::new(&args.read)?;
    let jobs = plan(&args)?;
    let workers = batch::workers(args.jobs, jobs.len());
    // Asked only once every target is known to be writable in principle.
    let password = if args.encrypt { Some(super::password::ask(true)?) } else { None };
    let settings = reader.settings(args.redact, args.fhir);
    let progress = jobs.len() > 1 && !args.json && io.err_is_terminal;
    let outcomes: Vec<Outcome> =
        batch::run(jobs.len(), workers, progress, |i| one(&jobs[i], &settings, &args, epoch, password.as_deref()))?
            .into_iter()
            .map(|r| r.unwrap_or_else(|message| Outcome::Failed { message }))
            .collect();
    report(&jobs, &outcomes, args.json, io)
}

/// The intakes named and their targets, refused before anything is built when
/// two would write one packet or a packet would overwrite an input.
fn plan(args: &BuildArgs) -> Result<Vec<Job>, CliError> {
    let intakes = expand(&args.intakes);
    let many = intakes.len() > 1;
    let output = args.output.as_deref();
    if let Some(out) = output.filter(|o| many && o.extension().is_some_and(|e| e == "zip")) {
        return Err(CliError::Usage(format!(
            "{}: names one .zip, but there are several intakes; give a folder",
            diag::shown(&out.display().to_string())
        )));
    }
    // `-o DIR/` (a trailing slash) names a folder even before it exists.
    let folder_named = output.is_some_and(|o| o.as_os_str().to_string_lossy().ends_with('/'));
    let jobs: Vec<Job> = intakes
        .into_iter()
        .map(|found| match found {
            Ok(intake) => {
                let target = match output {
                    Some(out) if !many && !out.is_dir() && !folder_named => out.to_path_buf(),
                    Some(dir) => dir.join(packet_name(&intake)),
                    None => intake.with_file_name(packet_name(&intake)),
                };
                Job { intake, target: Ok(target) }
            }
            Err((intake, d)) => Job { intake, target: Err(d) },
        })
        .collect();
    let resolved: Vec<Option<PathBuf>> = jobs.iter().map(|j| j.target.as_deref().ok().map(resolve)).collect();
    let read_files = read_files(&args.read);
    for (i, job) in jobs.iter().enumerate() {
        let Ok(target) = &job.target else { continue };
        let shown = diag::shown(&target.display().to_string()).into_owned();
        if resolved[..i].iter().flatten().any(|earlier| Some(earlier) == resolved[i].as_ref()) {
            return Err(CliError::Usage(format!(
                "{shown}: would be written by two intakes; give each intake its own name or folder"
            )));
        }
        if jobs.iter().any(|j| files::same_file(&j.intake, target)) {
            return Err(CliError::Usage(format!("{shown}: is an intake; a packet never replaces its input")));
        }
        if read_files.iter().any(|f| files::same_file(f, target)) {
            return Err(CliError::Usage(format!(
                "{shown}: is a template, font or policy file this build reads; a packet never replaces its input"
            )));
        }
    }
    if let Some(dir) = output.filter(|_| many || folder_named) {
        files::create_dir_all(dir)?;
    }
    Ok(jobs)
}

/// The files a build reads besides intakes and records: the template folder's files (two levels
/// deep, as the pack reads them), the font folder's, and a policy file.
fn read_files(read: &super::args::ReadArgs) -> Vec<PathBuf> {
    fn under(dir: &Path, depth: u32, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            match entry.file_type() {
                Ok(t) if t.is_dir() && depth > 0 => under(&path, depth - 1, out),
                Ok(_) => out.push(path),
                Err(_) => {}
            }
        }
    }
    let mut out = Vec::new();
    if let Some(dir) = &read.templates {
        under(dir, 1, &mut out);
    }
    if let Some(dir) = &read.font_dir {
        under(dir, 0, &mut out);
    }
    out.extend(read.policy.as_deref().map(PathBuf::from).filter(|p| p.is_file()));
    out
}

/// A target's folder resolved, so two spellings of one path compare equal.
fn resolve(p: &Path) -> PathBuf {
    let parent = p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    parent.canonicalize().unwrap_or_else(|_| parent.to_path_buf()).join(p.file_name().unwrap_or_default())
}

/// The packet's name: after the intake, or after its folder for an `intake.yaml`.
fn packet_name(intake: &Path) -> String {
    let stem = intake.file_stem().and_then(|s| s.to_str()).unwrap_or("packet");
    // The folder's real name, however the path is written (`intake.yaml`, `./intake.yaml`, absolute).
    let folder = intake.parent().map(|p| if p.as_os_str().is_empty() { Path::new(".") } else { p });
    let resolved = folder.and_then(|p| p.canonicalize().ok());
    let parent = resolved.as_deref().and_then(|p| p.file_name()).and_then(|s| s.to_str());
    match (stem, parent) {
        ("intake", Some(parent)) => format!("{parent}.zip"),
        _ => format!("{stem}.zip"),
    }
}

/// The intakes named: files as given; for a folder, its `*.yaml`/`*.yml` files
/// and each subfolder's `intake.yaml`, sorted. A folder with none is refused.
fn expand(inputs: &[PathBuf]) -> Vec<Result<PathBuf, (PathBuf, Diagnostic)>> {
    let mut found = Vec::new();
    for input in inputs {
        if !input.is_dir() {
            found.push(Ok(input.clone()));
            continue;
        }
        let mut inside: Vec<PathBuf> = std::fs::read_dir(input)
            .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        inside.sort();
        let intakes: Vec<PathBuf> = inside
            .into_iter()
            .filter_map(|p| {
                let yaml = p.extension().is_some_and(|e| e == "yaml" || e == "yml");
                if p.is_file() && yaml {
                    Some(p)
                } else if p.is_dir() && p.join("intake.yaml").is_file() {
                    Some(p.join("intake.yaml"))
                } else {
                    None
                }
            })
            .collect();
        if intakes.is_empty() {
            let d = Diagnostic::error("", "is a folder with no intakes in it (*.yaml, or */intake.yaml)")
                .hint("give an intake file, or a folder of them");
            found.push(Err((input.clone(), d)));
        }
        found.extend(intakes.into_iter().map(Ok));
    }
    found
}

/// Reads, builds and writes one intake's packet.
fn one(job: &Job, settings: &Settings<'_>, args: &BuildArgs, epoch: Option<i64>, password: Option<&str>) -> Outcome {
    let target = match &job.target {
        Ok(t) => t,
        Err(d) => return Outcome::Refused { diagnostics: vec![d.clone()], source: None },
    };
    let failed = |message: String| Outcome::Failed { message };
    if target.exists() && !args.force {
        return failed(format!("{}: exists; use --force to replace it", diag::shown(&target.display().to_string())));
    }
    let input = match settings::read_intake(&job.intake) {
        Ok(input) => input,
        Err(d) => return Outcome::Refused { diagnostics: vec![d], source: None },
    };
    let packet = match crate::build(&input, settings) {
        Ok(packet) => packet,
        Err(BuildError::Rejected(r)) => {
            return Outcome::Refused { diagnostics: r.diagnostics, source: Some(input.text) };
        }
        Err(e) => return failed(chain(&e)),
    };
    let intake = &packet.reading.checked.intake;
    if let Some(a) = intake.attachments.iter().find(|a| files::same_file(&input.folder.join(&a.file), target)) {
        let shown = diag::shown(&target.display().to_string()).into_owned();
        return failed(format!(
            "{shown}: is the record {} of the intake; a packet never replaces its input",
            diag::shown(&a.file)
        ));
    }
    if intake.request.policy.as_deref().is_some_and(|p| files::same_file(&input.folder.join(p), target)) {
        let shown = diag::shown(&target.display().to_string()).into_owned();
        return failed(format!("{shown}: is the intake's policy file; a packet never replaces its input"));
    }
    let seconds = epoch.unwrap_or_else(|| intake.request.date.unix_seconds());
    let written = files::write_atomically(target, args.force, |file| {
        packet.write(file, seconds, password).map_err(|e| CliError::Write(target.display().to_string(), e))
    });
    match written {
        Ok(manifest) => {
            let e = &packet.reading.evaluation;
            let report = PacketReport {
                packet: target.display().to_string(),
                files: manifest.files.len() + 1,
                policy: e.id.clone(),
                overall: e.overall,
                criteria_met: e.criteria.iter().filter(|c| c.status == Status::Met).count(),
                criteria: e.criteria.len(),
                fax_pages: packet.fax_pages,
                redacted: packet.reading.checked.redacted,
                encrypted: password.is_some(),
            };
            Outcome::Built { report, warnings: packet.reading.warnings.clone(), source: input.text }
        }
        Err(e) => failed(chain(&e)),
    }
}

/// An error and its causes in one line.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

/// Prints what became of each intake, in the order given, and returns the exit
/// code: 0 all built; 1 some intake refused as invalid; 2 some other failure.
fn report(jobs: &[Job], outcomes: &[Outcome], json: bool, io: &mut Io<'_>) -> Result<ExitCode, CliError> {
    let many = jobs.len() > 1;
    let name = |i: usize| jobs[i].intake.display().to_string();
    let count = |f: fn(&Outcome) -> bool| outcomes.iter().filter(|o| f(o)).count();
    let built = count(|o| matches!(o, Outcome::Built { .. }));
    let refused = count(|o| matches!(o, Outcome::Refused { .. }));
    let failed = count(|o| matches!(o, Outcome::Failed { .. }));
    if json {
        let intakes = outcomes
            .iter()
            .enumerate()
            .map(|(i, o)| match o {
                Outcome::Built { report, warnings, .. } => IntakeReport {
                    intake: name(i),
                    status: "built",
                    packet: Some(report.clone()),
                    diagnostics: Some(warnings.clone()),
                    message: None,
                },
                Outcome::Refused { diagnostics, .. } => IntakeReport {
                    intake: name(i),
                    status: "refused",
                    packet: None,
                    diagnostics: Some(diagnostics.clone()),
                    message: None,
                },
                Outcome::Failed { message } => IntakeReport {
                    intake: name(i),
                    status: "failed",
                    packet: None,
                    diagnostics: None,
                    message: Some(message.clone()),
                },
            })
            .collect();
        output::json(io, &BuildReport { built, refused, failed, intakes })?;
    } else {
        for (i, o) in outcomes.iter().enumerate() {
            let shown = diag::shown(&name(i)).into_owned();
            match o {
                Outcome::Built { report, warnings, source } => {
                    output::diagnostics(io, &shown, warnings, Some(source))?;
                    tell!(io, "{}", built_line(report))?;
                }
                Outcome::Refused { diagnostics, source } => {
                    output::diagnostics(io, &shown, diagnostics, source.as_deref())?;
                    tell!(io, "{shown}: {}; no packet was written", diag::summary(diagnostics))?;
                }
                Outcome::Failed { message } => {
                    tell!(io, "{}: {}; no packet was written", style::error_label(io.color), diag::shown(message))?;
                }
            }
        }
        if many {
            tell!(io, "\n{built} built, {refused} refused, {failed} failed, of {} intakes", outcomes.len())?;
            for (i, o) in outcomes.iter().enumerate() {
                let shown = diag::shown(&name(i)).into_owned();
                match o {
                    Outcome::Refused { diagnostics, .. } => {
                        let first = diagnostics.iter().find(|d| d.is_error()).map(|d| {
                            if d.path.is_empty() { d.message.clone() } else { format!("{}: {}", d.path, d.message) }
                        });
                        tell!(io, "  refused {shown}: {}", first.unwrap_or_default())?;
                    }
                    Outcome::Failed { message } => tell!(io, "  failed  {shown}: {}", diag::shown(message))?,
                    Outcome::Built { .. } => {}
                }
            }
        }
    }
    Ok(match (refused, failed) {
        (_, f) if f > 0 => ExitCode::from(2),
        (r, _) if r > 0 => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    })
}

fn built_line(r: &PacketReport) -> String {
    format!(
        "built {} ({} files; policy {}: {} of {} criteria met{}{})",
        diag::shown(&r.packet),
        r.files,
        r.policy,
        r.criteria_met,
        r.criteria,
        if r.redacted { "; redacted" } else { "" },
        if r.encrypted { "; encrypted" } else { "" },
    )
}
