//! What the interview's tests drive: the `authpack serve` process users run,
//! plain HTTP over a socket (every header under the test's control, for the
//! hostile requests), and Chromium through ChromeDriver's W3C WebDriver API.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

use crate::harness::binary;

/// One response: status, headers (names lower-cased) and body.
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends `head` (request line and headers, without the blank line) and `body`
/// to 127.0.0.1:`port`, and reads the whole response.
pub fn http(port: u16, head: &str, body: &[u8]) -> Response {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("the server listens");
    stream.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    let mut request = format!("{head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len()).into_bytes();
    request.extend_from_slice(body);
    // A server may answer and close before reading an oversized body: a failed write is not a failed test.
    let _ = stream.write_all(&request);
    // Read to the end of the body its length announces (ChromeDriver keeps connections open), else to EOF.
    let mut raw = Vec::new();
    let mut buf = [0u8; 64 * 1024];
    loop {
        if let Some(split) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok());
            if length.is_some_and(|n| raw.len() >= split + 4 + n) {
                break;
            }
            if head.contains("transfer-encoding: chunked") && raw.ends_with(b"0\r\n\r\n") {
                break;
            }
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
        }
    }
    parse(&raw)
}

fn parse(raw: &[u8]) -> Response {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or_else(|| {
        panic!("no response head in {:?}", String::from_utf8_lossy(raw));
    });
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).expect("a status");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers.iter().any(|(k, v)| k == "transfer-encoding" && v.contains("chunked")) {
        body = unchunk(&body);
    }
    Response { status, headers, body }
}

fn unchunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&data[..end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&data[end + 2..end + 2 + size]);
        data = &data[end + 2 + size + 2..];
    }
    out
}

/// `authpack serve DIR --port 0`, stopped with Ctrl-C (SIGINT) when dropped.
pub struct Server {
    child: Child,
    pub url: String,
    pub port: u16,
    pub token: String,
}

