//! Rendered Markdown to Typst markup, with a real CommonMark parser.
//!
//! Every piece of text becomes a Typst string literal (`#"...";`), in which
//! only `\` and `"` need escaping and the `;` ends the expression. So nothing a
//! user typed, whatever it looks like, can act as Typst: it is always text.

use pulldown_cmark::{Alignment, CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// Opens a block the layout keeps on one page; on a line of its own, then a blank line.
pub const KEEP_OPEN: &str = "<keep>";
/// Closes it.
pub const KEEP_CLOSE: &str = "</keep>";

/// The Markdown without the keep-together marks, as a reader pastes it.
pub fn without_marks(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut blank = false;
    for line in markdown.split_inclusive('\n') {
        let t = line.trim();
        if t == KEEP_OPEN || t == KEEP_CLOSE {
            continue;
        }
        let is_blank = t.is_empty();
        if !(is_blank && blank) {
            out.push_str(line);
        }
        blank = is_blank;
    }
    out
}

/// The longest run of characters set without a break opportunity.
const UNBROKEN: usize = 30;

/// A Typst string literal holding `text`, ready to place in markup.
pub fn literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 5);
    out.push_str("#\"");
    // A run of characters with no place to break (a long identifier, a name typed without spaces)
    // would run off the page and over the header: it may break after every [`UNBROKEN`] characters.
    let mut run = 0;
    for c in text.chars() {
        run = if c.is_whitespace() || c == '-' || c == '/' { 0 } else { run + 1 };
        if run > UNBROKEN {
            out.push('\u{200B}');
            run = 1;
        }
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push_str("\";");
    out
}

struct Table {
    alignments: Vec<Alignment>,
    cells: Vec<String>,
    header_cells: usize,
    in_header: bool,
}

/// Converts Markdown (CommonMark with tables) to Typst markup.
pub fn markdown_to_typst(markdown: &str) -> String {
    let parser = Parser::new_ext(markdown, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH);
    let mut out = String::with_capacity(markdown.len() * 2);
    // Output goes to the innermost open buffer: a table cell, a quote, or the document.
    let mut buffers: Vec<String> = Vec::new();
    let mut lists: Vec<Option<u64>> = Vec::new();
    let mut tables: Vec<Table> = Vec::new();
    let mut link_targets: Vec<String> = Vec::new();

    macro_rules! emit {
        ($s:expr) => {{
            let s: &str = &$s;
            match buffers.last_mut() {
                Some(b) => b.push_str(s),
                None => out.push_str(s),
            }
        }};
    }

    for event in parser {
        match event {
            Event::Start(tag) => match tag {
                Tag::Paragraph => {}
                Tag::Heading { level, .. } => {
                    let depth = match level {
                        HeadingLevel::H1 => 1,
                        HeadingLevel::H2 => 2,
                        _ => 3,
                    };
                    emit!(format!("\n{} ", "=".repeat(depth)));
                }
                Tag::BlockQuote(_) => buffers.push(String::new()),
                Tag::CodeBlock(kind) => {
                    let _ = matches!(kind, CodeBlockKind::Fenced(_));
                    buffers.push(String::new());
                }
                Tag::List(start) => {
                    lists.push(start);
                    emit!("\n");
                }
                Tag::Item => {
                    let depth = lists.len().saturating_sub(1);
                    let marker = if lists.last().copied().flatten().is_some() { "+" } else { "-" };
                    emit!(format!("{}{} ", "  ".repeat(depth), marker));
                }
                Tag::Table(alignments) => {
                    tables.push(Table { alignments, cells: Vec::new(), header_cells: 0, in_header: false });
                }
                Tag::TableHead => {
                    if let Some(t) = tables.last_mut() {
                        t.in_header = true;
                    }
                }
                Tag::TableRow => {}
                Tag::TableCell => buffers.push(String::new()),
                Tag::Emphasis => emit!("_"),
                Tag::Strong => emit!("*"),
                Tag::Strikethrough => emit!("#strike["),
                Tag::Link { dest_url, .. } => link_targets.push(dest_url.to_string()),
                Tag::Image { dest_url, .. } => emit!(literal(&format!("[image: {dest_url}]"))),
                _ => {}
            },
            Event::End(tag) => match tag {
                TagEnd::Paragraph => emit!("\n\n"),
                TagEnd::Heading(_) => emit!("\n\n"),
                TagEnd::BlockQuote(_) => {
                    let inner = buffers.pop().unwrap_or_default();
                    emit!(format!("#quote(block: true)[{}]\n\n", inner.trim()));
                }
                TagEnd::CodeBlock => {
                    let inner = buffers.pop().unwrap_or_default();
                    emit!(format!("#block(inset: 6pt, fill: luma(245))[{}]\n\n", inner.trim()));
                }
                TagEnd::List(_) => {
                    lists.pop();
                    emit!("\n");
                }
                TagEnd::Item => emit!("\n"),
                TagEnd::TableHead => {
                    if let Some(t) = tables.last_mut() {
                        t.in_header = false;
                        t.header_cells = t.cells.len();
                    }
                }
                TagEnd::TableCell => {
                    let cell = buffers.pop().unwrap_or_default();
                    if let Some(t) = tables.last_mut() {
                        let cell = if t.in_header { format!("*{}*", cell.trim()) } else { cell.trim().to_string() };
                        t.cells.push(cell);
                    }
                }
                TagEnd::Table => {
                    if let Some(t) = tables.pop() {
                        emit!(table(&t));
                    }
                }
                TagEnd::Emphasis => emit!("_"),
                TagEnd::Strong => emit!("*"),
                TagEnd::Strikethrough => emit!("]"),
                TagEnd::Link => {
                    if let Some(url) = link_targets.pop() {
                        emit!(literal(&format!(" ({url})")));
                    }
                }
                _ => {}
            },
            Event::Text(text) | Event::Code(text) => emit!(literal(&text)),
            // The templates' own `<keep>` ... `</keep>` (user text is escaped, so cannot
            // write them) keep a block on one page: a signature with its name.
            Event::Html(text) if text.trim() == KEEP_OPEN => buffers.push(String::new()),
            Event::Html(text) if text.trim() == KEEP_CLOSE => {
                let inner = buffers.pop().unwrap_or_default();
                emit!(format!("#block(breakable: false)[{}]\n\n", inner.trim()));
            }
            Event::Html(text) | Event::InlineHtml(text) => emit!(literal(&text)),
            Event::SoftBreak => emit!(" "),
            Event::HardBreak => emit!(" \\\n"),
            Event::Rule => emit!("\n#line(length: 100%, stroke: 0.5pt)\n\n"),
            Event::TaskListMarker(done) => emit!(if done { "☒ " } else { "☐ " }),
            _ => {}
        }
    }
    out
}

