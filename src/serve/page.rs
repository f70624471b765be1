//! The interview's HTML: the questions of one path, each with its help and the
//! problems `check` finds in it, and the live reading beside them (criteria,
//! deadlines, other problems, document previews). Server-rendered; the script
//! only refreshes the problems and the reading as the user types.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::diag::{Diagnostic, Severity};
use crate::intake::tree::Node;
use crate::policy::Status;
use crate::render::Document;

use super::form::{self, Field, Kind, Step};
use super::session::{Live, PACKET, Session};

/// Who the interview is for: the patient's questions, or every field.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Path {
    /// What a patient knows: plan, denial, medicines tried, their doctor.
    Patient,
    /// Every field of the intake.
    Clinic,
}

impl Path {
    /// From the query's `path`.
    pub fn from_query(q: Option<&str>) -> Path {
        if q == Some("clinic") { Path::Clinic } else { Path::Patient }
    }

    fn name(self) -> &'static str {
        match self {
            Path::Patient => "patient",
            Path::Clinic => "clinic",
        }
    }

    /// Whether the path asks a field (by its path without row indices).
    fn asks(self, at: &str) -> bool {
        match self {
            Path::Clinic => true,
            Path::Patient => PATIENT_FIELDS
                .iter()
                .any(|p| at == *p || at.starts_with(&format!("{p}.")) || p.starts_with(&format!("{at}."))),
        }
    }
}

/// The fields a patient is asked, by path (a block's or a field's).
const PATIENT_FIELDS: &[&str] = &[
    "request.kind",
    "request.therapy",
    "request.indication",
    "request.date",
    "request.regimen",
    "patient",
    "payer.name",
    "payer.plan_name",
    "payer.plan_type",
    "payer.funding",
    "prescriber.first_name",
    "prescriber.last_name",
    "prescriber.credentials",
    "prescriber.specialty",
    "prescriber.npi",
    "prescriber.practice.name",
    "prescriber.practice.phone",
    "prescriber.practice.fax",
    "prescriber.practice.address",
    "diagnoses",
    "current_episode",
    "treatment_history.antidepressants",
    "treatment_history.augmentations",
    "treatment_history.neuromodulation",
    "treatment_history.esketamine",
    "assessments",
    "safety",
    "appeal",
    "attachments",
];

/// Text fields that take sentences, not a word: asked in a box of several lines.
const LONG: &[&str] =
    &["clinical_summary", "reason", "notes", "impairment", "denial_reason", "urgency_reason", "adverse_events"];

/// Escapes text for HTML content and attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A path as an element id: `f-treatment_history-antidepressants-0-drug`.
pub fn id(path: &str) -> String {
    path.chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '-' })
        .collect::<String>()
        .replace("--", "-")
}

/// The whole page.
pub struct Page<'a> {
    pub session: &'a Session,
    pub live: &'a Live,
    pub documents: &'a [Document],
    pub path: Path,
    pub csrf: &'a str,
    /// A line to say at the top (saved, a record added, ...).
    pub notice: Option<String>,
}

