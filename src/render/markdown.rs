//! Markdown text: escaping what a user typed so it shows literally, and the
//! filters templates apply to values.

use serde_json::Value;

/// Escapes text so that Markdown shows it literally.
///
/// Every character that can open markup is escaped, except where CommonMark
/// cannot read it as markup: a `_` between two letters or digits (never
/// emphasis), and `-`, `+` or `1.` at a line start not followed by a space
/// (never a list). That keeps pasted text free of needless backslashes.
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for (i, line) in text.split(['\n', '\r']).enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let line = line.trim_start();
        let chars: Vec<char> = line.chars().collect();
        let digits = chars.iter().take_while(|c| c.is_ascii_digit()).count();
        let rule_line = chars.len() >= 2 && chars.iter().all(|c| matches!(c, '-' | '=' | ' '));
        let spaced = |k: usize| chars.get(k + 1).is_none_or(|c| c.is_whitespace());
        for (k, &c) in chars.iter().enumerate() {
            let escape = match c {
                '\\' | '`' | '*' | '[' | ']' | '<' | '>' | '|' | '~' | '#' | '&' | '!' => true,
                '_' => {
                    !(k > 0 && chars[k - 1].is_alphanumeric() && chars.get(k + 1).is_some_and(|n| n.is_alphanumeric()))
                }
                '-' | '+' if k == 0 => spaced(k) || rule_line,
                '=' if k == 0 => rule_line,
                '.' | ')' => digits > 0 && k == digits && spaced(k),
                _ => false,
            };
            if escape {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

/// Collapses white space so a value fits in one table cell.
pub(super) fn cell(value: &Value, _: &std::collections::HashMap<String, Value>) -> tera::Result<Value> {
    Ok(match value {
        Value::String(s) => Value::String(s.split_whitespace().collect::<Vec<_>>().join(" ")),
        Value::Null => Value::String("-".into()),
        other => other.clone(),
    })
}

/// `2026-11-20` to `November 20, 2026`.
pub(super) fn long_date(value: &Value, _: &std::collections::HashMap<String, Value>) -> tera::Result<Value> {
    let text = value.as_str().ok_or_else(|| tera::Error::msg("long_date expects a date"))?;
    let date = crate::date::Date::parse(text).map_err(tera::Error::msg)?;
    Ok(Value::String(date.long()))
}

/// `partial-response` to `partial response`.
pub(super) fn words(value: &Value, _: &std::collections::HashMap<String, Value>) -> tera::Result<Value> {
    Ok(match value {
        Value::String(s) => Value::String(s.replace('-', " ")),
        Value::Null => Value::String("-".into()),
        other => other.clone(),
    })
}

/// `the 988 line` to `The 988 line`, the rest as it was.
pub(super) fn capitalize_first(value: &Value, _: &std::collections::HashMap<String, Value>) -> tera::Result<Value> {
    Ok(match value {
        Value::String(s) => Value::String(crate::words::capitalized(s)),
        other => other.clone(),
    })
}

/// Tera filter `a`: a noun with its indefinite article, `an internal appeal`.
pub(super) fn article(value: &Value, _: &std::collections::HashMap<String, Value>) -> tera::Result<Value> {
    Ok(match value {
        Value::String(s) => Value::String(crate::words::a(s)),
        other => other.clone(),
    })
}

/// Removes trailing spaces and runs of blank lines that template control lines leave.
pub(super) fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim_start_matches('\n').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_escaping_keeps_text_literal() {
        assert_eq!(escape_markdown("*bold* _it_ `raw`"), "\\*bold\\* \\_it\\_ \\`raw\\`");
        assert_eq!(escape_markdown("# heading\n- item\n1. first"), "\\# heading\n\\- item\n1\\. first");
        assert_eq!(escape_markdown("a | b <x> & [link](y)"), "a \\| b \\<x\\> \\& \\[link\\](y)");
        assert_eq!(escape_markdown("plain text, 20 mg."), "plain text, 20 mg.");
        assert_eq!(
            escape_markdown("0.5 mg/kg, -5 points, treatment_history"),
            "0.5 mg/kg, -5 points, treatment_history"
        );
        assert_eq!(escape_markdown("---\n==\n+ x\n_x_ a_"), "\\---\n\\==\n\\+ x\n\\_x\\_ a\\_");
    }
}
