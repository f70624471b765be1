//! Any bytes as an enclosed record: typed by its bytes, then read as check reads it
//! (a PDF's page tree and page content, an image's header and a bounded decode).
//! Nothing may panic, hang or grow past the budgets, whatever the input.

#![no_main]

use authpack::check::Media;
use authpack::check::content::pages;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let media = Media::sniff(data);
    let _ = pages(media, data);
    // The same bytes under every claimed type: a mislabelled record must fail cleanly too.
    for media in [Media::Pdf, Media::Png, Media::Jpeg] {
        let _ = pages(media, data);
    }
});
