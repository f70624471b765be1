//! The document templates: Tera, written as Markdown, compiled on demand, with
//! authpack's escaping and filters. A template's error carries Tera's whole cause chain.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use tera::Tera;

use super::RenderError;
use super::markdown::{article, capitalize_first, cell, escape_markdown, long_date, tidy, words};

/// The loaded templates. Tera parses slowly (about 1 ms a document), so the
/// compiled-in defaults are compiled on first use, only the documents a packet
/// needs, on two threads; a template folder given by the user is compiled
/// whole at once, so a broken override is reported before anything is built.
pub struct Templates {
    sources: BTreeMap<String, String>,
    /// Groups of documents compiled so far, each a Tera with the shared macros.
    compiled: Mutex<Vec<Arc<Tera>>>,
}

/// The file every document imports its macros from.
const MACROS: &str = "macros.md";

impl Templates {
    /// Templates from their sources by name; with `eager`, all are compiled now,
    /// so a broken one is reported before anything is built.
    pub fn new(sources: BTreeMap<String, String>, eager: bool) -> Result<Templates, RenderError> {
        if let Some((name, cycle)) = super::cycles::find(&sources) {
            return Err(RenderError::Template {
                name,
                chain: format!(
                    "{cycle}; a template may not include itself and a macro may not call itself, directly or through others"
                ),
            });
        }
        let mut compiled = Vec::new();
        if eager {
            let all: Vec<&str> = sources.keys().map(String::as_str).collect();
            let tera =
                compile(&sources, &all).map_err(|chain| RenderError::Template { name: all.join(", "), chain })?;
            compiled.push(Arc::new(tera));
        }
        Ok(Templates { sources, compiled: Mutex::new(compiled) })
    }

    fn find(&self, name: &str) -> Option<Arc<Tera>> {
        let compiled = self.compiled.lock().unwrap_or_else(|e| e.into_inner());
        compiled.iter().find(|t| t.get_template_names().any(|n| n == name)).cloned()
    }

    /// Compiles the named documents not compiled yet, split over two threads.
    pub fn warm(&self, names: &[&str]) -> Result<(), RenderError> {
        let mut missing: Vec<&str> = names.iter().copied().filter(|n| self.find(n).is_none()).collect();
        if missing.is_empty() {
            return Ok(());
        }
        // Two groups of about equal size of source, largest first.
        missing.sort_by_key(|n| std::cmp::Reverse(self.sources.get(*n).map_or(0, String::len)));
        let (mut left, mut right, mut sizes) = (Vec::new(), Vec::new(), (0, 0));
        for n in missing {
            let size = self.sources.get(n).map_or(0, String::len);
            if sizes.0 <= sizes.1 {
                left.push(n);
                sizes.0 += size;
            } else {
                right.push(n);
                sizes.1 += size;
            }
        }
        let failed = |(names, chain): (&Vec<&str>, String)| RenderError::Template { name: names.join(", "), chain };
        let (a, b) = std::thread::scope(|scope| {
            let other = (!right.is_empty()).then(|| scope.spawn(|| compile(&self.sources, &right)));
            let mine = compile(&self.sources, &left);
            (mine, other.map(|h| h.join().expect("compiling a template does not panic")))
        });
        let mut compiled = self.compiled.lock().unwrap_or_else(|e| e.into_inner());
        compiled.push(Arc::new(a.map_err(|c| failed((&left, c)))?));
        if let Some(b) = b {
            compiled.push(Arc::new(b.map_err(|c| failed((&right, c)))?));
        }
        Ok(())
    }

    /// Renders one template with a context, tidied.
    pub fn render(&self, name: &str, context: &tera::Context) -> Result<String, RenderError> {
        self.warm(&[name])?;
        let tera = self
            .find(name)
            .ok_or_else(|| RenderError::Template { name: name.to_string(), chain: "no such template".to_string() })?;
        tera.render(name, context)
            .map(|s| tidy(&s))
            .map_err(|e| RenderError::Template { name: name.to_string(), chain: chain(&e) })
    }
}

/// A Tera holding the macros and the named documents, with authpack's filters and escaping.
fn compile(sources: &BTreeMap<String, String>, names: &[&str]) -> Result<Tera, String> {
    let mut tera = Tera::default();
    tera.autoescape_on(vec![".md"]);
    tera.set_escape_fn(escape_markdown);
    tera.register_filter("cell", cell);
    tera.register_filter("long_date", long_date);
    tera.register_filter("words", words);
    tera.register_filter("capitalize_first", capitalize_first);
    tera.register_filter("a", article);
    // A template sees the packet's view and nothing else: not the environment (a password, a home
    // folder), and no loop longer than a packet's longest list.
    tera.register_function("get_env", |_: &HashMap<String, tera::Value>| {
        Err(tera::Error::msg("get_env is not available: a template sees only the packet's values"))
    });
    tera.register_function("range", bounded_range);
    let mut wanted: Vec<&str> = names.to_vec();
    if !wanted.contains(&MACROS) {
        wanted.push(MACROS);
    }
    // Added as one set, so imports and macros resolve across files.
    tera.add_raw_templates(wanted.iter().filter_map(|n| sources.get(*n).map(|t| (*n, t.as_str()))))
        .map_err(|e| chain(&e))?;
    Ok(tera)
}

/// The most numbers `range` gives: more than any packet's list, far fewer than would exhaust memory.
pub const MAX_RANGE: u64 = 1_000;

/// Tera's `range(end, start=0, step_by=1)`, refusing more than [`MAX_RANGE`] numbers.
fn bounded_range(args: &HashMap<String, tera::Value>) -> tera::Result<tera::Value> {
    let number = |key: &str, default: Option<u64>| match args.get(key) {
        Some(v) => {
            v.as_u64().ok_or_else(|| tera::Error::msg(format!("range: `{key}` must be a whole number, 0 or more")))
        }
        None => default.ok_or_else(|| tera::Error::msg(format!("range: `{key}` is required"))),
    };
    let (end, start, step) = (number("end", None)?, number("start", Some(0))?, number("step_by", Some(1))?);
    if step == 0 {
        return Err(tera::Error::msg("range: `step_by` must be at least 1"));
    }
    let count = end.saturating_sub(start).div_ceil(step);
    if count > MAX_RANGE {
        return Err(tera::Error::msg(format!(
            "range: {count} numbers is more than the {MAX_RANGE} a template may loop over"
        )));
    }
    Ok((start..end).step_by(step as usize).collect::<Vec<u64>>().into())
}

/// Tera's error and every cause under it, in one line.
pub(super) fn chain(e: &tera::Error) -> String {
    let mut out = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}
