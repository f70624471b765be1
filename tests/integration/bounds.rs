//! Bounds: hostile inputs fail cleanly (exit 1 naming the field, nothing written), and a record
//! cannot be swapped for another file between being checked and being enclosed.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::harness::{authpack, root};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

/// The entry's bytes in a zip.
fn entry(zip: &Path, name: &str) -> Vec<u8> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::fs::File::open(zip).unwrap()).unwrap();
    let mut out = Vec::new();
    zip.by_name(name).unwrap().read_to_end(&mut out).unwrap();
    out
}

#[test]
fn a_records_folder_swapped_for_a_link_while_building_never_encloses_the_outside_file() {
    let base = root().join("tests/cases/base/ma-appeal");
    let tmp = tempfile::tempdir().unwrap();
    let (intake, outside, out) = (tmp.path().join("intake"), tmp.path().join("outside"), tmp.path().join("out"));
    copy_dir(&base.join("records"), &intake.join("records"));
    std::fs::copy(base.join("intake.yaml"), intake.join("intake.yaml")).unwrap();
    std::fs::create_dir_all(&out).unwrap();
    // Outside the intake's folder: a different, equally valid PDF under the record's name.
    std::fs::create_dir_all(outside.join("records")).unwrap();
    let name = "denial-notice-2026-11-02.pdf";
    std::fs::copy(base.join("records/progress-note-2026-11-12.pdf"), outside.join("records").join(name)).unwrap();
    let inside_bytes = std::fs::read(intake.join("records").join(name)).unwrap();
    let outside_bytes = std::fs::read(outside.join("records").join(name)).unwrap();
    assert_ne!(inside_bytes, outside_bytes);

    let stop = Arc::new(AtomicBool::new(false));
    let swapper = {
        let (stop, intake) = (stop.clone(), intake.clone());
        std::thread::spawn(move || {
            let (records, hold) = (intake.join("records"), intake.join("records.real"));
            let mut swaps = 0u32;
            while !stop.load(Ordering::Relaxed) {
                std::fs::rename(&records, &hold).unwrap();
                std::os::unix::fs::symlink("../outside/records", &records).unwrap();
                std::thread::yield_now();
                std::fs::remove_file(&records).unwrap();
                std::fs::rename(&hold, &records).unwrap();
                swaps += 1;
            }
            swaps
        })
    };
    let (mut built, mut refused) = (0, 0);
    for _ in 0..40 {
        let result = authpack(
            &intake,
            &["build", "intake.yaml", "--format", "md", "--force", "-o", out.join("p.zip").to_str().unwrap()],
        );
        let stderr = String::from_utf8_lossy(&result.stderr);
        match result.status.code() {
            Some(0) => {
                built += 1;
                let enclosed = entry(&out.join("p.zip"), &format!("attachments/01-{name}"));
                assert!(enclosed != outside_bytes, "the outside file was enclosed");
                assert!(enclosed == inside_bytes, "the enclosed record is the intake's own");
            }
            Some(1) => {
                refused += 1;
                assert!(stderr.contains("attachments[0].file") || stderr.contains("attachments[1].file"), "{stderr}");
            }
            other => panic!("exit {other:?}: {stderr}"),
        }
    }
    stop.store(true, Ordering::Relaxed);
    let swaps = swapper.join().unwrap();
    assert!(swaps > 0);
    eprintln!("{built} built with the intake's own record, {refused} refused, {swaps} swaps");
}