impl Page<'_> {
    pub fn html(&self) -> String {
        let problems = self.live.by_path();
        let mut shown = Vec::new();
        let mut body = String::new();
        for block in form::blocks() {
            if !self.path.asks(&block.key) || block.key == "authpack" {
                continue;
            }
            let mut inner = String::new();
            self.fields(&mut inner, block, &block.key, &problems, &mut shown, 2);
            if inner.is_empty() {
                continue;
            }
            let above =
                if matches!(block.kind, Kind::Rows(_)) { String::new() } else { messages(&problems, &block.key) };
            shown.push(block.key.clone());
            let _ = write!(
                body,
                "<section id=\"s-{}\" aria-labelledby=\"h-{0}\"><h2 id=\"h-{0}\">{}</h2><p class=\"help\">{}</p>{above}{inner}</section>",
                id(&block.key),
                esc(&block.label()),
                esc(&block.help)
            );
        }
        let exception = self.exception();
        let nav: String = form::blocks()
            .iter()
            .filter(|b| self.path.asks(&b.key) && b.key != "authpack")
            .map(|b| format!("<li><a href=\"#s-{}\">{}</a></li>", id(&b.key), esc(&b.label())))
            .collect();
        let other = path_switch(self.path);
        let notice = self
            .notice
            .as_deref()
            .map(|n| format!("<p class=\"notice\" role=\"status\">{}</p>", esc(n)))
            .unwrap_or_default();
        format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>authpack interview</title><link rel=\"stylesheet\" href=\"/static/app.css\"><script src=\"/static/app.js\" defer></script></head><body>\
             <header><h1>authpack: the {} interview</h1><p>{other}</p>{notice}</header>\
             <nav aria-label=\"Sections\"><ol>{nav}</ol></nav>\
             <div class=\"layout\"><form id=\"interview\" method=\"post\" action=\"/interview?path={}\" enctype=\"application/x-www-form-urlencoded\" novalidate>\
             <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <button type=\"submit\" name=\"op\" value=\"check\" class=\"default\" tabindex=\"-1\" aria-hidden=\"true\">Check</button>\
             {}{exception}{body}{}\
             <div class=\"actions\"><button type=\"submit\" name=\"op\" value=\"check\">Check my answers</button>\
             <button type=\"submit\" name=\"op\" value=\"save\">Save the intake</button>\
             <button type=\"submit\" name=\"op\" value=\"build\">Save and build the packet</button>\
             <button type=\"submit\" name=\"op\" value=\"build-fhir\">Save and build, with the FHIR PAS request</button></div></form>\
             <aside id=\"reading\" aria-label=\"The reading\">{}</aside></div>{}</body></html>",
            self.path.name(),
            self.path.name(),
            esc(self.csrf),
            self.built(),
            datalists(),
            panel(self.live, self.documents, &shown),
            self.upload(),
        )
    }

    /// The questions of one field, recursively; `shown` collects every path asked.
    fn fields(
        &self,
        out: &mut String,
        field: &Field,
        at: &str,
        problems: &Problems<'_>,
        shown: &mut Vec<String>,
        depth: usize,
    ) {
        let bare = bare(at);
        if !self.path.asks(&bare) || bare == "request.exception" {
            return;
        }
        let value = form::steps(at).and_then(|s| form::get(&self.session.doc, &s).cloned());
        match &field.kind {
            Kind::Group(inner) => {
                let mut html = String::new();
                for f in inner {
                    self.fields(&mut html, f, &form::join(at, &f.key), problems, shown, depth + 1);
                }
                if html.is_empty() {
                    return;
                }
                if depth == 2 {
                    out.push_str(&html);
                } else {
                    shown.push(at.to_string());
                    let _ = write!(
                        out,
                        "<fieldset><legend>{}</legend><p class=\"help\">{}</p>{}{html}</fieldset>",
                        esc(&field.label()),
                        esc(&field.help),
                        messages(problems, at)
                    );
                }
            }
            Kind::Rows(inner) => {
                let rows = match &value {
                    Some(Node::Seq(items)) => items.len(),
                    _ => 0,
                };
                let noun = row_noun(&field.key);
                shown.push(at.to_string());
                let mut html = String::new();
                for i in 0..rows {
                    let row = format!("{at}[{i}]");
                    shown.push(row.clone());
                    let mut fields = String::new();
                    for f in inner {
                        self.fields(&mut fields, f, &form::join(&row, &f.key), problems, shown, depth + 1);
                    }
                    let _ = write!(
                        html,
                        "<fieldset class=\"row\" id=\"{}\"><legend>{} {}</legend>{}{fields}\
                         <button type=\"submit\" name=\"op\" value=\"remove:{}\" formnovalidate>Remove {} {}</button></fieldset>",
                        id(&row),
                        esc(&capital(noun)),
                        i + 1,
                        messages(problems, &row),
                        esc(&row),
                        esc(noun),
                        i + 1
                    );
                }
                let wrap = depth != 2;
                if wrap {
                    let _ = write!(
                        out,
                        "<fieldset><legend>{}</legend><p class=\"help\">{}</p>",
                        esc(&field.label()),
                        esc(&field.help)
                    );
                }
                let _ = write!(
                    out,
                    "{}{html}<button type=\"submit\" name=\"op\" value=\"add:{}\" id=\"add-{}\">Add {}</button>",
                    messages(problems, at),
                    esc(at),
                    id(at),
                    esc(&crate::words::a(noun))
                );
                if wrap {
                    out.push_str("</fieldset>");
                }
            }
            kind => {
                shown.push(at.to_string());
                let text = form::shown(kind, value.as_ref());
                let fid = format!("f-{}", id(at));
                let hid = format!("h-{}", id(at));
                let pid = format!("p-{}", id(at));
                let required = if field.required { " <span class=\"required\">(required)</span>" } else { "" };
                let invalid = problems.get(at).is_some_and(|d| d.iter().any(|d| d.is_error()));
                let aria =
                    format!("aria-describedby=\"{hid} {pid}\"{}", if invalid { " aria-invalid=\"true\"" } else { "" });
                let _ = write!(
                    out,
                    "<div class=\"field\"><input type=\"hidden\" name=\"seen\" value=\"{}\"><label for=\"{fid}\">{}{required}</label>",
                    esc(at),
                    esc(&field.label())
                );
                let name = esc(at);
                match kind {
                    Kind::Choice(choices) => {
                        let _ = write!(
                            out,
                            "<select id=\"{fid}\" name=\"{name}\" {aria}><option value=\"\">(not given)</option>"
                        );
                        for (v, meaning) in choices {
                            let label = if meaning.is_empty() { v.clone() } else { format!("{v}: {meaning}") };
                            let selected = if *v == text { " selected" } else { "" };
                            let _ = write!(out, "<option value=\"{}\"{selected}>{}</option>", esc(v), esc(&label));
                        }
                        if !text.is_empty() && !choices.iter().any(|(v, _)| *v == text) {
                            let _ = write!(out, "<option value=\"{}\" selected>{}</option>", esc(&text), esc(&text));
                        }
                        out.push_str("</select>");
                    }
                    Kind::Bool => {
                        let _ = write!(out, "<select id=\"{fid}\" name=\"{name}\" {aria}>");
                        for (v, label) in [("", "(not given)"), ("true", "Yes"), ("false", "No")] {
                            let selected = if v == text { " selected" } else { "" };
                            let _ = write!(out, "<option value=\"{v}\"{selected}>{label}</option>");
                        }
                        if !matches!(text.as_str(), "" | "true" | "false") {
                            let _ = write!(out, "<option value=\"{}\" selected>{}</option>", esc(&text), esc(&text));
                        }
                        out.push_str("</select>");
                    }
                    Kind::Text if text.contains('\n') || LONG.contains(&field.key.as_str()) => {
                        let _ = write!(
                            out,
                            "<textarea id=\"{fid}\" name=\"{name}\" rows=\"5\" {aria}>\n{}</textarea>",
                            esc(&text)
                        );
                    }
                    Kind::Lines | Kind::Yaml => {
                        let _ = write!(
                            out,
                            "<textarea id=\"{fid}\" name=\"{name}\" rows=\"3\" {aria}>{}</textarea>",
                            esc(&text)
                        );
                    }
                    _ => {
                        let (mode, hint) = match kind {
                            Kind::Date => {
                                (" inputmode=\"numeric\" placeholder=\"YYYY-MM-DD\" autocomplete=\"off\"", "")
                            }
                            Kind::Number => (" inputmode=\"decimal\"", ""),
                            _ => ("", ""),
                        };
                        let list = match field.key.as_str() {
                            "drug" | "agent" => " list=\"drugs\"",
                            "code" if bare.starts_with("diagnoses") => " list=\"icd\"",
                            _ => "",
                        };
                        let _ = write!(
                            out,
                            "<input type=\"text\" id=\"{fid}\" name=\"{name}\" value=\"{}\"{mode}{list} {aria}>{hint}",
                            esc(&text)
                        );
                    }
                }
                let _ = write!(
                    out,
                    "<p class=\"help\" id=\"{hid}\">{}</p><p class=\"problem\" id=\"{pid}\">{}</p></div>",
                    esc(&field.help),
                    problem_text(problems.get(at))
                );
            }
        }
    }

    /// The honesty gate as a choice: for criteria not met or missing, ask for an exception (or add what is missing).
    fn exception(&self) -> String {
        let Some(e) = &self.live.evaluation else { return String::new() };
        // Only a criterion not met can be excepted: a missing one is answered in the intake.
        let open: Vec<_> = e.criteria.iter().filter(|c| c.status == Status::NotMet).collect();
        let chosen: Vec<String> =
            match form::steps("request.exception.criteria").and_then(|s| form::get(&self.session.doc, &s).cloned()) {
                Some(Node::Seq(items)) => items.iter().map(|n| form::shown(&Kind::Text, Some(n))).collect(),
                _ => Vec::new(),
            };
        if open.is_empty() && chosen.is_empty() {
            return String::new();
        }
        let reason = form::steps("request.exception.reason").and_then(|s| form::get(&self.session.doc, &s).cloned());
        let mut html = String::from(
            "<section id=\"s-exception\" aria-labelledby=\"h-exception\"><h2 id=\"h-exception\">Criteria not met: your choice</h2>\
             <p>The plan's policy has criteria this request does not show as met. authpack will not send the request as if it met them. \
             For each one, either add what is missing (the reading beside says what would satisfy it), or ask the plan for an exception \
             (individual consideration) and say why the standard does not fit this patient.</p>\
             <input type=\"hidden\" name=\"seen\" value=\"request.exception.criteria\"><input type=\"hidden\" name=\"seen\" value=\"request.exception.reason\">\
             <fieldset><legend>Ask for an exception for</legend>",
        );
        html.push_str(&messages(&self.live.by_path(), "request.exception"));
        for c in &open {
            let checked = if chosen.contains(&c.id) { " checked" } else { "" };
            let _ = write!(
                html,
                "<div class=\"check\"><input type=\"checkbox\" id=\"x-{}\" name=\"request.exception.criteria\" value=\"{}\"{checked}>\
                 <label for=\"x-{0}\">{} ({}): {}</label></div>",
                id(&c.id),
                esc(&c.id),
                esc(&c.text),
                status_words(c.status),
                esc(c.hint.as_deref().unwrap_or(""))
            );
        }
        for id_ in chosen.iter().filter(|c| !open.iter().any(|o| &&o.id == c)) {
            let _ = write!(
                html,
                "<div class=\"check\"><input type=\"checkbox\" id=\"x-{}\" name=\"request.exception.criteria\" value=\"{}\" checked><label for=\"x-{0}\">{}</label></div>",
                id(id_),
                esc(id_),
                esc(id_)
            );
        }
        let problems = self.live.by_path();
        let _ = write!(
            html,
            "</fieldset><div class=\"field\"><label for=\"f-request-exception-reason\">Why the standard does not fit this patient</label>\
             <textarea id=\"f-request-exception-reason\" name=\"request.exception.reason\" rows=\"4\" aria-describedby=\"p-request-exception-reason\">{}</textarea>\
             <p class=\"problem\" id=\"p-request-exception-reason\">{}</p><p class=\"problem\" id=\"p-request-exception-criteria\">{}</p></div></section>",
            esc(&form::shown(&Kind::Text, reason.as_ref())),
            problem_text(problems.get("request.exception.reason")),
            problem_text(problems.get("request.exception.criteria")),
        );
        html
    }

    fn built(&self) -> String {
        match &self.session.built {
            None => String::new(),
            Some(Ok(b)) => format!(
                "<p class=\"notice\" role=\"status\" id=\"built\">Built {PACKET} in the folder: {} files{}. \
                 <a href=\"/download/{PACKET}\" download>Download the packet</a></p>",
                b.files,
                b.fax_pages.map(|p| format!(", a fax of {p} pages")).unwrap_or_default()
            ),
            Some(Err(e)) => format!("<p class=\"problem\" role=\"alert\" id=\"built\">Not built: {}</p>", esc(e)),
        }
    }

    fn upload(&self) -> String {
        format!(
            "<form id=\"upload\" method=\"post\" action=\"/upload?path={}\" enctype=\"multipart/form-data\">\
             <h2>Add a record</h2><p class=\"help\">A PDF, PNG or JPEG of at most 20 MB (the denial letter, a progress note, pharmacy records). \
             It is copied into the folder's records and enclosed with the packet.</p>\
             <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <div class=\"field\"><label for=\"record-title\">What it is</label><input type=\"text\" id=\"record-title\" name=\"title\"></div>\
             <div class=\"field\"><label for=\"record-file\">File</label><input type=\"file\" id=\"record-file\" name=\"file\" accept=\".pdf,.png,.jpg,.jpeg\"></div>\
             <button type=\"submit\">Add the record</button></form>",
            self.path.name(),
            esc(self.csrf)
        )
    }
}

