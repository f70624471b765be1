//! The command line: the only layer that reads arguments, opens files for
//! writing and prints. Exit codes: 0 success; 1 an invalid intake or a packet
//! that fails to verify; 2 usage, I/O, template or internal error.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, IsTerminal, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};
use serde_json::json;

use crate::diag::{self, Diagnostic, style};
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
        /// Intake files (YAML), or folders: each folder's *.yaml files and */intake.yaml.
        #[arg(required = true, value_name = "INTAKE|DIR")]
        intakes: Vec<PathBuf>,
        /// Where to write: a .zip file for one intake, a folder for several
        /// [default: beside each intake, named after it].
        #[arg(short, long, value_name = "OUT")]
        output: Option<PathBuf>,
        /// What the packet holds besides the records: Markdown, PDFs, or both.
        #[arg(long, value_enum, default_value_t = Format::All)]
        format: Format,
        /// Build this many packets at once [default: one per core].
        #[arg(short, long, value_name = "N")]
        jobs: Option<usize>,
        /// A folder whose documents/*.md (and layout.typ) replace the defaults by name.
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
        /// Take the people out: names, identifiers, addresses and free text become
        /// placeholders, dates shift by one offset, records are withheld.
        #[arg(long)]
        redact: bool,
        /// Encrypt the packet (AES-256 zip). The password comes from the
        /// AUTHPACK_PASSWORD environment variable, or is asked for on the terminal.
        #[arg(long)]
        encrypt: bool,
        /// Print one JSON summary on stdout instead of the report on stderr.
        #[arg(long)]
        json: bool,
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
        /// Ask for the therapy, the kind and the essential facts on the terminal.
        #[arg(short, long)]
        interactive: bool,
    },
    /// Re-hash every entry of a packet against its manifest. An encrypted
    /// packet's password comes from AUTHPACK_PASSWORD or the terminal.
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
        /// Print JSON on stdout instead.
        #[arg(long, global = true)]
        json: bool,
    },
    /// Print the JSON Schema of the intake (for editors: see the README).
    Schema,
    /// Print a shell completion script.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), or write one page per command into DIR.
    Man {
        /// Write authpack.1 and authpack-COMMAND.1 files here instead of printing.
        #[arg(short, long, value_name = "DIR")]
        output: Option<PathBuf>,
    },
    /// Work with the document templates.
    Templates {
        /// eject.
        #[command(subcommand)]
        action: TemplatesAction,
    },
}

/// What a packet holds besides the records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The Markdown documents only (fastest).
    Md,
    /// The PDFs only: each document and the combined fax.
    Pdf,
    /// Markdown and PDFs.
    All,
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
    /// Whether to colour what goes to standard error.
    pub color: bool,
    /// Whether standard error is a terminal (for the progress bar).
    pub err_is_terminal: bool,
}

impl<'a> Io<'a> {
    /// The process's own streams: colour on a terminal unless NO_COLOR is set.
    pub fn terminal(out: &'a mut dyn Write, err: &'a mut dyn Write) -> Io<'a> {
        let err_is_terminal = io::stderr().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Io { out, err, color: err_is_terminal && !no_color, err_is_terminal }
    }
}

/// Runs a parsed command line, returning the exit code.
pub fn run(cli: Cli, io: &mut Io<'_>) -> ExitCode {
    // One clock read for the whole run: SOURCE_DATE_EPOCH, when set, fixes every timestamp.
    let epoch = std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|v| v.trim().parse::<i64>().ok());
    let result = match cli.command {
        Command::Build { intakes, output, format, jobs, templates, policy, force, font_dir, redact, encrypt, json } => {
            let options = BuildOptions {
                templates: templates.as_deref(),
                policy: policy.as_deref(),
                font_dir: font_dir.as_deref(),
                force,
                epoch,
                format,
                jobs,
                redact,
                encrypt,
                json,
            };
            build(&intakes, output.as_deref(), &options, io)
        }
        Command::Check { intake, json, policy } => check(&intake, json, policy.as_deref(), io),
        Command::Init { therapy, kind, output, force, interactive } => {
            if interactive {
                init_interactive(output.as_deref(), force, io)
            } else {
                init(&therapy, &kind, output.as_deref(), force, io)
            }
        }
        Command::Verify { packet, json } => verify(&packet, json, io),
        Command::Policies { action, json } => policies(action.unwrap_or(PoliciesAction::List), json, io),
        Command::Templates { action: TemplatesAction::Eject { dir, force } } => eject(&dir, force, io),
        Command::Schema => {
            let _ = writeln!(io.out, "{}", crate::intake::schema_json());
            Ok(ExitCode::SUCCESS)
        }
        Command::Completions { shell } => {
            // Into memory first: a closed pipe (`| head`) must not panic the generator.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "authpack", &mut script);
            let _ = io.out.write_all(&script);
            Ok(ExitCode::SUCCESS)
        }
        Command::Man { output } => man(output.as_deref(), io),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(io.err, "{}: {e}", style::error_label(io.color));
            ExitCode::from(2)
        }
    }
}