/// Builds the sample with a template folder whose cover sheet is `cover`; (exit code, stderr).
fn build_with_cover(cover: &str, extra: &[(&str, &str)]) -> (Option<i32>, String, bool) {
    let tmp = tempfile::tempdir().unwrap();
    let templates = tmp.path().join("tpl");
    std::fs::create_dir_all(templates.join("documents")).unwrap();
    std::fs::write(templates.join("documents/cover-sheet.md"), cover).unwrap();
    for (name, text) in extra {
        std::fs::write(templates.join("documents").join(name), text).unwrap();
    }
    let intake = root().join("samples/esketamine-trd-initial/intake.yaml");
    let out = tmp.path().join("p.zip");
    let result = authpack(
        tmp.path(),
        &[
            "build",
            intake.to_str().unwrap(),
            "--format",
            "md",
            "--templates",
            templates.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
    );
    (result.status.code(), String::from_utf8_lossy(&result.stderr).into_owned(), out.exists())
}

#[test]
fn templates_that_recurse_read_the_environment_or_loop_without_end_are_refused_with_their_name() {
    // Before: a stack overflow aborted the whole process (exit 134), and get_env read any variable.
    let (code, err, written) = build_with_cover("{% include \"cover-sheet.md\" %}", &[]);
    assert_eq!((code, written), (Some(2), false), "{err}");
    assert!(err.contains("template cover-sheet.md: 'cover-sheet.md', which includes 'cover-sheet.md'"), "{err}");

    let down = "{% macro down(n) %}{{ self::down(n=n) }}{% endmacro down %}";
    let (code, err, written) =
        build_with_cover("{% import \"deep.md\" as d %}{{ d::down(n=1) }}", &[("deep.md", down)]);
    assert_eq!((code, written), (Some(2), false), "{err}");
    assert!(err.contains("macro 'down' of 'deep.md', which calls macro 'down' of 'deep.md'"), "{err}");

    let (code, err, written) = build_with_cover("{{ get_env(name=\"HOME\") }}", &[]);
    assert_eq!((code, written), (Some(2), false), "{err}");
    assert!(err.contains("get_env is not available") && !err.contains("/root"), "{err}");

    let (code, err, written) = build_with_cover("{% for i in range(end=100000000) %}x{% endfor %}", &[]);
    assert_eq!((code, written), (Some(2), false), "{err}");
    assert!(err.contains("more than the 1000 a template may loop over"), "{err}");

    let (code, err, written) = build_with_cover("{% for i in range(end=3) %}{{ i }}{% endfor %}", &[]);
    assert_eq!((code, written), (Some(0), true), "a short range still works: {err}");
}

#[test]
fn a_packet_never_replaces_a_record_or_a_template_and_eject_never_writes_through_a_link() {
    let base = root().join("tests/cases/base/ma-appeal");
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&base.join("records"), &tmp.path().join("records"));
    std::fs::copy(base.join("intake.yaml"), tmp.path().join("intake.yaml")).unwrap();
    let record = tmp.path().join("records/progress-note-2026-11-12.pdf");
    let before = std::fs::read(&record).unwrap();
    let out = authpack(
        tmp.path(),
        &["build", "intake.yaml", "--format", "md", "--force", "-o", "records/progress-note-2026-11-12.pdf"],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("is the record records/progress-note-2026-11-12.pdf of the intake"), "{err}");
    assert_eq!(std::fs::read(&record).unwrap(), before, "the record is untouched");

    let eject = authpack(tmp.path(), &["templates", "eject", "tpl"]);
    assert_eq!(eject.status.code(), Some(0), "{}", String::from_utf8_lossy(&eject.stderr));
    let layout = tmp.path().join("tpl/layout.typ");
    let before = std::fs::read(&layout).unwrap();
    let out = authpack(
        tmp.path(),
        &["build", "intake.yaml", "--format", "md", "--templates", "tpl", "--force", "-o", "tpl/layout.typ"],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("is a template, font or policy file this build reads"), "{err}");
    assert_eq!(std::fs::read(&layout).unwrap(), before, "the layout is untouched");

    // Eject refuses a folder that is a link, before creating anything through it.
    let outside = tmp.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::create_dir_all(tmp.path().join("tpl2")).unwrap();
    std::os::unix::fs::symlink(&outside, tmp.path().join("tpl2/documents")).unwrap();
    let out = authpack(tmp.path(), &["templates", "eject", "tpl2", "--force"]);
    assert_ne!(out.status.code(), Some(0));
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0, "nothing written through the link");
}

/// A PDF from its objects' bodies (object 1 the catalog), with a correct cross-reference table.
fn pdf(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes(),
    );
    out
}

fn page(parent: usize, contents: Option<usize>) -> Vec<u8> {
    let contents = contents.map(|c| format!(" /Contents {c} 0 R")).unwrap_or_default();
    format!("<< /Type /Page /Parent {parent} 0 R /MediaBox [0 0 612 792]{contents} >>").into_bytes()
}

