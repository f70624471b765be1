//! Plain words for numbers, lists and changes, shared by the verdicts' evidence
//! and the documents, so every reader meets one way of saying each thing.

/// A count with its noun, singular or plural: `1 trial`, `2 trials`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A number as a word, for small counts in prose: `two`, `12`.
pub fn number_word(n: usize) -> String {
    const WORDS: [&str; 11] = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"];
    WORDS.get(n).map_or_else(|| n.to_string(), |w| (*w).to_string())
}

/// A list in prose: `a`, `a and b`, `a, b and c`.
pub fn list<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [rest @ .., last] => {
            format!("{} and {}", rest.iter().map(AsRef::as_ref).collect::<Vec<_>>().join(", "), last.as_ref())
        }
    }
}

/// A quantity without a needless `.0`: `56`, `0.5`, `37.5`.
pub fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{}", (x * 100.0).round() / 100.0)
    }
}

/// Milligrams: `56 mg`.
pub fn mg(x: f64) -> String {
    format!("{} mg", num(x))
}

/// A percent change from a baseline, signed and in words: `a 34% drop`, `a 12% rise`, `no change`.
pub fn change(percent: f64) -> String {
    let p = num(percent.abs());
    if percent < 0.0 {
        format!("a {p}% drop")
    } else if percent > 0.0 {
        format!("a {p}% rise")
    } else {
        "no change".to_string()
    }
}

/// A signed figure for tables: `-34%`, `+12%`, `0%`.
pub fn signed_percent(percent: f64) -> String {
    if percent > 0.0 { format!("+{}%", num(percent)) } else { format!("{}%", num(percent)) }
}

/// Weeks with one decimal: `13.1 weeks`, `1 week`.
pub fn weeks(w: f64) -> String {
    if w == 1.0 { "1 week".to_string() } else { format!("{} weeks", num(w)) }
}

/// A noun with its indefinite article: `an internal appeal`, `a reconsideration`.
pub fn a(noun: &str) -> String {
    let vowel = noun.chars().next().is_some_and(|c| "aeiouAEIOU".contains(c));
    format!("{} {noun}", if vowel { "an" } else { "a" })
}

/// The first letter in lower case, unless the word is an acronym: `Declined`
/// to `declined`, `ECT` kept.
pub fn lower_first(text: &str) -> String {
    let mut c = text.chars();
    match c.next() {
        Some(f) if c.clone().next().is_some_and(|n| n.is_lowercase()) => f.to_lowercase().chain(c).collect(),
        Some(f) => std::iter::once(f).chain(c).collect(),
        None => String::new(),
    }
}

/// The first letter in upper case: `sertraline` to `Sertraline`.
pub fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A kebab-case enumeration in words: `partial-response` to `partial response`.
pub fn words(label: &str) -> String {
    label.replace('-', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_lists_and_changes_read_as_prose() {
        assert_eq!(count(1, "trial", "trials"), "1 trial");
        assert_eq!(count(2, "class", "classes"), "2 classes");
        assert_eq!(list(&["a", "b", "c"]), "a, b and c");
        assert_eq!(list(&["a"]), "a");
        assert_eq!(list::<&str>(&[]), "");
        assert_eq!(num(56.0), "56");
        assert_eq!(num(0.5), "0.5");
        assert_eq!(change(-34.4), "a 34.4% drop");
        assert_eq!(change(12.0), "a 12% rise");
        assert_eq!(signed_percent(-37.5), "-37.5%");
        assert_eq!(signed_percent(20.0), "+20%");
        assert_eq!(weeks(1.0), "1 week");
        assert_eq!(capitalized("sertraline"), "Sertraline");
        assert_eq!(number_word(2), "two");
        assert_eq!(number_word(12), "12");
    }
}
