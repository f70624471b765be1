//! Any bytes as a packet for `verify`: a zip, its manifest, its entries. Nothing
//! may panic or hang; whatever does not match is a verdict, not a crash.

#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = authpack::package::verify_packet(Cursor::new(data), None);
    let _ = authpack::package::verify_packet(Cursor::new(data), Some("password"));
});