type Problems<'a> = BTreeMap<&'a str, Vec<&'a Diagnostic>>;

/// A path without its row indices: `treatment_history.antidepressants.drug`.
fn bare(at: &str) -> String {
    form::steps(at)
        .map(|s| {
            s.iter()
                .filter_map(|s| if let Step::Key(k) = s { Some(k.as_str()) } else { None })
                .collect::<Vec<_>>()
                .join(".")
        })
        .unwrap_or_default()
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// What one row of a list is called.
fn row_noun(key: &str) -> &'static str {
    match key {
        "antidepressants" => "antidepressant trial",
        "augmentations" => "augmentation trial",
        "neuromodulation" => "TMS or ECT course",
        "assessments" => "rating-scale score",
        "diagnoses" => "diagnosis",
        "sessions" => "session",
        "calls" => "call",
        "attachments" => "record",
        "services" => "service line",
        "hospitalizations" => "hospitalization",
        "current_medications" => "current medicine",
        "psychotherapy" => "psychotherapy course",
        _ => "entry",
    }
}

fn status_words(s: Status) -> &'static str {
    match s {
        Status::Met => "met",
        Status::NotMet => "not met",
        Status::Missing => "missing",
    }
}

/// A problem as the command line words it: `error: …` with its hints.
pub fn problem_line(d: &Diagnostic) -> String {
    let label = match d.severity {
        Severity::Error => "Error",
        _ => "Warning",
    };
    let hints: String = d.hints.iter().map(|h| format!(" (hint: {h})")).collect();
    format!("{label}: {}{hints}", d.message)
}