fn deflated(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(bytes).unwrap();
    z.finish().unwrap()
}

/// A PNG of the given size whose pixel data is `idat` (zlib bytes).
fn png(width: u32, height: u32, idat: &[u8]) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let ihdr = [&width.to_be_bytes()[..], &height.to_be_bytes(), &[8, 0, 0, 0, 0]].concat();
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", idat);
    chunk(&mut out, b"IEND", b"");
    out
}

/// Checks the appeal base with its second record replaced by `bytes` named `name`: (exit, stderr).
fn check_with_record(name: &str, bytes: &[u8], format: &str) -> (Option<i32>, String, std::time::Duration) {
    let base = root().join("tests/cases/base/ma-appeal");
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&base.join("records"), &tmp.path().join("records"));
    let text = std::fs::read_to_string(base.join("intake.yaml")).unwrap();
    let text = text.replacen("records/progress-note-2026-11-12.pdf", &format!("records/{name}"), 1);
    std::fs::write(tmp.path().join("intake.yaml"), text).unwrap();
    std::fs::write(tmp.path().join("records").join(name), bytes).unwrap();
    let started = std::time::Instant::now();
    let out = authpack(tmp.path(), &["build", "intake.yaml", "--format", format, "-o", "p.zip"]);
    let took = started.elapsed();
    assert!(!tmp.path().join("p.zip").exists() || out.status.success(), "nothing written on refusal");
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned(), took)
}

#[test]
fn hostile_records_are_refused_naming_the_attachment_in_every_format() {
    let catalog = b"<< /Type /Catalog /Pages 2 0 R >>".to_vec();
    // A page tree whose root lists itself among its kids.
    let cyclic = pdf(&[catalog.clone(), b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>".to_vec(), page(2, None)]);
    // 301 pages, each a few bytes.
    let many = {
        let kids: Vec<String> = (0..301).map(|i| format!("{} 0 R", i + 3)).collect();
        let mut objects =
            vec![catalog.clone(), format!("<< /Type /Pages /Kids [{}] /Count 301 >>", kids.join(" ")).into_bytes()];
        objects.extend((0..301).map(|_| page(2, None)));
        pdf(&objects)
    };
    // One page whose content inflates from about 70 KB to 72 MiB.
    let bomb = {
        let packed = deflated(&vec![b' '; 72 << 20]);
        let mut stream = format!("<< /Length {} /Filter /FlateDecode >>\nstream\n", packed.len()).into_bytes();
        stream.extend_from_slice(&packed);
        stream.extend_from_slice(b"\nendstream");
        pdf(&[catalog.clone(), b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(), page(2, Some(4)), stream])
    };
    assert!(bomb.len() < 200_000, "{}", bomb.len());
    // A PNG whose header claims 20,000 by 20,000 pixels, and one whose pixel data is damaged.
    let wide = png(20_000, 20_000, &deflated(&[0; 1024]));
    let damaged = png(64, 64, b"\x78\x9c this is not deflate data");
    for format in ["pdf", "md"] {
        for (name, bytes, says) in [
            ("cyclic.pdf", &cyclic, "cyclic or shared"),
            ("many.pdf", &many, "more than 300 pages"),
            ("bomb.pdf", &bomb, "decodes to more than 64 MiB"),
            ("wide.png", &wide, "20000 by 20000 pixels"),
            ("damaged.png", &damaged, "the image does not decode"),
        ] {
            let (code, err, took) = check_with_record(name, bytes, format);
            assert_eq!(code, Some(1), "{name} ({format}): {err}");
            assert!(err.contains("attachments[1].file") && err.contains(says), "{name} ({format}): {err}");
            assert!(!err.contains("fax PDF"), "worded for every format: {err}");
            eprintln!("{name} ({format}): refused in {} ms", took.as_millis());
        }
    }
    // The same shapes within the budgets are placed: 300 pages build.
    let fine = {
        let kids: Vec<String> = (0..300).map(|i| format!("{} 0 R", i + 3)).collect();
        let mut objects =
            vec![catalog, format!("<< /Type /Pages /Kids [{}] /Count 300 >>", kids.join(" ")).into_bytes()];
        objects.extend((0..300).map(|_| page(2, None)));
        pdf(&objects)
    };
    let (code, err, _) = check_with_record("fine.pdf", &fine, "md");
    assert_eq!(code, Some(0), "{err}");
}

/// Checks the appeal base with `edit` applied to its text: (exit, stderr, time).
fn check_edited(edit: impl Fn(String) -> String) -> (Option<i32>, String, std::time::Duration) {
    let base = root().join("tests/cases/base/ma-appeal");
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&base.join("records"), &tmp.path().join("records"));
    let text = edit(std::fs::read_to_string(base.join("intake.yaml")).unwrap());
    std::fs::write(tmp.path().join("intake.yaml"), text).unwrap();
    let started = std::time::Instant::now();
    let out = authpack(tmp.path(), &["build", "intake.yaml", "--format", "md", "-o", "p.zip"]);
    let took = started.elapsed();
    if !out.status.success() {
        assert!(!tmp.path().join("p.zip").exists(), "nothing written on refusal");
    }
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned(), took)
}

