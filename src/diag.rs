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
    /// What would fix it (possibly none).
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
        DisplayDiagnostic { diag: self, file, source: None, color: false }
    }

    /// Renders the diagnostic with the intake's line and a marker under the spot,
    /// in colour when asked. Only a window of the line is shown, so a long value
    /// is not printed whole.
    pub fn render<'a>(&'a self, file: &'a str, source: Option<&'a str>, color: bool) -> impl fmt::Display + 'a {
        DisplayDiagnostic { diag: self, file, source, color }
    }
}

/// ANSI styles for a terminal.
pub mod style {
    /// `text` in bold with an SGR colour code, or plain.
    pub fn paint(text: &str, code: &str, color: bool) -> String {
        if color { format!("\x1b[1;{code}m{text}\x1b[0m") } else { text.to_string() }
    }

    /// The label `error`, red on a terminal.
    pub fn error_label(color: bool) -> String {
        paint("error", "31", color)
    }
}

/// The most of a source line shown: enough to find the spot, not a whole note.
const WINDOW: usize = 72;

struct DisplayDiagnostic<'a> {
    diag: &'a Diagnostic,
    file: &'a str,
    source: Option<&'a str>,
    color: bool,
}

impl fmt::Display for DisplayDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.diag;
        let paint = |text: &str, code: &str| style::paint(text, code, self.color);
        let label = match d.severity {
            Severity::Error => paint("error", "31"),
            Severity::Warning => paint("warning", "33"),
        };
        // Every part that can carry the user's text is escaped: a diagnostic cannot forge a line.
        let message = shown(&d.message);
        if d.path.is_empty() {
            write!(f, "{label}: {message}")?;
        } else {
            write!(f, "{label}: {}: {message}", paint(&shown(&d.path), "39"))?;
        }
        let arrow = paint("-->", "34");
        let file = shown(self.file);
        match (d.line, d.column) {
            (Some(line), Some(column)) => write!(f, "\n  {arrow} {file}:{line}:{column}")?,
            _ => write!(f, "\n  {arrow} {file}")?,
        }
        if let (Some(source), Some(line), Some(column)) = (self.source, d.line, d.column)
            && let Some(text) = source.lines().nth(line as usize - 1)
        {
            let chars: Vec<char> = text.chars().map(|c| if c == '\t' { ' ' } else { c }).collect();
            let at = (column as usize).saturating_sub(1).min(chars.len());
            // A window around the column, marked with ... where it is cut.
            let start = at.saturating_sub(WINDOW / 3).min(chars.len().saturating_sub(WINDOW));
            let end = (start + WINDOW).min(chars.len());
            // A character that would move the cursor or reorder the line shows as U+FFFD, one column
            // wide, so the marker below still points at the value.
            let mut shown: String = chars[start..end]
                .iter()
                .map(|&c| if crate::yaml::forbidden_char(c) { '\u{fffd}' } else { c })
                .collect();
            let mut offset = at - start;
            if start > 0 {
                shown.insert_str(0, "...");
                offset += 3;
            }
            if end < chars.len() {
                shown.push_str("...");
            }
            let number = line.to_string();
            let gutter = " ".repeat(number.len());
            let bar = paint("|", "34");
            let marker = paint("^", if d.is_error() { "31" } else { "33" });
            write!(f, "\n {gutter} {bar}\n {} {bar} {}", paint(&number, "34"), shown.trim_end())?;
            write!(f, "\n {gutter} {bar} {}{marker}", " ".repeat(offset))?;
        }
        for hint in &d.hints {
            write!(f, "\n  {} {}", paint("= hint:", "36"), shown(hint))?;
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

/// Text made safe for a terminal: control, bidirectional and zero-width
/// characters are shown as escapes (`\u{1b}`), so nothing printed can move the
/// cursor, erase or forge a line, or reorder what a reader sees.
pub fn shown(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| c == '\n' || c == '\t' || crate::yaml::forbidden_char(c);
    if !text.chars().any(unsafe_char) {
        return text.into();
    }
    text.chars()
        .map(|c| if unsafe_char(c) { format!("\\u{{{:x}}}", c as u32) } else { c.to_string() })
        .collect::<String>()
        .into()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_offending_line_is_shown_with_a_marker_under_the_column() {
        let source = "request:\n  kind: initail\n";
        let d = Diagnostic::error("request.kind", "unknown value").at(Some(Pos { line: 2, column: 9 }));
        let plain = d.render("intake.yaml", Some(source), false).to_string();
        assert_eq!(
            plain,
            "error: request.kind: unknown value\n  --> intake.yaml:2:9\n   |\n 2 |   kind: initail\n   |         ^"
        );
        let colored = d.render("intake.yaml", Some(source), true).to_string();
        assert!(colored.contains("\x1b[1;31merror\x1b[0m") && colored.contains("\x1b[1;31m^\x1b[0m"));
    }

    #[test]
    fn a_long_line_is_cut_to_a_window_around_the_spot() {
        let value = "x".repeat(5000);
        let source = format!("notes: {value}SECRET-TAIL\n");
        let d = Diagnostic::error("notes", "too long").at(Some(Pos { line: 1, column: 2000 }));
        let shown = d.render("i.yaml", Some(&source), false).to_string();
        assert!(shown.len() < 400, "{}", shown.len());
        assert!(!shown.contains("SECRET-TAIL"));
        let lines: Vec<&str> = shown.lines().collect();
        let caret = lines[4].find('^').unwrap();
        assert_eq!(lines[3].chars().nth(caret), Some('x'));
    }

    #[test]
    fn nothing_the_user_wrote_reaches_the_terminal_raw() {
        // An escape in the path, a forged line in the message and hint, a reordering mark in the source.
        let source = "name: \u{202e}nhoJ\u{1b}[2K\n";
        let d = Diagnostic::error("name\u{1b}[2K", "bad\r\nerror: forged")
            .at(Some(Pos { line: 1, column: 7 }))
            .hint("fix\ninfo: intact");
        let shown = d.render("in\u{7}.yaml", Some(source), false).to_string();
        assert!(!shown.chars().any(|c| c == '\r' || crate::yaml::forbidden_char(c)), "{shown:?}");
        assert_eq!(shown.lines().count(), 6, "{shown}");
        assert!(shown.starts_with("error: name\\u{1b}[2K: bad\\u{d}\\u{a}error: forged\n"), "{shown}");
        assert!(shown.contains(" 1 | name: \u{fffd}nhoJ\u{fffd}[2K\n   |       ^"), "{shown}");
        assert!(shown.ends_with("= hint: fix\\u{a}info: intact"), "{shown}");
    }
}