fn problem_text(list: Option<&Vec<&Diagnostic>>) -> String {
    list.map(|l| l.iter().map(|d| esc(&problem_line(d))).collect::<Vec<_>>().join("<br>")).unwrap_or_default()
}

/// A group's problems, with the mark that tells the live reading they are shown here.
fn messages(problems: &Problems<'_>, at: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"shown\" value=\"{}\"><p class=\"problem\" id=\"p-{}\">{}</p>",
        esc(at),
        id(at),
        problem_text(problems.get(at))
    )
}

fn path_switch(path: Path) -> String {
    match path {
        Path::Patient => "You are on the patient's path: the questions a patient can answer. \
                          <a href=\"/interview?path=clinic\">Switch to the clinic's path (every field)</a>."
            .into(),
        Path::Clinic => "You are on the clinic's path: every field of the intake. \
                         <a href=\"/interview?path=patient\">Switch to the patient's path</a>."
            .into(),
    }
}

fn datalists() -> String {
    static LISTS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    LISTS
        .get_or_init(|| {
            let catalogue = crate::reference::drugs();
            let mut drugs: Vec<&str> = catalogue.antidepressants.iter().map(|d| d.generic.as_str()).collect();
            drugs.extend(catalogue.augmentation_agents.iter().map(|a| a.generic.as_str()));
            drugs.sort_unstable();
            drugs.dedup();
            let mut out = String::from("<datalist id=\"drugs\">");
            for d in drugs {
                let _ = write!(out, "<option value=\"{}\"></option>", esc(d));
            }
            out.push_str("</datalist><datalist id=\"icd\">");
            let codes = crate::reference::icd10::codes();
            for header in ["F31", "F32", "F33", "F34", "F41", "F43", "G89", "G90"] {
                for c in codes.billable_under(header) {
                    let _ = write!(out, "<option value=\"{}\">{}</option>", esc(c.code), esc(c.description));
                }
            }
            out.push_str("</datalist>");
            out
        })
        .clone()
}

