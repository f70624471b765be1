//! What a record's bytes hold, read within budgets before anything decodes them
//! whole: a PDF's pages (each page object once; a page tree that repeats one is
//! cyclic or shared, and refused) and the size of their decoded page content; an
//! image's pixel dimensions from its header, then one decode within a memory
//! limit, so a damaged or oversized record is refused here, naming it, and never
//! reaches the typesetter.

use std::collections::HashSet;
use std::io::Read;

use hayro_syntax::object::{Array, Dict, MaybeRef, Name, Object, ObjectIdentifier, Stream};
use hayro_syntax::{Filter, LoadPdfError, Pdf};

use super::records::Media;

/// The most pages one record may have.
pub const MAX_PAGES_PER_RECORD: usize = 300;
/// The most bytes a record's page content may decode to, all pages together.
pub const MAX_CONTENT_BYTES: u64 = 64 * 1024 * 1024;
/// The widest or tallest image placed, in pixels (a letter page at 600 dpi is 5,100 by 6,600).
pub const MAX_IMAGE_SIDE: u32 = 10_000;
/// The most pixels an image placed may have (36 megapixels: a letter page at 600 dpi).
pub const MAX_IMAGE_PIXELS: u64 = 36_000_000;
/// The deepest page tree read.
const MAX_TREE_DEPTH: usize = 64;

/// How many pages a PDF or an image record fills in the fax, or why it cannot be placed.
pub fn pages(media: Media, bytes: &[u8]) -> Result<usize, String> {
    // Worded for every format: `check` and `--format md` refuse the same records as a PDF build.
    let placed = |why: &str| format!("cannot be enclosed: {why}");
    match media {
        Media::Pdf => pdf_pages(bytes).map_err(|why| placed(&why)),
        Media::Png | Media::Jpeg => image(bytes).map(|()| 1).map_err(|why| placed(&why)),
        Media::Other => Err(placed("only PDF, PNG and JPEG records can")),
    }
}

fn pdf_pages(bytes: &[u8]) -> Result<usize, String> {
    let pdf = Pdf::new(bytes.to_vec()).map_err(|e| match e {
        LoadPdfError::Decryption(_) => "it is encrypted; enclose an unencrypted copy".to_string(),
        _ => "it is damaged or not a PDF".to_string(),
    })?;
    let xref = pdf.xref();
    let damaged = || "its page tree is damaged".to_string();
    let root: Dict<'_> = xref.get(xref.root_id()).ok_or_else(damaged)?;
    let tree: Dict<'_> = root.get(b"Pages").ok_or_else(damaged)?;
    let mut seen: HashSet<ObjectIdentifier> = tree.obj_id().into_iter().collect();
    let mut stack: Vec<(Array<'_>, usize)> = vec![(tree.get(b"Kids").ok_or_else(damaged)?, 0)];
    let (mut pages, mut content) = (0usize, 0u64);
    while let Some((kids, depth)) = stack.pop() {
        for kid in kids.raw_iter() {
            let dict = match kid {
                MaybeRef::Ref(r) => {
                    if !seen.insert(r.into()) {
                        return Err("its page tree lists one page or branch twice (a cyclic or shared tree)".into());
                    }
                    xref.get::<Dict<'_>>(r.into())
                }
                MaybeRef::NotRef(object) => object.into_dict(),
            };
            let Some(dict) = dict else { return Err(damaged()) };
            if dict.get::<Name<'_>>(b"Type").as_deref() == Some(b"Pages".as_slice()) {
                if depth + 1 > MAX_TREE_DEPTH {
                    return Err(format!("its page tree is nested more than {MAX_TREE_DEPTH} deep"));
                }
                stack.push((dict.get(b"Kids").ok_or_else(damaged)?, depth + 1));
                continue;
            }
            pages += 1;
            if pages > MAX_PAGES_PER_RECORD {
                return Err(format!(
                    "it has more than {MAX_PAGES_PER_RECORD} pages; enclose the pages that document the request"
                ));
            }
            content += page_content(&dict, MAX_CONTENT_BYTES - content)?;
        }
    }
    if pages == 0 {
        return Err("it has no pages".into());
    }
    Ok(pages)
}

/// The decoded size of a page's content streams, refusing more than `left` bytes.
fn page_content(page: &Dict<'_>, left: u64) -> Result<u64, String> {
    let streams: Vec<Stream<'_>> = match page.get::<Object<'_>>(b"Contents") {
        Some(Object::Stream(s)) => vec![s],
        Some(Object::Array(a)) => a.iter::<Stream<'_>>().collect(),
        _ => Vec::new(),
    };
    let mut total = 0u64;
    for stream in streams {
        total += decoded_size(&stream, left - total.min(left))?;
        if total > left {
            return Err(format!(
                "its pages' content decodes to more than {} MiB; print it to PDF again",
                MAX_CONTENT_BYTES >> 20
            ));
        }
    }
    Ok(total)
}

/// A stream's decoded size, decoding at most `left + 1` bytes: Flate (the compression a bomb
/// uses) is inflated here within the limit; a stream without filters is its own size.
fn decoded_size(stream: &Stream<'_>, left: u64) -> Result<u64, String> {
    let raw = stream.raw_data();
    let filters = stream.filters();
    match filters.as_slice() {
        [] => Ok(raw.len() as u64),
        [Filter::FlateDecode] => {
            let mut sink = std::io::sink();
            let inflated = flate2::read::ZlibDecoder::new(&raw[..]).take(left + 1);
            // A damaged stream counts what inflated before the damage, as viewers show it.
            Ok(std::io::copy(&mut { inflated }, &mut sink).unwrap_or(0))
        }
        // Other filters are rare in page content; their expansion is bounded by the raw size times
        // a small factor for the encodings (hex, base-85) and by the decoder for the rest.
        _ if raw.len() as u64 <= left / 256 => {
            stream.decoded().map(|d| d.len() as u64).map_err(|_| "its page content cannot be decoded".to_string())
        }
        _ => {
            Err("its page content uses a compression authpack does not place at this size; print it to PDF again"
                .into())
        }
    }
}

/// Checks an image's header dimensions, then decodes it once within a memory limit.
fn image(bytes: &[u8]) -> Result<(), String> {
    let reader = || {
        image::ImageReader::new(std::io::Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|_| "it is damaged or not an image".to_string())
    };
    let (width, height) = reader()?.into_dimensions().map_err(|_| "it is damaged or not an image".to_string())?;
    if width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE || u64::from(width) * u64::from(height) > MAX_IMAGE_PIXELS {
        return Err(format!(
            "it is {width} by {height} pixels, over the {MAX_IMAGE_SIDE} a side and {} megapixels placed; scan it at 300 dpi",
            MAX_IMAGE_PIXELS / 1_000_000
        ));
    }
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    // Four bytes a pixel, with room for the decoder's own buffers.
    limits.max_alloc = Some(MAX_IMAGE_PIXELS * 4 + (16 << 20));
    let mut decoder = reader()?;
    decoder.limits(limits);
    decoder.decode().map(drop).map_err(|_| "it is damaged: the image does not decode".to_string())
}