/// Reads an intake as text. A file that cannot be an intake (missing, a folder,
/// too large, not UTF-8 text) is an invalid intake: a diagnostic, exit 1.
fn read_intake(path: &Path) -> Result<String, Diagnostic> {
    let refuse = |message: String| Diagnostic::error("", message);
    let meta = fs::metadata(path).map_err(|e| refuse(format!("cannot be read: {}", io_reason(&e))))?;
    if meta.is_dir() {
        return Err(refuse("is a folder; give the intake file inside it".into())
            .hint("an intake is one YAML file; `authpack init -o intake.yaml` writes a starter"));
    }
    if !meta.is_file() {
        return Err(refuse("is not a regular file".into()));
    }
    let limit = crate::intake::yaml::MAX_INPUT_BYTES;
    if meta.len() > limit as u64 {
        return Err(refuse(format!("is {} bytes; an intake is at most {limit} bytes", meta.len()))
            .hint("enclose long records as attachments instead of pasting them into the intake"));
    }
    let bytes = fs::read(path).map_err(|e| refuse(format!("cannot be read: {}", io_reason(&e))))?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(e) => {
            let bytes = e.as_bytes();
            let at = e.utf8_error().valid_up_to();
            let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
            let column = at - bytes[..at].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1) + 1;
            let utf16 = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
            Err(Diagnostic::error(
                "",
                format!("the file is not UTF-8 text: byte 0x{:02X} cannot start a character", bytes[at]),
            )
            .at(Some(diag::Pos { line: line as u32, column: column as u32 }))
            .hint(if utf16 {
                "it is UTF-16; save it as UTF-8"
            } else {
                "save the file as UTF-8 (most editors: Save with encoding, UTF-8)"
            }))
        }
    }
}

fn io_reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
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

fn print_diagnostics(io: &mut Io<'_>, file: &str, diagnostics: &[Diagnostic], source: Option<&str>) {
    for d in diagnostics {
        let _ = writeln!(io.err, "{}", d.render(file, source, io.color));
    }
}

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

/// How `build` was asked to run.
struct BuildOptions<'a> {
    templates: Option<&'a Path>,
    policy: Option<&'a str>,
    font_dir: Option<&'a Path>,
    force: bool,
    epoch: Option<i64>,
    format: Format,
    jobs: Option<usize>,
    redact: bool,
    encrypt: bool,
    json: bool,
}

/// The PDF layout: `DIR/layout.typ` when the template folder has one, else the default.
fn typesetter(templates: Option<&Path>, font_dir: Option<&Path>) -> Result<crate::pdf::Typesetter, CliError> {
    let layout = match templates.map(|d| d.join("layout.typ")).filter(|p| p.is_file()) {
        Some(path) => Some(fs::read_to_string(&path).map_err(|e| file_error(&path, e))?),
        None => None,
    };
    crate::pdf::Typesetter::new(font_dir, layout).map_err(|e| CliError::Other(e.to_string()))
}

