//! The ICD-10-CM code set (FY2026), compiled in: whether a code exists, whether
//! it is billable, its official description, and what to offer instead.
//!
//! The table (`src/data/icd10cm/`, public domain, CDC/NCHS) is a sorted TSV of
//! `code, billable, description`, shipped gzipped. `build.rs` decompresses it
//! into the binary, and lookups binary-search the text in place: nothing is
//! decompressed, parsed or indexed at run time.

/// The table as plain text, one code per line, sorted by code.
const TABLE: &str = include_str!(concat!(env!("OUT_DIR"), "/icd10cm.tsv"));

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

/// The whole code set, sorted by code: a sorted text searched by byte offsets.
pub struct CodeSet {
    text: &'static str,
}

impl CodeSet {
    /// The line starting at byte `start` (a line start), and where the next begins.
    fn line_at(&self, start: usize) -> (Code<'static>, usize) {
        let rest = &self.text[start..];
        let end = rest.find('\n').unwrap_or(rest.len());
        let mut fields = rest[..end].splitn(3, '\t');
        let code = fields.next().unwrap_or_default();
        let billable = fields.next() == Some("1");
        let description = fields.next().unwrap_or_default().trim_end();
        (Code { code, billable, description }, (start + end + 1).min(self.text.len()))
    }

    /// The start of the line holding byte `at`.
    fn line_start(&self, at: usize) -> usize {
        // By bytes: `at` may fall inside a multi-byte character of a description.
        self.text.as_bytes()[..at].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1)
    }

    /// Every code from the line starting at byte `start`, in order.
    fn from(&self, start: usize) -> impl Iterator<Item = Code<'static>> + '_ {
        let mut at = start;
        std::iter::from_fn(move || {
            if at >= self.text.len() {
                return None;
            }
            let (code, next) = self.line_at(at);
            at = next;
            Some(code)
        })
    }

    /// Every code, in order.
    pub fn iter(&self) -> impl Iterator<Item = Code<'static>> + '_ {
        self.from(0)
    }

    /// The number of codes (a full scan; for tests and reports).
    pub fn len(&self) -> usize {
        self.text.lines().count()
    }

    /// Whether the set is empty (it never is).
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// The byte offset of the line holding `code`, or of the first line after where it would be.
    fn position(&self, code: &str) -> Result<usize, usize> {
        // Invariant: every line starting before `lo` sorts before `code`; every line starting at or after `hi` after it.
        let (mut lo, mut hi) = (0, self.text.len());
        while lo < hi {
            let start = self.line_start(lo + (hi - lo) / 2).max(lo);
            let (entry, next) = self.line_at(start);
            match entry.code.cmp(code) {
                std::cmp::Ordering::Less => lo = next,
                std::cmp::Ordering::Greater => hi = start,
                std::cmp::Ordering::Equal => return Ok(start),
            }
        }
        Err(lo)
    }

    /// The code, when it is in the set.
    pub fn lookup(&self, code: &str) -> Option<Code<'static>> {
        self.position(code).ok().map(|at| self.line_at(at).0)
    }

    /// The billable codes under a header (`F33` gives F33.0 to F33.9), in order.
    pub fn billable_under(&self, header: &str) -> Vec<Code<'static>> {
        let prefix = if header.len() == 3 { format!("{header}.") } else { header.to_string() };
        let start = self.position(header).unwrap_or_else(|i| i);
        self.from(start)
            .skip_while(|c| c.code == header)
            .take_while(|c| c.code.starts_with(&prefix))
            .filter(|c| c.billable)
            .collect()
    }

    /// Billable codes near an unknown one: those of its category, else its neighbours in order.
    pub fn nearest(&self, code: &str) -> Vec<Code<'static>> {
        let category = &code[..code.len().min(3)];
        let mut found = self.billable_under(category);
        if found.is_empty() {
            let at = self.position(code).unwrap_or_else(|i| i);
            // Six lines back, then twelve lines on.
            let mut from = at;
            for _ in 0..6 {
                if from == 0 {
                    break;
                }
                from = self.line_start(from - 1);
            }
            found = self.from(from).take(12).filter(|c| c.billable).collect();
        }
        // The codes sharing the longest prefix with the one asked for come first.
        let shared = |c: &Code<'_>| c.code.bytes().zip(code.bytes()).take_while(|(a, b)| a == b).count();
        found.sort_by(|a, b| shared(b).cmp(&shared(a)).then(a.code.cmp(b.code)));
        found.truncate(5);
        found
    }
}

/// The code set.
pub fn codes() -> &'static CodeSet {
    static SET: CodeSet = CodeSet { text: TABLE };
    &SET
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
        let shipped = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/src/data/icd10cm/icd10cm.tsv.gz")).unwrap();
        let hash: String = Sha256::digest(&shipped).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hash, "c55f45011b61a917ba46fe636449311a08222a864a9d1108a989fa87fccd9d7b");
        let mut unpacked = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(shipped.as_slice()), &mut unpacked).unwrap();
        assert!(unpacked == TABLE, "the compiled-in table is the shipped one");
        let set = codes();
        assert_eq!(set.len(), 98_186);
        assert_eq!(set.iter().filter(|c| c.billable).count(), 74_719);
        let all: Vec<Code<'_>> = set.iter().collect();
        assert!(all.windows(2).all(|w| w[0].code < w[1].code), "sorted, no duplicates");
        assert_eq!(all[0].code, "A00");
        // Every code is found by the in-place search, and so is nothing between them.
        assert!(all.iter().all(|c| set.lookup(c.code) == Some(*c)));
        assert!(all.windows(2).all(|w| set.lookup(&format!("{}!", w[0].code)).is_none()));
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
