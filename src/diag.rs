//! Diagnostics: every problem found in an intake, with where it is and what would fix it.

use std::fmt;

use serde::Serialize;

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// The packet cannot be built until this is fixed.
    Error,
    /// The packet is built; the problem is listed on the checklist.
    Warning,
}

/// A line and column in the intake file, both counted from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Pos {
    /// Line number.
    pub line: u32,
    /// Column number.
    pub column: u32,
}

/// One problem in an intake.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The YAML path, for example `treatment_history.antidepressants[2].max_dose_mg`.
    pub path: String,
    /// Where in the file, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// Column in the file, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    /// What is wrong, in lower case, naming the bad value where that helps.
    pub message: String,
    /// What would fix it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hints: Vec<String>,
}

impl Diagnostic {
    /// An error at `path`.
    pub fn error(path: impl Into<String>, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Error, path, message)
    }

    /// A warning at `path`.
    pub fn warning(path: impl Into<String>, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Warning, path, message)
    }

    fn new(severity: Severity, path: impl Into<String>, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity, path: path.into(), line: None, column: None, message: message.into(), hints: Vec::new() }
    }

    /// Adds a hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hints.push(hint.into());
        self
    }

    /// Sets the position, when one is known.
    pub fn at(mut self, pos: Option<Pos>) -> Diagnostic {
        if let Some(pos) = pos {
            self.line = Some(pos.line);
            self.column = Some(pos.column);
        }
        self
    }

    /// Whether this diagnostic stops the build.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Renders the diagnostic for a terminal, naming `file` where it has a position.
    pub fn display<'a>(&'a self, file: &'a str) -> impl fmt::Display + 'a {
        DisplayDiagnostic { diag: self, file }
    }
}

struct DisplayDiagnostic<'a> {
    diag: &'a Diagnostic,
    file: &'a str,
}

impl fmt::Display for DisplayDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.diag;
        let label = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        if d.path.is_empty() {
            write!(f, "{label}: {}", d.message)?;
        } else {
            write!(f, "{label}: {}: {}", d.path, d.message)?;
        }
        match (d.line, d.column) {
            (Some(line), Some(column)) => write!(f, "\n  --> {}:{line}:{column}", self.file)?,
            _ => write!(f, "\n  --> {}", self.file)?,
        }
        for hint in &d.hints {
            write!(f, "\n  = hint: {hint}")?;
        }
        Ok(())
    }
}

/// Orders diagnostics as a reader expects: by position in the file, errors before warnings.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        let key = |d: &Diagnostic| (d.line.unwrap_or(u32::MAX), d.column.unwrap_or(0), d.severity);
        key(a).cmp(&key(b)).then_with(|| a.path.cmp(&b.path))
    });
}

/// Counts errors and warnings as a phrase: "2 errors, 1 warning".
pub fn summary(diagnostics: &[Diagnostic]) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!("{}, {}", plural(errors, "error"), plural(warnings, "warning"))
}

/// The closest of `candidates` to `word`, when one is close enough to be a likely typo.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&word, &c.to_ascii_lowercase()), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}