/// The intakes named: files as given; for a folder, its `*.yaml`/`*.yml` files
/// and each subfolder's `intake.yaml`, sorted. A folder with none is an error.
fn expand_intakes(inputs: &[PathBuf]) -> Vec<Result<PathBuf, (PathBuf, Diagnostic)>> {
    let mut found = Vec::new();
    for input in inputs {
        if !input.is_dir() {
            found.push(Ok(input.clone()));
            continue;
        }
        let mut inside: Vec<PathBuf> = fs::read_dir(input)
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

/// What became of one intake of a build.
enum Outcome {
    /// Built: the packet, its manifest and the prepared intake's report.
    Built { warnings: Vec<Diagnostic>, summary: serde_json::Value, line: String, source: String },
    /// Refused: the intake is invalid (exit 1).
    Refused { diagnostics: Vec<Diagnostic>, source: Option<String> },
    /// Could not be built for another reason: a file in the way, I/O, a template (exit 2).
    Failed { message: String },
}

fn build(
    inputs: &[PathBuf],
    output: Option<&Path>,
    options: &BuildOptions<'_>,
    io: &mut Io<'_>,
) -> Result<ExitCode, CliError> {
    let templates = Templates::load(options.templates).map_err(|e| CliError::Other(e.to_string()))?;
    let typesetter = match options.format {
        Format::Md => None,
        Format::Pdf | Format::All => Some(typesetter(options.templates, options.font_dir)?),
    };
    let policies = PolicySet::bundled();
    let chosen = resolve_policy(options.policy, &policies)?;
    let password = if options.encrypt { Some(password(true)?) } else { None };
    let settings = Settings {
        templates: &templates,
        policies: &policies,
        policy: chosen.as_ref(),
        typesetter: typesetter.as_ref(),
        markdown: options.format != Format::Pdf,
        redact: options.redact,
    };
    let intakes = expand_intakes(inputs);
    let many = intakes.len() > 1;
    if let Some(out) = output.filter(|o| many && o.extension().is_some_and(|e| e == "zip")) {
        return Err(file_error(out, "names one .zip, but there are several intakes; give a folder"));
    }
    let targets: Vec<Option<PathBuf>> = intakes
        .iter()
        .map(|i| {
            let path = i.as_ref().ok()?;
            Some(match output {
                // `-o DIR/` (a trailing slash) names a folder even before it exists.
                Some(out) if !many && !out.is_dir() && !out.as_os_str().to_string_lossy().ends_with('/') => {
                    out.to_path_buf()
                }
                Some(dir) => dir.join(packet_name(path)),
                None => path.with_file_name(packet_name(path)),
            })
        })
        .collect();
    // Two intakes must not race for one packet, however their paths are written.
    let same = |p: &Path| {
        let parent = p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        parent.canonicalize().unwrap_or_else(|_| parent.to_path_buf()).join(p.file_name().unwrap_or_default())
    };
    let resolved: Vec<Option<PathBuf>> = targets.iter().map(|t| t.as_deref().map(same)).collect();
    for (i, t) in targets.iter().enumerate() {
        if let Some(t) = t
            && resolved[..i].iter().flatten().any(|earlier| Some(earlier) == resolved[i].as_ref())
        {
            return Err(file_error(t, "would be written by two intakes; give each intake its own name or folder"));
        }
    }
    let folder_named = output.is_some_and(|o| o.as_os_str().to_string_lossy().ends_with('/'));
    if let Some(dir) = output.filter(|_| many || folder_named) {
        fs::create_dir_all(dir).map_err(|e| file_error(dir, e))?;
    }
    let one = |index: usize| -> Outcome {
        let path = match &intakes[index] {
            Ok(p) => p,
            Err((_, d)) => return Outcome::Refused { diagnostics: vec![d.clone()], source: None },
        };
        let target = targets[index].clone().expect("a target for each readable intake");
        // Each build on a thread of its own that ends with it, so nothing a build
        // leaves behind on its thread accumulates over a batch (measured: without
        // this, a worker's memory grew about 3 MB a packet).
        std::thread::scope(|scope| {
            std::thread::Builder::new()
                .name("authpack-build".into())
                .stack_size(crate::pdf::STACK_SIZE)
                .spawn_scoped(scope, || build_one(path, &target, &settings, options, password.as_deref()))
                .map(|h| h.join().unwrap_or_else(|_| Outcome::Failed { message: "the build panicked".into() }))
                .unwrap_or_else(|e| Outcome::Failed { message: format!("cannot start a thread: {e}") })
        })
    };
    let jobs = options.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1);
    let progress = (many && !options.json && io.err_is_terminal).then(|| {
        let bar = indicatif::ProgressBar::new(intakes.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} intakes  {elapsed} (about {eta} left)")
                .expect("a valid template"),
        );
        bar
    });
    // N packets at once, each on a thread of its own (below). Typst spreads a packet's
    // layout over rayon's global pool: sized to N as well, with the large stack its
    // deep recursion needs (it may already exist when the library is used twice).
    let _ = rayon::ThreadPoolBuilder::new().num_threads(jobs).stack_size(crate::pdf::STACK_SIZE).build_global();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .stack_size(crate::pdf::STACK_SIZE)
        .build()
        .map_err(|e| CliError::Other(format!("cannot start {jobs} workers: {e}")))?;
    let outcomes: Vec<Outcome> = pool.install(|| {
        use rayon::prelude::*;
        (0..intakes.len())
            .into_par_iter()
            .map(|i| {
                let o = one(i);
                if let Some(p) = &progress {
                    p.inc(1);
                }
                o
            })
            .collect()
    });
    if let Some(p) = progress {
        p.finish_and_clear();
    }
    report_build(&intakes, &outcomes, many, options.json, io)
}