impl Server {
    pub fn start(dir: &Path) -> Server {
        let mut child = Command::new(binary())
            .arg("serve")
            .arg(dir)
            .args(["--port", "0"])
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("authpack serve starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url = line.trim().to_string();
        assert!(url.starts_with("http://127.0.0.1:"), "serve prints its URL first, got {url:?}");
        let port = url["http://127.0.0.1:".len()..].split('/').next().unwrap().parse().unwrap();
        let token = url.split("token=").nth(1).expect("the URL carries the token").to_string();
        assert_eq!(token.len(), 64, "32 random bytes in hex");
        Server { child, url, port, token }
    }

    /// The session cookie and the page's CSRF token, as a browser gets them.
    pub fn enter(&self) -> (String, String) {
        let r = http(self.port, &format!("GET /?token={} HTTP/1.1\r\nHost: 127.0.0.1:{}", self.token, self.port), b"");
        assert_eq!(r.status, 303);
        let cookie = r.header("set-cookie").expect("a cookie").to_string();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
        let cookie = cookie.split(';').next().unwrap().to_string();
        let page = http(
            self.port,
            &format!("GET /interview HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nCookie: {cookie}", self.port),
            b"",
        );
        assert_eq!(page.status, 200);
        let text = page.text();
        let csrf = text.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
        (cookie, csrf)
    }

    /// Stops the server as Ctrl-C does and returns what it logged on standard error.
    pub fn stop(mut self) -> String {
        self.interrupt()
    }

    fn interrupt(&mut self) -> String {
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGINT);
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                assert!(status.success(), "serve exits cleanly on Ctrl-C: {status}");
                let mut log = String::new();
                if let Some(mut e) = self.child.stderr.take() {
                    let _ = e.read_to_string(&mut log);
                }
                return log;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        panic!("serve did not stop on Ctrl-C");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Chromium, headless, driven by ChromeDriver.
pub struct Browser {
    driver: Child,
    port: u16,
    session: String,
}

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A WebDriver reference to an element, as a script argument.
fn element(id: &str) -> Value {
    let mut m = serde_json::Map::new();
    m.insert(ELEMENT.to_string(), Value::from(id));
    Value::Object(m)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Browser {
    pub fn start() -> Browser {
        let driver_path = Path::new("/usr/bin/chromedriver");
        assert!(
            driver_path.exists() && Path::new("/usr/bin/chromium").exists(),
            "the interview's browser tests need Debian's chromium and chromium-driver (.ci/run installs them)"
        );
        let port = free_port();
        let driver = Command::new(driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver listens");
            std::thread::sleep(Duration::from_millis(50));
        }
        let mut b = Browser { driver, port, session: String::new() };
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1700", "--lang=en-US"],
            },
        } } });
        let v = b.call("POST", "/session", Some(caps));
        b.session = v["sessionId"].as_str().expect("a session").to_string();
        b
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let path = if path == "/session" { path.to_string() } else { format!("/session/{}{path}", self.session) };
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json; charset=utf-8",
            self.port
        );
        let r = http(self.port, &head, body.as_bytes());
        let v: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
        assert!(r.status < 300, "WebDriver {method} {path}: {} {}", r.status, v["value"]["message"]);
        v["value"].clone()
    }

    pub fn goto(&self, url: &str) {
        self.call("POST", "/url", Some(json!({ "url": url })));
    }

    fn find(&self, css: &str) -> String {
        // Long enough for a debug build's PDFs after "build" is clicked.
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let head = format!(
                "POST /session/{}/element HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json",
                self.session, self.port
            );
            let r = http(self.port, &head, json!({ "using": "css selector", "value": css }).to_string().as_bytes());
            let v: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
            if let Some(id) = v["value"][ELEMENT].as_str() {
                return id.to_string();
            }
            assert!(Instant::now() < deadline, "no element {css}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Types into a field, as a user does (the field emptied first).
    pub fn fill(&self, css: &str, text: &str) {
        let id = self.find(css);
        self.call("POST", &format!("/element/{id}/clear"), Some(json!({})));
        self.call("POST", &format!("/element/{id}/value"), Some(json!({ "text": text })));
    }

    /// Picks an option of a select by its value, by clicking it.
    pub fn choose(&self, select: &str, value: &str) {
        self.click(&format!("{select} option[value=\"{value}\"]"));
    }

    /// Clicks an element once it is scrolled to the middle of the window (as a
    /// user scrolls to it: the sticky bar of buttons never covers it there).
    pub fn click(&self, css: &str) {
        let id = self.find(css);
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({ "script": "arguments[0].scrollIntoView({block: 'center'})", "args": [element(&id)] })),
        );
        self.call("POST", &format!("/element/{id}/click"), Some(json!({})));
    }

    pub fn text(&self, css: &str) -> String {
        let id = self.find(css);
        self.call("GET", &format!("/element/{id}/text"), None).as_str().unwrap_or("").to_string()
    }

    pub fn script(&self, js: &str) -> Value {
        self.call("POST", "/execute/sync", Some(json!({ "script": js, "args": [] })))
    }

    /// Waits until `js` returns true.
    pub fn wait(&self, what: &str, js: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.script(js) != Value::Bool(true) {
            assert!(Instant::now() < deadline, "waited 20 s for {what}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits for the live reading to answer the change just made.
    pub fn settle(&self, before: u64) {
        self.wait("the live reading", &format!("return Number(document.body.dataset.live || '0') > {before}"));
    }

    pub fn live_count(&self) -> u64 {
        self.script("return Number(document.body.dataset.live || '0')").as_u64().unwrap_or(0)
    }

    /// A screenshot of the page, written as PNG.
    pub fn screenshot(&self, to: &Path) {
        let data = self.call("GET", "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD.decode(data.as_str().unwrap()).unwrap();
        assert!(png.starts_with(b"\x89PNG"));
        std::fs::write(to, png).unwrap();
    }

    pub fn fills(&self, fields: &[(&str, &str)]) {
        for (name, value) in fields {
            self.fill(&format!("[name=\"{name}\"]"), value);
        }
    }

    pub fn chooses(&self, fields: &[(&str, &str)]) {
        for (name, value) in fields {
            self.choose(&format!("select[name=\"{name}\"]"), value);
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let head = format!("DELETE /session/{} HTTP/1.1\r\nHost: 127.0.0.1:{}", self.session, self.port);
            let _ = std::panic::catch_unwind(|| http(self.port, &head, b""));
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Where screenshots go: `AUTHPACK_SCREENSHOTS` when set, else a folder the test owns.
pub fn shots(fallback: &Path) -> PathBuf {
    std::env::var_os("AUTHPACK_SCREENSHOTS").map(PathBuf::from).unwrap_or_else(|| fallback.to_path_buf())
}
