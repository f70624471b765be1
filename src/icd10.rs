//! The ICD-10-CM code set (FY2026), compiled in: whether a code exists, whether
//! it is billable, its official description, and what to offer instead.
//!
//! The table (`src/data/icd10cm/`, public domain, CDC/NCHS) is a sorted TSV of
//! `code, billable, description`, gzipped; it is decompressed once, on first use.

use std::io::Read;
use std::sync::OnceLock;

/// The compressed table as shipped.
pub const COMPRESSED: &[u8] = include_bytes!("data/icd10cm/icd10cm.tsv.gz");

/// One code of the set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Code<'a> {
    /// The code with its dot (`F33.2`).
    pub code: &'a str,
    /// A valid, billable full-length code (not a category header).
    pub billable: bool,
    /// The official description.
    pub description: &'a str,
}

/// The whole code set, sorted by code.
pub struct CodeSet {
    text: String,
    /// Byte offset of each line's start.
    lines: Vec<u32>,
}

impl CodeSet {
    fn parse(text: String) -> CodeSet {
        let mut lines = vec![0u32];
        lines.extend(text.match_indices('\n').map(|(i, _)| i as u32 + 1).filter(|&i| (i as usize) < text.len()));
        CodeSet { text, lines }
    }

    /// The number of codes.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Whether the set is empty (it never is).
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    fn entry(&self, i: usize) -> Code<'_> {
        let start = self.lines[i] as usize;
        let end = self.lines.get(i + 1).map_or(self.text.len(), |&e| e as usize - 1);
        let mut fields = self.text[start..end].splitn(3, '\t');
        let code = fields.next().unwrap_or_default();
        let billable = fields.next() == Some("1");
        let description = fields.next().unwrap_or_default().trim_end();
        Code { code, billable, description }
    }

    /// Where `code` is, or would be inserted.
    fn position(&self, code: &str) -> Result<usize, usize> {
        let (mut lo, mut hi) = (0, self.lines.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.entry(mid).code.cmp(code) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Ok(mid),
            }
        }
        Err(lo)
    }

    /// The code, when it is in the set.
    pub fn lookup(&self, code: &str) -> Option<Code<'_>> {
        self.position(code).ok().map(|i| self.entry(i))
    }

    /// The billable codes under a header (`F33` gives F33.0 to F33.9), in order.
    pub fn billable_under(&self, header: &str) -> Vec<Code<'_>> {
        let prefix = if header.len() == 3 { format!("{header}.") } else { header.to_string() };
        let start = self.position(header).unwrap_or_else(|i| i);
        (start..self.lines.len())
            .map(|i| self.entry(i))
            .skip_while(|c| c.code == header)
            .take_while(|c| c.code.starts_with(&prefix))
            .filter(|c| c.billable)
            .collect()
    }

    /// Billable codes near an unknown one: those of its category, else its neighbours in order.
    pub fn nearest(&self, code: &str) -> Vec<Code<'_>> {
        let category = &code[..code.len().min(3)];
        let mut found = self.billable_under(category);
        if found.is_empty() {
            let at = self.position(code).unwrap_or_else(|i| i);
            let from = at.saturating_sub(6);
            found = (from..(at + 6).min(self.lines.len())).map(|i| self.entry(i)).filter(|c| c.billable).collect();
        }
        // The codes sharing the longest prefix with the one asked for come first.
        let shared = |c: &Code<'_>| c.code.bytes().zip(code.bytes()).take_while(|(a, b)| a == b).count();
        found.sort_by(|a, b| shared(b).cmp(&shared(a)).then(a.code.cmp(b.code)));
        found.truncate(5);
        found
    }
}

/// The code set, decompressed on first use.
pub fn codes() -> &'static CodeSet {
    static SET: OnceLock<CodeSet> = OnceLock::new();
    SET.get_or_init(|| {
        let mut text = String::with_capacity(8 * 1024 * 1024);
        flate2::read::GzDecoder::new(COMPRESSED)
            .read_to_string(&mut text)
            .expect("the bundled ICD-10-CM table decompresses (tested)");
        CodeSet::parse(text)
    })
}

/// Why a diagnosis code cannot be used, with the codes to offer instead.
pub fn problem(code: &str) -> Option<(String, Vec<String>)> {
    let set = codes();
    let show = |c: &Code<'_>| format!("{} ({})", c.code, c.description);
    match set.lookup(code) {
        Some(c) if c.billable => None,
        Some(c) => {
            let under = set.billable_under(code);
            let shown = if under.len() <= 10 { under.len() } else { 8 };
            let mut hint: Vec<String> = under.iter().take(shown).map(show).collect();
            if under.len() > shown {
                hint.push(format!("and {} more", under.len() - shown));
            }
            Some((
                format!(
                    "{code} ({}) is a category, not a billable code; use a full-length code under it",
                    c.description
                ),
                hint,
            ))
        }
        None => Some((
            format!("{code} is not in the ICD-10-CM code set (FY2026)"),
            set.nearest(code).iter().map(show).collect(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    #[test]
    fn the_table_is_the_documented_fy2026_set() {
        let hash: String = Sha256::digest(COMPRESSED).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hash, "c55f45011b61a917ba46fe636449311a08222a864a9d1108a989fa87fccd9d7b");
        let set = codes();
        assert_eq!(set.len(), 98_186);
        assert_eq!((0..set.len()).filter(|&i| set.entry(i).billable).count(), 74_719);
        assert!((1..set.len()).all(|i| set.entry(i - 1).code < set.entry(i).code), "sorted, no duplicates");
        assert_eq!(set.entry(0).code, "A00");
    }

    #[test]
    fn billable_codes_headers_and_unknown_codes() {
        let set = codes();
        let f332 = set.lookup("F33.2").unwrap();
        assert!(f332.billable);
        assert_eq!(f332.description, "Major depressive disorder, recurrent severe without psychotic features");
        for billable in ["F32.A", "F32.9", "G90.50", "G90.511", "F43.12", "R45.851", "M79.7", "Z99.89"] {
            assert!(problem(billable).is_none(), "{billable}");
        }
        for header in ["F33", "G90.5", "F43.1", "G89.2"] {
            assert!(problem(header).unwrap().0.contains("is a category"), "{header}");
        }
        let under: Vec<&str> = set.billable_under("F33").iter().map(|c| c.code).collect();
        assert_eq!(under, ["F33.0", "F33.1", "F33.2", "F33.3", "F33.40", "F33.41", "F33.42", "F33.8", "F33.9"]);
        let (message, offers) = problem("F33.7").unwrap();
        assert!(message.contains("not in the ICD-10-CM code set"));
        assert!(offers.iter().all(|o| o.starts_with("F33.")), "{offers:?}");
        assert!(problem("Q99.99").is_some());
    }
}