/// Reads, prepares and writes one intake's packet.
fn build_one(
    path: &Path,
    target: &Path,
    settings: &Settings<'_>,
    options: &BuildOptions<'_>,
    password: Option<&str>,
) -> Outcome {
    let failed = |message: String| Outcome::Failed { message };
    if target.exists() && !options.force {
        return failed(format!("{}: exists; use --force to replace it", target.display()));
    }
    let text = match read_intake(path) {
        Ok(t) => t,
        Err(d) => return Outcome::Refused { diagnostics: vec![d], source: None },
    };
    let base = path.parent().unwrap_or(Path::new("."));
    match crate::prepare(&text, base, settings) {
        Ok(prepared) => {
            let seconds = options.epoch.unwrap_or_else(|| prepared.loaded.intake.request.date.unix_seconds());
            let written = write_atomically(target, options.force, |file| {
                crate::write_encrypted(&prepared, file, seconds, password).map_err(|e| CliError::Other(e.to_string()))
            });
            match written {
                Ok(manifest) => {
                    let e = &prepared.evaluation;
                    let met = e.criteria.iter().filter(|c| c.status == Status::Met).count();
                    let line = format!(
                        "built {} ({} files; policy {}: {} of {} criteria met, overall {}{}{})",
                        target.display(),
                        manifest.files.len() + 1,
                        e.id,
                        met,
                        e.criteria.len(),
                        e.overall.label(),
                        if prepared.redacted { "; redacted" } else { "" },
                        if password.is_some() { "; encrypted" } else { "" },
                    );
                    let summary = json!({
                        "packet": target.display().to_string(),
                        "files": manifest.files.len() + 1,
                        "policy": e.id,
                        "overall": e.overall,
                        "criteria_met": met,
                        "criteria": e.criteria.len(),
                        "fax_pages": prepared.fax_pages,
                        "redacted": prepared.redacted,
                        "encrypted": password.is_some(),
                    });
                    Outcome::Built { warnings: prepared.warnings, summary, line, source: text }
                }
                Err(e) => failed(e.to_string()),
            }
        }
        Err(BuildError::Invalid(diagnostics)) => Outcome::Refused { diagnostics, source: Some(text) },
        Err(e) => failed(format!("{}: {e}", path.display())),
    }
}