fn table(t: &Table) -> String {
    let columns = t.alignments.len().max(1);
    let align: Vec<&str> = t
        .alignments
        .iter()
        .map(|a| match a {
            Alignment::Right => "right",
            Alignment::Center => "center",
            _ => "left",
        })
        .collect();
    let header = t.cells.iter().take(t.header_cells).all(|c| c == "**");
    let mut s = format!("#table(columns: {columns}, align: ({}), ", align.join(", "));
    if !header && t.header_cells > 0 {
        s.push_str("table.header(");
        for c in &t.cells[..t.header_cells] {
            s.push_str(&format!("[{c}], "));
        }
        s.push_str("), ");
    }
    for c in &t.cells[t.header_cells..] {
        s.push_str(&format!("[{c}], "));
    }
    s.push_str(")\n\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_becomes_string_literals() {
        assert_eq!(literal(r#"a "b" \c"#), r##"#"a \"b\" \\c";"##);
        let t = markdown_to_typst("# Title\n\nHello *you* and **me**.\n");
        assert_eq!(t, "\n= #\"Title\";\n\n#\"Hello \";_#\"you\";_#\" and \";*#\"me\";*#\".\";\n\n");
    }

    #[test]
    fn escaped_markdown_stays_literal_through_typst_markup() {
        let hostile = crate::render::escape_markdown(r##"#read("/etc/passwd") $x$ *b* <l> @r = h {{ x }}"##);
        // The parser splits text at each escape; adjacent literals join into one text.
        let t = markdown_to_typst(&hostile).replace("\";#\"", "");
        assert!(t.contains(r##"#"#read(\"/etc/passwd\") $x$ *b* <l> @r = h {{ x }}";"##), "{t}");
    }

    #[test]
    fn a_kept_block_stays_on_one_page_and_leaves_no_mark_in_the_markdown() {
        let md = "Text.\n\n<keep>\n\nSincerely,\n\nName\n\n</keep>\n\nAfter.\n";
        let t = markdown_to_typst(md);
        assert!(t.contains("#block(breakable: false)[#\"Sincerely,\";"), "{t}");
        assert!(!t.contains("keep"), "{t}");
        assert_eq!(without_marks(md), "Text.\n\nSincerely,\n\nName\n\nAfter.\n");
        // A user's text, escaped, never opens one.
        let typed = crate::render::escape_markdown("<keep>");
        assert!(markdown_to_typst(&format!("{typed}\n\nx\n")).contains("keep"));
    }

    #[test]
    fn tables_lists_and_breaks() {
        let t = markdown_to_typst("| a | b |\n|---|---|\n| 1 | 2 |\n\n- x\n- y\n\n1. one\n\nline\\\nnext\n");
        assert!(t.contains("#table(columns: 2, align: (left, left), table.header([*#\"a\";*], [*#\"b\";*], ), [#\"1\";], [#\"2\";], )"), "{t}");
        assert!(t.contains("- #\"x\";\n- #\"y\";"), "{t}");
        assert!(t.contains("+ #\"one\";"), "{t}");
        assert!(t.contains("#\"line\"; \\\n#\"next\";"), "{t}");
    }
}