/// The live reading: what stops a build, the verdicts with what would satisfy
/// each, the deadlines, problems of fields not on this page, and previews.
pub fn panel(live: &Live, documents: &[Document], shown: &[String]) -> String {
    let mut out = String::from("<h2>The reading</h2>");
    let errors = live.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = live.diagnostics.len() - errors;
    let _ = write!(
        out,
        "<p id=\"summary\" role=\"status\">{}</p>",
        match (live.valid(), errors) {
            (true, _) =>
                format!("The intake can be built ({warnings} warning{}).", if warnings == 1 { "" } else { "s" }),
            (false, n) => format!("Not ready to build: {n} problem{} to fix.", if n == 1 { "" } else { "s" }),
        }
    );
    if let Some(e) = &live.evaluation {
        let _ = write!(
            out,
            "<h3>Criteria: {}</h3><p>Overall: <strong>{}</strong></p><ul id=\"criteria\">",
            esc(&e.title),
            status_words(e.overall)
        );
        for c in &e.criteria {
            let mark = match c.status {
                Status::Met => "✔",
                Status::NotMet => "✘",
                Status::Missing => "?",
            };
            let _ = write!(
                out,
                "<li class=\"criterion {}\" data-id=\"{}\"><span aria-hidden=\"true\">{mark}</span> <strong>{}</strong>: {}",
                status_words(c.status).replace(' ', "-"),
                esc(&c.id),
                status_words(c.status),
                esc(&c.text)
            );
            if !c.evidence.is_empty() {
                let _ = write!(out, "<br><small>{}</small>", esc(&c.evidence.join("; ")));
            }
            if let Some(h) = &c.hint {
                let _ = write!(out, "<br><em>What would satisfy it:</em> {}", esc(h));
            }
            out.push_str("</li>");
        }
        out.push_str("</ul>");
    }
    if let Some(r) = &live.reading {
        let deadlines = r.facts.deadlines();
        if !deadlines.is_empty() {
            out.push_str("<h3>Deadlines</h3><ul id=\"deadlines\">");
            for d in deadlines {
                let by = d.by.map(|b| b.to_string()).unwrap_or_else(|| "cannot be counted yet".into());
                let _ = write!(out, "<li><strong>{}</strong>: {} ({})</li>", esc(&by), esc(&d.what), esc(&d.rule));
            }
            out.push_str("</ul>");
        }
    }
    let elsewhere: Vec<&Diagnostic> = live.diagnostics.iter().filter(|d| !shown.contains(&d.path)).collect();
    if !elsewhere.is_empty() {
        out.push_str("<h3>Other problems</h3><ul id=\"other-problems\">");
        for d in elsewhere {
            let at = if d.path.is_empty() { "the intake".to_string() } else { d.path.clone() };
            let _ = write!(out, "<li>{}: {}</li>", esc(&at), esc(&problem_line(d)));
        }
        out.push_str("</ul>");
    }
    if !documents.is_empty() {
        out.push_str("<h3>Previews</h3><ul id=\"previews\">");
        for d in documents {
            let _ = write!(
                out,
                "<li><a href=\"/preview/{}\" target=\"_blank\" rel=\"noopener\">{}</a></li>",
                esc(&d.name),
                esc(&d.title)
            );
        }
        out.push_str("</ul>");
    }
    out
}

/// One document's preview page.
pub fn preview(document: &Document) -> String {
    let mut html = String::new();
    let parser = pulldown_cmark::Parser::new_ext(&document.markdown, pulldown_cmark::Options::ENABLE_TABLES);
    // Raw HTML in a template's Markdown is shown as text, never run.
    let parser = parser.map(|e| match e {
        pulldown_cmark::Event::Html(t) | pulldown_cmark::Event::InlineHtml(t) => pulldown_cmark::Event::Text(t),
        e => e,
    });
    pulldown_cmark::html::push_html(&mut html, parser);
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><link rel=\"stylesheet\" href=\"/static/app.css\"></head>\
         <body class=\"preview\"><p><a href=\"/interview\">Back to the interview</a></p><article>{html}</article></body></html>",
        esc(&document.title)
    )
}