/// Prints what became of each intake, in the order given, and the exit code:
/// 0 all built; 1 some intake refused as invalid; 2 some other failure.
fn report_build(
    intakes: &[Result<PathBuf, (PathBuf, Diagnostic)>],
    outcomes: &[Outcome],
    many: bool,
    json: bool,
    io: &mut Io<'_>,
) -> Result<ExitCode, CliError> {
    let shown = |i: usize| match &intakes[i] {
        Ok(p) | Err((p, _)) => p.display().to_string(),
    };
    let (mut built, mut refused, mut failed) = (0, 0, 0);
    let mut items = Vec::new();
    for (i, outcome) in outcomes.iter().enumerate() {
        let name = shown(i);
        match outcome {
            Outcome::Built { warnings, summary, line, source } => {
                built += 1;
                if json {
                    let mut s = summary.clone();
                    s["intake"] = json!(name);
                    s["status"] = json!("built");
                    s["diagnostics"] = json!(warnings);
                    items.push(s);
                } else {
                    print_diagnostics(io, &name, warnings, Some(source));
                    let _ = writeln!(io.err, "{line}");
                }
            }
            Outcome::Refused { diagnostics, source } => {
                refused += 1;
                if json {
                    items.push(json!({"intake": name, "status": "refused", "diagnostics": diagnostics}));
                } else {
                    print_diagnostics(io, &name, diagnostics, source.as_deref());
                    let _ = writeln!(io.err, "{name}: {}; no packet was written", diag::summary(diagnostics));
                }
            }
            Outcome::Failed { message } => {
                failed += 1;
                if json {
                    items.push(json!({"intake": name, "status": "failed", "message": message}));
                } else {
                    let _ = writeln!(io.err, "{}: {message}; no packet was written", style::error_label(io.color));
                }
            }
        }
    }
    if json {
        let doc = json!({"built": built, "refused": refused, "failed": failed, "intakes": items});
        let _ = writeln!(io.out, "{}", serde_json::to_string_pretty(&doc).expect("serializes"));
    } else if many {
        let _ = writeln!(io.err, "\n{built} built, {refused} refused, {failed} failed, of {} intakes", outcomes.len());
        for (i, outcome) in outcomes.iter().enumerate() {
            match outcome {
                Outcome::Refused { diagnostics, .. } => {
                    let first = diagnostics.iter().find(|d| d.is_error()).map(|d| {
                        if d.path.is_empty() { d.message.clone() } else { format!("{}: {}", d.path, d.message) }
                    });
                    let _ = writeln!(io.err, "  refused {}: {}", shown(i), first.unwrap_or_default());
                }
                Outcome::Failed { message } => {
                    let _ = writeln!(io.err, "  failed  {}: {message}", shown(i));
                }
                Outcome::Built { .. } => {}
            }
        }
    }
    Ok(match (refused, failed) {
        (_, f) if f > 0 => ExitCode::from(2),
        (r, _) if r > 0 => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    })
}

/// The packet password: AUTHPACK_PASSWORD, else asked on the terminal (twice
/// when `confirm`). Never from an argument, where other users could see it.
fn password(confirm: bool) -> Result<String, CliError> {
    if let Ok(p) = std::env::var("AUTHPACK_PASSWORD") {
        if p.chars().count() < 8 {
            return Err(CliError::Other("AUTHPACK_PASSWORD must be at least 8 characters".into()));
        }
        return Ok(p);
    }
    if !io::stdin().is_terminal() {
        return Err(CliError::Other(
            "a password is needed: set AUTHPACK_PASSWORD, or run on a terminal to be asked".into(),
        ));
    }
    let ask = |prompt: &str| rpassword::prompt_password(prompt).map_err(|e| CliError::Other(e.to_string()));
    let first = ask("packet password: ")?;
    if first.chars().count() < 8 {
        return Err(CliError::Other("the password must be at least 8 characters".into()));
    }
    if confirm && ask("again: ")? != first {
        return Err(CliError::Other("the passwords differ".into()));
    }
    Ok(first)
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
    remove_abandoned_temporaries(&dir, name);
    // Unique within the process too: a batch writes from several threads.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let serial = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let temp = dir.join(format!(".{name}.{}-{serial}.tmp", std::process::id()));
    let mut created = false;
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temp)
            .map_err(|e| file_error(&temp, e))?;
        created = true;
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
    if result.is_err() && created {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// Removes `.NAME.PID-N.tmp` files beside a target that a build killed
/// mid-write left: its process is gone (per `/proc`) and the file has not been
/// written for ten minutes. A running build's file is never touched; where
/// `/proc` cannot tell, nothing is removed.
fn remove_abandoned_temporaries(dir: &Path, name: &str) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let prefix = format!(".{name}.");
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let file = entry.file_name();
        let Some(id) = file.to_str().and_then(|f| f.strip_prefix(&prefix)).and_then(|r| r.strip_suffix(".tmp")) else {
            continue;
        };
        let Some(Ok(pid)) = id.split('-').next().map(str::parse::<u32>) else { continue };
        let gone = !Path::new("/proc").join(pid.to_string()).exists();
        let stale = entry
            .metadata()
            .ok()
            .filter(|m| m.is_file())
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > std::time::Duration::from_secs(600));
        if gone && stale {
            let _ = fs::remove_file(entry.path());
        }
    }
}