#[test]
fn intakes_past_a_budget_are_refused_naming_the_field_before_any_record_is_opened() {
    let call = "  - at: 2026-11-09T09:40\n    with: Tamsin (provider services)\n    summary: Called.\n";
    let record = "  - file: records/denial-notice-2026-11-02.pdf\n    title: Notice\n";
    type Edit = Box<dyn Fn(String) -> String>;
    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "3,000 calls",
            Box::new(|t| t.replacen("calls:\n", &format!("calls:\n{}", call.repeat(3_000)), 1)),
            "calls: holds 3002 entries, over the 200 it may",
        ),
        (
            "101 records",
            Box::new(|t| t.replacen("attachments:\n", &format!("attachments:\n{}", record.repeat(99)), 1)),
            "attachments: holds 101 records, over the 100 it may",
        ),
        (
            "a 25,000-character summary",
            Box::new(|t| {
                t.replacen("clinical_summary: |\n", &format!("clinical_summary: |\n  {}\n", "word ".repeat(5_000)), 1)
            }),
            "clinical_summary: holds",
        ),
        (
            "210,000 characters in all",
            Box::new(|t| {
                let long = format!("    summary: {}\n", "x".repeat(19_000));
                let calls = format!("  - at: 2026-11-09T09:40\n    with: T\n{long}").repeat(11);
                t.replacen("calls:\n", &format!("calls:\n{calls}"), 1)
            }),
            "characters of text, over the 200000 it may",
        ),
    ];
    for (what, edit, says) in cases {
        let (code, err, took) = check_edited(edit);
        assert_eq!(code, Some(1), "{what}: {err}");
        assert!(err.contains(says), "{what}: {err}");
        eprintln!("{what}: refused in {} ms", took.as_millis());
    }
}

#[test]
fn a_charge_over_the_most_one_amount_may_be_is_refused_naming_it() {
    let sample = root().join("samples/esketamine-continuation");
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&sample.join("records"), &tmp.path().join("records"));
    let text =
        std::fs::read_to_string(sample.join("intake.yaml")).unwrap().replacen("charge: 950.00", "charge: 1e308", 1);
    std::fs::write(tmp.path().join("intake.yaml"), text).unwrap();
    let out = authpack(tmp.path(), &["check", "intake.yaml"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("sessions[0].charge: is over $1,000,000.00, the most one amount may be"), "{err}");
}

/// Runs the binary and returns its exit code, stderr and peak resident memory in bytes, read from the
/// kernel's accounting of the child (`wait4`).
#[allow(clippy::zombie_processes, reason = "the child is reaped by wait4, which also reports its peak memory")]
fn peak_memory(dir: &Path, args: &[&str]) -> (Option<i32>, String, u64) {
    use std::os::unix::process::ExitStatusExt;
    let mut child = std::process::Command::new(crate::harness::binary())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    let (mut status, mut usage) = (0, unsafe { std::mem::zeroed::<libc::rusage>() });
    // SAFETY: the pid is our own unwaited child; status and usage are valid for writes.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as libc::pid_t);
    let code = std::process::ExitStatus::from_raw(status).code();
    (code, stderr, usage.ru_maxrss as u64 * 1024)
}

