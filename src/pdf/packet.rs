//! The packet's PDFs from one layout: the fax's documents and enclosures, then
//! the other documents, laid out once as one Typst document; each document's PDF
//! and the combined fax are exported from their own pages of that layout.

use super::{PageInfo, Part, PdfError, Placed, STACK_SIZE, Typesetter};
use crate::intake::Intake;
use crate::reading::Reading;
use crate::render::Document;

/// The file name of the combined fax PDF.
pub const FAX_PDF: &str = "fax-combined.pdf";

/// A packet's PDFs.
pub struct Typeset {
    /// Each document's PDF in the documents' order, then the fax: (file name, bytes).
    pub pdfs: Vec<(String, Vec<u8>)>,
    /// Pages in the combined fax.
    pub fax_pages: usize,
    /// The first fax page of each faxed record, by its position among the records (`None`: not faxed).
    pub record_pages: Vec<Option<usize>>,
}

/// The identifiers printed on every page of a document about this intake.
pub fn page_info(intake: &Intake, title: &str) -> PageInfo {
    PageInfo {
        title: title.to_string(),
        practice: intake.prescriber.practice.as_ref().and_then(|p| p.name.clone()).unwrap_or_default(),
        patient: format!("{} {}", intake.patient.first_name, intake.patient.last_name),
        dob: intake.patient.date_of_birth.to_string(),
        member: intake.patient.member_id.clone(),
    }
}

/// Typesets every document and the combined fax from one layout of the whole
/// packet. The cover sheet's page count is filled in by the layout itself, so
/// it is true by construction.
pub fn typeset(typesetter: &Typesetter, reading: &Reading, documents: &[Document]) -> Result<Typeset, PdfError> {
    let intake = &reading.checked.intake;
    let records: Vec<(usize, &crate::check::Record)> =
        reading.checked.records.iter().enumerate().filter(|(_, r)| r.faxed).collect();
    // Sending order: the fax's documents, its enclosures, then the rest.
    let faxed: Vec<usize> = (0..documents.len()).filter(|&i| documents[i].faxed).collect();
    let others: Vec<usize> = (0..documents.len()).filter(|&i| !documents[i].faxed).collect();
    let mut parts: Vec<Placed<'_>> =
        faxed.iter().map(|&i| Placed { part: Part::Document(&documents[i].markdown), fax: true }).collect();
    for (index, r) in &records {
        let bytes = r.shared().ok_or_else(|| PdfError::Enclosure {
            name: r.entry.clone(),
            why: "it is too large to place in the fax".into(),
        })?;
        parts.push(Placed {
            part: Part::Enclosure { index: *index, title: &r.title, name: &r.entry, media: r.media, bytes },
            fax: true,
        });
    }
    parts.extend(others.iter().map(|&i| Placed { part: Part::Document(&documents[i].markdown), fax: false }));
    let title = "Prior-authorization packet (fax)";
    let laid = typesetter.lay_out(&page_info(intake, title), &parts, intake.request.date)?;
    drop(parts);
    let mut record_pages = vec![None; reading.checked.records.len()];
    for (slot, (index, _)) in records.iter().enumerate() {
        record_pages[*index] = Some(laid.parts[faxed.len() + slot].start + 1);
    }
    // (document index, pages, title, ident) for each PDF; the fax last.
    let order: Vec<usize> = faxed.iter().chain(&others).copied().collect();
    let mut jobs: Vec<(Option<usize>, std::ops::Range<usize>, String, String)> = Vec::with_capacity(order.len() + 1);
    for (slot, &i) in order.iter().enumerate() {
        let part = if slot < faxed.len() { slot } else { slot + records.len() };
        jobs.push((Some(i), laid.parts[part].clone(), documents[i].title.clone(), documents[i].name.clone()));
    }
    jobs.push((None, 0..laid.fax_pages, title.into(), "fax".into()));
    let export = |job: &(Option<usize>, std::ops::Range<usize>, String, String)| {
        typesetter.export(&laid, job.1.clone(), &job.2, &job.3).map(|bytes| (job.0, bytes))
    };
    // PDF export is independent per document: two halves, the second (with the fax)
    // on a short-lived thread. Its caches (embedded enclosure pages) are thread-local
    // and die with it; on a long-lived worker they would grow with every packet of a batch.
    let (first, second) = jobs.split_at(jobs.len() / 2);
    let exported = std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .stack_size(STACK_SIZE)
            .spawn_scoped(scope, || second.iter().map(export).collect::<Result<Vec<_>, _>>())
            .expect("a thread starts");
        let mut done = first.iter().map(export).collect::<Result<Vec<_>, _>>()?;
        done.extend(handle.join().expect("PDF export does not panic")?);
        Ok::<_, PdfError>(done)
    });
    let mut exported = exported?;
    let fax_pages = laid.fax_pages;
    drop(laid);
    super::forget();
    let fax = exported.pop().map(|(_, bytes)| bytes).unwrap_or_default();
    exported.sort_by_key(|(i, _)| *i);
    let mut pdfs: Vec<(String, Vec<u8>)> = exported
        .into_iter()
        .filter_map(|(i, bytes)| Some((documents[i?].name.replace(".md", ".pdf"), bytes)))
        .collect();
    pdfs.push((FAX_PDF.to_string(), fax));
    Ok(Typeset { pdfs, fax_pages, record_pages })
}
