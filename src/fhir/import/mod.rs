//! FHIR R4 JSON in, a starter intake out.
//!
//! Reads Bundles and single resources from several files, validates every
//! resource against the R4 schema, and maps what it knows onto the intake's
//! fields ([`map`]). Every value filled carries a comment naming the resource it
//! came from; what FHIR cannot say is written `!fill` with a comment saying what
//! belongs there, so `check` lists exactly those fields. A resource nothing is
//! taken from is reported, never silently dropped.

mod map;

use std::collections::HashMap;

use serde_json::Value;

use super::{Problem, schema};
pub use crate::intake::tree::{FILL_TAG, Field, Node};

/// The largest FHIR file read: an export with a few inline records.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// The largest record taken from a DocumentReference's inline data.
pub const MAX_RECORD_BYTES: usize = crate::check::records::FAX_LIMIT as usize;

/// One FHIR file: the name it is reported by, and its text.
pub struct Source {
    /// How messages name the file (as given on the command line).
    pub name: String,
    /// Its JSON text.
    pub text: String,
}

/// A problem with one file, at a JSON path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileProblem {
    /// The file, as given.
    pub file: String,
    /// The problem.
    pub problem: Problem,
}

impl std::fmt::Display for FileProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", crate::diag::shown(&self.file), self.problem)
    }
}

/// A resource read, with where it was found.
#[derive(Clone, Debug)]
pub struct Found<'a> {
    /// Its file.
    pub file: &'a str,
    /// Its JSON path in the file.
    pub path: String,
    /// Its entry's `fullUrl`, in a Bundle.
    pub url: Option<&'a str>,
    /// The resource.
    pub resource: &'a Value,
}

impl Found<'_> {
    /// `Type/id`, or the file and path when it has no id: how comments name it.
    pub fn label(&self) -> String {
        let kind = self.kind();
        match self.resource.get("id").and_then(Value::as_str) {
            Some(id) => format!("{kind}/{id}"),
            None if self.path.is_empty() => format!("{kind} in {}", self.file),
            None => format!("{kind} at {} {}", self.file, self.path),
        }
    }

    /// Its resource type.
    pub fn kind(&self) -> &str {
        self.resource.get("resourceType").and_then(Value::as_str).unwrap_or("")
    }
}

/// A record to write beside the intake, from a DocumentReference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRecord {
    /// Its path relative to the intake's folder: `records/<name>`.
    pub file: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// What an import made.
#[derive(Debug)]
pub struct Imported {
    /// The starter intake as a tree.
    pub intake: Node,
    /// Records to write into the intake's `records/` folder.
    pub records: Vec<NewRecord>,
    /// Resources (or parts) nothing was taken from, and why, one line each.
    pub unmapped: Vec<String>,
}

impl Imported {
    /// The starter intake as commented YAML.
    pub fn yaml(&self, files: &[String]) -> String {
        let mut out = String::new();
        out.push_str("# yaml-language-server: $schema=intake.schema.json\n");
        out.push_str("# authpack intake, format 1: a starter written by `authpack import fhir` from\n");
        for f in files {
            out.push_str(&format!("#   {}\n", crate::diag::shown(f)));
        }
        out.push_str(
            "#\n\
             # Each value read from the records says which resource it came from. Values\n\
             # FHIR cannot say are marked !fill with a comment saying what belongs there:\n\
             # replace each with this patient's value and remove the mark (or delete the\n\
             # line if it does not apply); authpack refuses an intake that still holds one.\n\
             # FHIR carries no denial, prior-authorization contacts, services, psychotherapy,\n\
             # safety screening or clinical summary: add what the request needs, then run\n\
             # authpack check intake.yaml\n\n",
        );
        out.push_str(&self.intake.to_yaml());
        out
    }
}

