//! The interview's response to one field change on a full intake: `authpack
//! serve` (the binary) on a copy of the IV ketamine appeal sample, `/live` posted
//! 200 times over loopback with one field changed each time; the server applies
//! it, reads the whole intake as `check` does (no PDFs) and renders the reading.
//! Prints the median and 95th percentile. Run: cargo bench --bench serve

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn request(port: u16, head: &str, body: &[u8]) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut r =
        format!("{head}\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len())
            .into_bytes();
    r.extend_from_slice(body);
    s.write_all(&r).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, text)
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/ketamine-iv-appeal");
    let copy = Command::new("cp").arg("-r").arg(format!("{sample}/.")).arg(dir.path()).status().unwrap();
    assert!(copy.success());
    let mut child = Command::new(env!("CARGO_BIN_EXE_authpack"))
        .args(["serve", dir.path().to_str().unwrap(), "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut url = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut url).unwrap();
    let port: u16 = url.trim()["http://127.0.0.1:".len()..].split('/').next().unwrap().parse().unwrap();
    let token = url.trim().split("token=").nth(1).unwrap().to_string();
    let (_, entered) = request(port, &format!("GET /?token={token} HTTP/1.1"), b"");
    let cookie = entered.split("set-cookie: ").nth(1).unwrap().split(';').next().unwrap().to_string();
    let (_, page) = request(port, &format!("GET /interview HTTP/1.1\r\nCookie: {cookie}"), b"");
    let csrf = page.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let mut times = Vec::new();
    for i in 0..220 {
        let body = format!("csrf={csrf}&seen=patient.phone&patient.phone=303-555-{:04}", i % 10_000);
        let head =
            format!("POST /live HTTP/1.1\r\nCookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded");
        let start = Instant::now();
        let (status, text) = request(port, &head, body.as_bytes());
        let took = start.elapsed();
        assert_eq!(status, 200, "{text}");
        assert!(text.contains("\"panel\""));
        if i >= 20 {
            times.push(took);
        }
    }
    times.sort();
    let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "serve /live, one field changed on the ketamine-iv-appeal sample, {} requests: median {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        times.len(),
        ms(at(0.5)),
        ms(at(0.95)),
        ms(*times.last().unwrap())
    );
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let _ = child.wait();
}