fn check(path: &Path, json: bool, policy_arg: Option<&str>, io: &mut Io<'_>) -> Result<ExitCode, CliError> {
    let shown = path.display().to_string();
    let text = match read_intake(path) {
        Ok(text) => text,
        Err(d) => {
            if json {
                let doc = json!({"valid": false, "diagnostics": [d], "policy": null});
                let _ = writeln!(io.out, "{}", serde_json::to_string_pretty(&doc).expect("serializes"));
            } else {
                print_diagnostics(io, &shown, std::slice::from_ref(&d), None);
                let _ = writeln!(io.err, "{shown}: 1 error, 0 warnings; the intake is invalid");
            }
            return Ok(ExitCode::from(1));
        }
    };
    let templates = Templates::load(None).map_err(|e| CliError::Other(e.to_string()))?;
    let policies = PolicySet::bundled();
    let chosen = resolve_policy(policy_arg, &policies)?;
    let typesetter = typesetter(None, None)?;
    let settings = Settings { policy: chosen.as_ref(), ..Settings::new(&templates, &policies, None) };
    let base = path.parent().unwrap_or(Path::new("."));
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
        print_diagnostics(io, &shown, &diagnostics, Some(&text));
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
    init_write(&starter(therapy, kind), output, force, io)
}

fn init_write(text: &str, output: Option<&Path>, force: bool, io: &mut Io<'_>) -> Result<ExitCode, CliError> {
    match output {
        None => {
            let _ = io.out.write_all(text.as_bytes());
        }
        Some(path) => {
            if path.exists() && !force {
                return Err(file_error(path, "exists; use --force to replace it"));
            }
            write_atomically(path, force, |f| f.write_all(text.as_bytes()).map_err(|e| file_error(path, e)))?;
            // The schema the starter's first line names, for editors; an existing one is kept.
            let schema = path.with_file_name("intake.schema.json");
            if !schema.exists() {
                fs::write(&schema, crate::intake::schema_json() + "\n").map_err(|e| file_error(&schema, e))?;
                let _ = writeln!(io.err, "wrote {} (for editors)", schema.display());
            }
            let _ =
                writeln!(io.err, "wrote {}; fill it in, then run: authpack check {}", path.display(), path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Asks for the essentials on the terminal and writes a starter with them filled in.
fn init_interactive(output: Option<&Path>, force: bool, io: &mut Io<'_>) -> Result<ExitCode, CliError> {
    let stdin = io::stdin();
    let mut lines = stdin.lock();
    let mut ask = |io: &mut Io<'_>, question: &str, allowed: &[&str], default: &str| -> Result<String, CliError> {
        loop {
            let choices = if allowed.is_empty() { String::new() } else { format!(" ({})", allowed.join(", ")) };
            let _ = write!(io.err, "{question}{choices} [{default}]: ");
            let _ = io.err.flush();
            let mut answer = String::new();
            let read = io::BufRead::read_line(&mut lines, &mut answer).map_err(|e| CliError::Other(e.to_string()))?;
            let answer = answer.trim();
            if read == 0 || answer.is_empty() {
                return Ok(default.to_string());
            }
            if allowed.is_empty() || allowed.contains(&answer) {
                return Ok(answer.to_string());
            }
            let _ = writeln!(io.err, "  please answer one of: {}", allowed.join(", "));
        }
    };
    let therapy = ask(io, "therapy", &["esketamine-nasal", "ketamine-iv", "ketamine-im"], "esketamine-nasal")?;
    let kind = ask(io, "kind of request", &["initial", "continuation", "appeal"], "initial")?;
    let mut text = starter(&therapy, &kind);
    // Each answer replaces the starter's value on the first line with that key, quoted as YAML.
    for (key, question) in [
        ("first_name", "patient's first name"),
        ("last_name", "patient's last name"),
        ("date_of_birth", "patient's date of birth (YYYY-MM-DD)"),
        ("member_id", "member ID"),
    ] {
        let current = starter_value(&text, key).unwrap_or_default();
        let answer = ask(io, question, &[], &current)?;
        text = replace_value(&text, key, &answer);
    }
    let path = match output {
        Some(p) => p.to_path_buf(),
        None => PathBuf::from(ask(io, "write to", &[], "intake.yaml")?),
    };
    init_write(&text, Some(&path), force, io)
}

/// The value of the first `key:` line of a starter (its comment removed).
fn starter_value(text: &str, key: &str) -> Option<String> {
    let line = text.lines().find(|l| l.trim_start().starts_with(&format!("{key}:")))?;
    let value = line.split_once(':')?.1;
    let value = value.split(" #").next().unwrap_or(value).trim().trim_matches('"');
    Some(value.to_string())
}

/// The starter with the first `key:` line's value replaced by `value`, as a quoted YAML string.
fn replace_value(text: &str, key: &str, value: &str) -> String {
    let quoted = serde_json::to_string(value).expect("a string serializes");
    let mut done = false;
    let mut out = String::with_capacity(text.len() + value.len());
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if !done && trimmed.starts_with(&format!("{key}:")) {
            let indent = &line[..line.len() - trimmed.len()];
            let comment = trimmed.find(" #").map(|i| trimmed[i..].trim_end().to_string()).unwrap_or_default();
            out.push_str(&format!(
                "{indent}{key}: {quoted}{}{}\n",
                if comment.is_empty() { "" } else { "   " },
                comment.trim_start()
            ));
            done = true;
        } else {
            out.push_str(line);
        }
    }
    out
}

fn man(output: Option<&Path>, io: &mut Io<'_>) -> Result<ExitCode, CliError> {
    let command = Cli::command();
    let Some(dir) = output else {
        let mut page = Vec::new();
        clap_mangen::Man::new(command).render(&mut page).map_err(|e| CliError::Other(e.to_string()))?;
        let _ = io.out.write_all(&page);
        return Ok(ExitCode::SUCCESS);
    };
    fs::create_dir_all(dir).map_err(|e| file_error(dir, e))?;
    let mut pages = vec![("authpack.1".to_string(), command.clone())];
    for sub in command.get_subcommands() {
        let name = format!("authpack-{}", sub.get_name());
        pages.push((format!("{name}.1"), sub.clone().bin_name(name)));
    }
    for (file, page) in pages {
        let path = dir.join(&file);
        let mut bytes = Vec::new();
        clap_mangen::Man::new(page).render(&mut bytes).map_err(|e| CliError::Other(e.to_string()))?;
        fs::write(&path, bytes).map_err(|e| file_error(&path, e))?;
    }
    let _ =
        writeln!(io.err, "wrote manual pages to {}; view one with: man {}/authpack.1", dir.display(), dir.display());
    Ok(ExitCode::SUCCESS)
}

fn verify(path: &Path, json: bool, io: &mut Io<'_>) -> Result<ExitCode, CliError> {
    let open = || File::open(path).map(io::BufReader::new).map_err(|e| file_error(path, e));
    let result = match crate::package::verify_packet(open()?, None) {
        Err(crate::package::VerifyError::Encrypted) => {
            crate::package::verify_packet(open()?, Some(&password(false)?)).map_err(|e| file_error(path, e))?
        }
        other => other.map_err(|e| file_error(path, e))?,
    };
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

fn policies(action: PoliciesAction, json: bool, io: &mut Io<'_>) -> Result<ExitCode, CliError> {
    let set = PolicySet::bundled();
    if json {
        let value = match &action {
            PoliciesAction::List => serde_json::to_value(set.profiles.values().collect::<Vec<_>>()),
            PoliciesAction::Show { id } => match set.profiles.get(id) {
                Some(p) => serde_json::to_value(p),
                None => return Err(CliError::Other(format!("unknown policy '{id}'"))),
            },
        }
        .expect("profiles serialize");
        let _ = writeln!(io.out, "{}", serde_json::to_string_pretty(&value).expect("serializes"));
        return Ok(ExitCode::SUCCESS);
    }
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

    #[test]
    fn interactive_answers_replace_the_starter_values_as_quoted_yaml() {
        let text = starter("ketamine-iv", "initial");
        let text = replace_value(&text, "first_name", "Ana \"Q\" #1");
        let text = replace_value(&text, "member_id", "XK-12345");
        assert_eq!(starter_value(&text, "member_id").as_deref(), Some("XK-12345"));
        let loaded = crate::intake::load_intake(&text).unwrap();
        assert_eq!(loaded.intake.patient.first_name, "Ana \"Q\" #1");
        assert_eq!(loaded.intake.patient.member_id, "XK-12345");
    }

    /// A file that fails every write after `budget` bytes, as a full disk or a pulled drive would.
    struct Failing<'a> {
        file: &'a mut File,
        budget: usize,
    }

    impl Write for Failing<'_> {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if buf.len() > self.budget {
                return Err(io::Error::other("injected write failure"));
            }
            self.budget -= buf.len();
            self.file.write(buf)
        }

        fn flush(&mut self) -> io::Result<()> {
            self.file.flush()
        }
    }

    impl io::Seek for Failing<'_> {
        fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
            self.file.seek(pos)
        }
    }

    #[test]
    fn a_write_failure_at_any_byte_leaves_the_previous_packet_and_no_temporary_file() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/esketamine-trd-initial");
        let text = fs::read_to_string(root.join("intake.yaml")).unwrap();
        let templates = Templates::load(None).unwrap();
        let policies = PolicySet::bundled();
        let settings = Settings::new(&templates, &policies, None);
        let prepared = crate::prepare(&text, &root, &settings).unwrap();
        let mut complete = io::Cursor::new(Vec::new());
        crate::write(&prepared, &mut complete, 0).unwrap();
        let complete = complete.into_inner();

        let dir = std::env::temp_dir().join(format!("authpack-crash-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let target = dir.join("packet.zip");
        let mut points = 0;
        // A failure after every 512 bytes of the packet, and at its last byte.
        let cuts: Vec<usize> = (0..complete.len()).step_by(512).chain([complete.len() - 1]).collect();
        for (i, &budget) in cuts.iter().enumerate() {
            let force = i % 2 == 0;
            let previous = if force { Some(b"the previous packet".to_vec()) } else { None };
            let _ = fs::remove_file(&target);
            if let Some(p) = &previous {
                fs::write(&target, p).unwrap();
            }
            let result = write_atomically(&target, force, |file| {
                crate::write(&prepared, Failing { file, budget }, 0).map_err(|e| CliError::Other(e.to_string()))
            });
            assert!(result.is_err(), "cut at {budget} must fail");
            match &previous {
                Some(p) => assert_eq!(&fs::read(&target).unwrap(), p, "cut at {budget}: the previous packet stays"),
                None => assert!(!target.exists(), "cut at {budget}: nothing is written"),
            }
            let left: Vec<_> = fs::read_dir(&dir).unwrap().filter_map(|e| e.ok()).map(|e| e.file_name()).collect();
            assert!(left.len() <= 1, "cut at {budget}: temporary files left: {left:?}");
            points += 1;
        }
        // With no failure, the complete packet replaces the previous one.
        fs::write(&target, b"the previous packet").unwrap();
        write_atomically(&target, true, |file| {
            crate::write(&prepared, file, 0).map_err(|e| CliError::Other(e.to_string()))
        })
        .unwrap();
        assert_eq!(fs::read(&target).unwrap(), complete);
        fs::remove_dir_all(&dir).unwrap();
        assert!(points > 20, "{points} failure points");
    }

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