#[test]
fn the_largest_accepted_intake_builds_within_300_mb() {
    let base = root().join("tests/cases/base/ma-appeal");
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&base.join("records"), &tmp.path().join("records"));
    // A record just under the fax's per-record limit: one page whose content is 9 MiB.
    let content = vec![b' '; 9 << 20];
    let mut stream = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
    stream.extend_from_slice(&content);
    stream.extend_from_slice(b"\nendstream");
    let big = pdf(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        page(2, Some(4)),
        stream,
    ]);
    std::fs::write(tmp.path().join("records/large.pdf"), &big).unwrap();
    // The budgets' maximum: 100 records (98 of them the large one), 200 calls, 200,000 characters of text.
    let text = std::fs::read_to_string(base.join("intake.yaml")).unwrap();
    let record = "  - file: records/large.pdf\n    title: Scanned chart\n";
    let summary = "Called the plan about the request and was told to wait. ".repeat(16);
    let call = format!("  - at: 2026-11-09T09:40\n    with: Provider services\n    summary: {summary}\n");
    let text = text.replacen("attachments:\n", &format!("attachments:\n{}", record.repeat(98)), 1).replacen(
        "calls:\n",
        &format!("calls:\n{}", call.repeat(198)),
        1,
    );
    std::fs::write(tmp.path().join("intake.yaml"), &text).unwrap();
    let (code, err, peak) = peak_memory(tmp.path(), &["build", "intake.yaml", "-o", "p.zip"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("the records before it fill the fax"), "records past the fax budget are named: {err}");
    // The plan's cover sheet and the patient's sheet say which records travel apart, and nothing more.
    let text = |name: &str| String::from_utf8(entry(&tmp.path().join("p.zip"), name)).unwrap();
    let cover = text("cover-sheet.md");
    assert!(cover.contains("Enclosure: Scanned chart (sent separately)"), "{cover}");
    assert!(!cover.contains("too large"), "{cover}");
    let steps = text("next-steps.md");
    assert!(steps.contains("- Scanned chart (not in the fax: send it by the plan's portal or by mail)"), "{steps}");
    assert!(!steps.contains("too large"), "{steps}");
    let worksheet = text("preparation-worksheet.md");
    assert!(worksheet.contains("Scanned chart (not in the fax: send it separately)."), "{worksheet}");
    eprintln!("peak resident memory: {} MB", peak / 1_000_000);
    assert!(peak < 300_000_000, "peak resident memory {} MB", peak / 1_000_000);
}

#[test]
fn records_past_the_fax_page_budget_are_not_held_in_memory() {
    // 300 pages and 9 MiB each: the second already passes the 500 fax pages. Each one held in memory
    // would make 900 MB; the byte budget counts every record held, placed or not.
    let base = root().join("tests/cases/base/ma-appeal");
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&base.join("records"), &tmp.path().join("records"));
    let kids: Vec<String> = (0..300).map(|i| format!("{} 0 R", i + 4)).collect();
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!("<< /Type /Pages /Kids [{}] /Count 300 >>", kids.join(" ")).into_bytes(),
        [format!("<< /Length {} >>\nstream\n", 9 << 20).into_bytes(), vec![b' '; 9 << 20], b"\nendstream".to_vec()]
            .concat(),
    ];
    objects.extend((0..300).map(|_| page(2, None)));
    std::fs::write(tmp.path().join("records/long.pdf"), pdf(&objects)).unwrap();
    let text = std::fs::read_to_string(base.join("intake.yaml")).unwrap();
    let record = "  - file: records/long.pdf\n    title: Chart\n";
    std::fs::write(
        tmp.path().join("intake.yaml"),
        text.replacen("attachments:\n", &format!("attachments:\n{}", record.repeat(98)), 1),
    )
    .unwrap();
    let (code, err, peak) = peak_memory(tmp.path(), &["build", "intake.yaml", "--format", "md", "-o", "p.zip"]);
    assert_eq!(code, Some(0), "{err}");
    eprintln!("peak resident memory: {} MB", peak / 1_000_000);
    assert!(peak < 300_000_000, "peak resident memory {} MB", peak / 1_000_000);
}