/// Reads every file and maps its resources; all problems of all files at once.
pub fn import(sources: &[Source]) -> Result<Imported, Vec<FileProblem>> {
    let mut documents = Vec::new();
    let mut problems = Vec::new();
    for s in sources {
        match serde_json::from_str::<Value>(&s.text) {
            Ok(v) => documents.push((s.name.as_str(), v)),
            Err(e) => problems.push(FileProblem {
                file: s.name.clone(),
                problem: Problem::new(
                    "",
                    format!("is not JSON: line {}, column {}: {}", e.line(), e.column(), plain(&e)),
                ),
            }),
        }
    }
    let mut found = Vec::new();
    for (file, doc) in &documents {
        collect(file, doc, "", &mut found, &mut problems);
    }
    for f in &found {
        problems.extend(
            schema::validate(f.resource, &f.path).into_iter().map(|p| FileProblem { file: f.file.into(), problem: p }),
        );
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(map::map(&found))
}

/// serde_json's message without its trailing position (given apart).
fn plain(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// The resources of a document: a Bundle's entries (and theirs), or the resource itself.
fn collect<'a>(file: &'a str, doc: &'a Value, at: &str, found: &mut Vec<Found<'a>>, problems: &mut Vec<FileProblem>) {
    let problem = |path: String, message: &str| FileProblem { file: file.into(), problem: Problem::new(path, message) };
    if !doc.is_object() {
        problems.push(problem(at.into(), "must be a FHIR resource (a JSON object with a resourceType)"));
        return;
    }
    if doc.get("resourceType").and_then(Value::as_str) == Some("Bundle") {
        match doc.get("entry") {
            None => {}
            Some(Value::Array(entries)) => {
                for (i, entry) in entries.iter().enumerate() {
                    match entry.get("resource") {
                        Some(r) if r.get("resourceType").and_then(Value::as_str) != Some("Bundle") && r.is_object() => {
                            let url = entry.get("fullUrl").and_then(Value::as_str);
                            found.push(Found { file, path: format!("{at}/entry/{i}/resource"), url, resource: r });
                        }
                        Some(r) => collect(file, r, &format!("{at}/entry/{i}/resource"), found, problems),
                        None => problems.push(problem(format!("{at}/entry/{i}"), "has no resource")),
                    }
                }
            }
            Some(_) => problems.push(problem(format!("{at}/entry"), "must be a list of entries")),
        }
        // The bundle's own elements, without its resources (checked one by one).
        let mut shell = doc.clone();
        if let Some(Value::Array(entries)) = shell.get_mut("entry") {
            for e in entries.iter_mut().filter_map(Value::as_object_mut) {
                e.remove("resource");
            }
        }
        problems
            .extend(schema::validate(&shell, at).into_iter().map(|p| FileProblem { file: file.into(), problem: p }));
        return;
    }
    found.push(Found { file, path: at.into(), url: None, resource: doc });
}

/// The resources read, by every name a reference may use for them.
pub(super) struct Index<'a> {
    by_name: HashMap<String, usize>,
    found: &'a [Found<'a>],
}

impl<'a> Index<'a> {
    fn of(found: &'a [Found<'a>]) -> Index<'a> {
        let mut by_name = HashMap::new();
        for (i, f) in found.iter().enumerate() {
            if let Some(id) = f.resource.get("id").and_then(Value::as_str) {
                by_name.insert(format!("{}/{id}", f.kind()), i);
            }
            if let Some(url) = f.url {
                by_name.insert(url.to_string(), i);
            }
        }
        Index { by_name, found }
    }

    /// The resource a reference (`{"reference": "Type/id"}`, a URL ending so, or `urn:uuid:…` by id) names.
    fn get(&self, reference: &Value) -> Option<&'a Found<'a>> {
        let r = reference.get("reference")?.as_str()?;
        if let Some(&i) = self.by_name.get(r) {
            return Some(&self.found[i]);
        }
        let mut tail = r.rsplitn(3, '/');
        let (id, kind) = (tail.next()?, tail.next()?);
        self.by_name.get(&format!("{kind}/{id}")).map(|&i| &self.found[i])
    }
}
