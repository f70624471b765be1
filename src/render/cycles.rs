//! Template cycles, found before anything renders: Tera follows an include or a
//! macro call without a depth limit, so a template that includes itself or a macro
//! that calls itself (directly or through others) would overflow the stack and abort
//! the process. Read from the sources: `{% include "x" %}`, `{% import "x" as ns %}`,
//! `{% macro name(...) %}` and calls written `ns::name(` or `self::name(`.

use std::collections::{BTreeMap, BTreeSet};

/// A node of the graph: a template file, or one macro of one file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Node {
    File(String),
    Macro(String, String),
}

impl Node {
    fn named(&self) -> String {
        match self {
            Node::File(f) => format!("'{f}'"),
            Node::Macro(f, m) => format!("macro '{m}' of '{f}'"),
        }
    }
}

/// The first cycle among the templates: the file it starts in, and the cycle in words
/// ("'a.md', which includes 'b.md', which includes 'a.md'"), if any.
pub fn find(sources: &BTreeMap<String, String>) -> Option<(String, String)> {
    let mut edges: BTreeMap<Node, BTreeSet<Node>> = BTreeMap::new();
    for (file, text) in sources {
        let imports = imports(text);
        let mut owner = Node::File(file.clone());
        for tag in tags(text) {
            let words: Vec<&str> = tag.split_whitespace().collect();
            match words.as_slice() {
                ["macro", rest @ ..] => {
                    let name = rest.concat();
                    let name = name.split('(').next().unwrap_or_default();
                    owner = Node::Macro(file.clone(), name.to_string());
                }
                ["endmacro", ..] => owner = Node::File(file.clone()),
                ["include", ..] => {
                    for target in quoted(tag) {
                        edges.entry(owner.clone()).or_default().insert(Node::File(target));
                    }
                }
                _ => {}
            }
            for (namespace, name) in calls(tag) {
                let target = if namespace == "self" { Some(file.clone()) } else { imports.get(namespace).cloned() };
                if let Some(target) = target {
                    edges.entry(owner.clone()).or_default().insert(Node::Macro(target, name.to_string()));
                }
            }
        }
    }
    let mut done = BTreeSet::new();
    for start in edges.keys() {
        let mut path = Vec::new();
        if let Some(cycle) = visit(start, &edges, &mut path, &mut done) {
            let (Node::File(file) | Node::Macro(file, _)) = start;
            return Some((file.clone(), cycle));
        }
    }
    None
}

/// Depth-first search; the cycle through `path` when one closes.
fn visit<'a>(
    node: &'a Node,
    edges: &'a BTreeMap<Node, BTreeSet<Node>>,
    path: &mut Vec<&'a Node>,
    done: &mut BTreeSet<&'a Node>,
) -> Option<String> {
    if let Some(at) = path.iter().position(|n| *n == node) {
        let mut words = String::new();
        for (i, n) in path[at..].iter().chain([&node]).enumerate() {
            words.push_str(&match (i, n) {
                (0, n) => n.named(),
                (_, Node::File(_)) => format!(", which includes {}", n.named()),
                (_, Node::Macro(..)) => format!(", which calls {}", n.named()),
            });
        }
        return Some(words);
    }
    if done.contains(node) {
        return None;
    }
    path.push(node);
    for next in edges.get(node).into_iter().flatten() {
        if let Some(cycle) = visit(next, edges, path, done) {
            return Some(cycle);
        }
    }
    path.pop();
    done.insert(node);
    None
}

/// The inside of every `{% ... %}` and `{{ ... }}` tag, trimmed of whitespace-control dashes.
fn tags(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find(['{']) {
        let after = &rest[open + 1..];
        let close = match after.chars().next() {
            Some('%') => "%}",
            Some('{') => "}}",
            _ => {
                rest = after;
                continue;
            }
        };
        let Some(end) = after[1..].find(close) else { break };
        out.push(after[1..1 + end].trim_matches(|c: char| c == '-' || c.is_whitespace()));
        rest = &after[1 + end + close.len()..];
    }
    out
}

/// Every `{% import "file" as ns %}`: namespace to file.
fn imports(text: &str) -> BTreeMap<&str, String> {
    tags(text)
        .into_iter()
        .filter_map(|tag| {
            let words: Vec<&str> = tag.split_whitespace().collect();
            match words.as_slice() {
                ["import", _, "as", ns] => quoted(tag).into_iter().next().map(|f| (*ns, f)),
                _ => None,
            }
        })
        .collect()
}

/// The strings in double or single quotes.
fn quoted(tag: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = tag;
    while let Some(i) = rest.find(['"', '\'']) {
        let quote = &rest[i..i + 1];
        let after = &rest[i + 1..];
        let Some(len) = after.find(quote) else { break };
        out.push(after[..len].to_string());
        rest = &after[len + 1..];
    }
    out
}

/// Every `namespace::name(` in a tag.
fn calls(tag: &str) -> Vec<(&str, &str)> {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = tag[from..].find("::") {
        let at = from + at;
        let start = tag[..at].rfind(|c: char| !ident(c)).map_or(0, |i| i + 1);
        let after = &tag[at + 2..];
        let len = after.find(|c: char| !ident(c)).unwrap_or(after.len());
        if start < at && len > 0 && after[len..].trim_start().starts_with('(') {
            out.push((&tag[start..at], &after[..len]));
        }
        from = at + 2;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(files: &[(&str, &str)]) -> BTreeMap<String, String> {
        files.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect()
    }

    fn cycle(files: &[(&str, &str)]) -> Option<String> {
        find(&sources(files)).map(|(_, words)| words)
    }

    #[test]
    fn the_bundled_templates_have_no_cycle() {
        let documents: BTreeMap<String, String> = crate::pack::DEFAULTS
            .iter()
            .filter_map(|(p, t)| p.strip_prefix("documents/").map(|n| (n.to_string(), t.to_string())))
            .collect();
        assert!(documents.len() > 10);
        assert_eq!(find(&documents), None);
    }

    #[test]
    fn self_inclusion_and_include_rings_are_found() {
        let found = cycle(&[("a.md", "x {% include \"a.md\" %}")]).unwrap();
        assert_eq!(found, "'a.md', which includes 'a.md'");
        let found = cycle(&[("a.md", "{%- include 'b.md' -%}"), ("b.md", "{% include \"a.md\" %}")]).unwrap();
        assert_eq!(found, "'a.md', which includes 'b.md', which includes 'a.md'");
        assert_eq!(cycle(&[("a.md", "{% include \"b.md\" %}"), ("b.md", "plain")]), None);
    }

    #[test]
    fn macros_that_call_themselves_directly_or_through_another_file_are_found() {
        let direct = "{% macro down(n) %}{{ self::down(n=n) }}{% endmacro down %}";
        assert_eq!(cycle(&[("m.md", direct)]).unwrap(), "macro 'down' of 'm.md', which calls macro 'down' of 'm.md'");
        let a = "{% import \"b.md\" as b %}{% macro ping() %}{{ b::pong() }}{% endmacro %}";
        let b = "{% import \"a.md\" as a %}{% macro pong() %}{{ a::ping() }}{% endmacro %}";
        assert!(cycle(&[("a.md", a), ("b.md", b)]).unwrap().contains("calls macro 'pong' of 'b.md'"));
        // One macro calling another, as the bundled letterhead does, is no cycle.
        let chain = "{% macro inner() %}x{% endmacro %}{% macro outer() %}{{ self::inner() }}{% endmacro %}";
        assert_eq!(cycle(&[("m.md", chain)]), None);
    }
}
