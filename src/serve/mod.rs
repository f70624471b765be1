//! `authpack serve`: the guided interview, a local web server for one folder.
//!
//! Loopback only, one random token per run (in the printed URL, then an
//! HttpOnly same-site cookie), the Host header checked against the loopback
//! address (no DNS rebinding), a CSRF token on every change, a strict
//! Content-Security-Policy, size limits on requests and uploads, and nothing
//! logged but method, path and status. Every file is written owner-only and
//! atomically inside the folder; Ctrl-C stops the server after the request in
//! hand, so no file is left half-written.

mod assets;
pub mod form;
mod guard;
pub mod page;
pub mod session;

use std::io::Read as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Multipart, Path as UrlPath, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::pack::Pack;
use crate::pdf::Typesetter;
use crate::{Settings, files};

use page::{Page, Path};
use session::Session;

/// The largest form a page posts (a full intake is a few KB).
pub const MAX_FORM_BYTES: usize = 1024 * 1024;
/// The largest record an upload takes.
pub const MAX_UPLOAD_BYTES: usize = 20 * 1024 * 1024;

/// What the server needs: the folder and how to read and build.
pub struct Options {
    /// The folder holding (or to hold) `intake.yaml`, `records/` and the packet.
    pub dir: PathBuf,
    /// The port; 0 takes a free one.
    pub port: u16,
    /// Whether to open the default browser at the URL.
    pub open: bool,
}

/// The server's state.
pub(crate) struct App {
    token: String,
    csrf: String,
    port: u16,
    pack: Pack,
    typesetter: Option<Typesetter>,
    session: Mutex<Session>,
}

impl App {
    /// The reading's settings (no PDFs), or the build's (PDFs, and the PAS bundle when asked).
    fn settings(&self, build: Option<bool>) -> Settings<'_> {
        Settings {
            pack: &self.pack,
            policy: None,
            typesetter: if build.is_some() { self.typesetter.as_ref() } else { None },
            markdown: true,
            redact: false,
            fhir: build == Some(true),
        }
    }

    fn session(&self) -> std::sync::MutexGuard<'_, Session> {
        self.session.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A random token of 32 bytes, as hex.
fn token() -> std::io::Result<String> {
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(crate::package::hex(&bytes))
}

/// Runs the server until Ctrl-C; `ready` gets the URL once it listens.
pub fn run(
    options: Options,
    pack: Pack,
    typesetter: Option<Typesetter>,
    ready: impl FnOnce(&str),
) -> Result<(), String> {
    let dir = options.dir;
    if !dir.is_dir() {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .map_err(|e| format!("{}: cannot make the folder: {e}", dir.display()))?;
    }
    let session = Session::open(&dir)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, options.port)))
            .await
            .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", options.port))?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        let app = Arc::new(App {
            token: token().map_err(|e| e.to_string())?,
            csrf: token().map_err(|e| e.to_string())?,
            port,
            pack,
            typesetter,
            session: Mutex::new(session),
        });
        let url = format!("http://127.0.0.1:{port}/?token={}", app.token);
        ready(&url);
        if options.open {
            let _ = std::process::Command::new("xdg-open")
                .arg(&url)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn();
        }
        axum::serve(listener, router(app))
            .with_graceful_shutdown(async {
                use tokio::signal::unix::{SignalKind, signal};
                let (Ok(mut term), Ok(mut hangup)) = (signal(SignalKind::terminate()), signal(SignalKind::hangup()))
                else {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                };
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                    _ = hangup.recv() => {}
                }
            })
            .await
            .map_err(|e| e.to_string())
    })
}

/// Every route, behind the guard.
pub(crate) fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(enter))
        .route("/interview", get(interview).post(answer))
        .route("/live", post(live))
        .route("/upload", post(upload).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES + 64 * 1024)))
        .route("/preview/{name}", get(preview))
        .route("/download/{name}", get(download))
        .route("/static/{name}", get(assets::serve))
        .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
        .layer(axum::middleware::from_fn_with_state(app.clone(), guard::check))
        .with_state(app)
}

#[derive(serde::Deserialize)]
struct PathQuery {
    path: Option<String>,
}

/// `/?token=…`: the token becomes the cookie, then the interview.
async fn enter(State(app): State<Arc<App>>) -> Response {
    let cookie = format!("{}={}; HttpOnly; SameSite=Strict; Path=/", guard::cookie_name(app.port), app.token);
    let mut response = Redirect::to("/interview").into_response();
    response.headers_mut().insert(header::SET_COOKIE, HeaderValue::from_str(&cookie).expect("hex"));
    response
}

fn render(app: &App, session: &Session, path: Path, notice: Option<String>) -> Html<String> {
    let (live, documents) = session.read(&app.settings(None));
    Html(Page { session, live: &live, documents: &documents, path, csrf: &app.csrf, notice }.html())
}

async fn interview(State(app): State<Arc<App>>, Query(q): Query<PathQuery>) -> Html<String> {
    let session = app.session();
    render(&app, &session, Path::from_query(q.path.as_deref()), None)
}

/// The CSRF token a form carries, compared in constant time.
fn csrf_ok(app: &App, pairs: &[(String, String)]) -> bool {
    pairs.iter().find(|(k, _)| k == "csrf").is_some_and(|(_, v)| guard::same(v, &app.csrf))
}

async fn answer(
    State(app): State<Arc<App>>,
    Query(q): Query<PathQuery>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Response {
    if !csrf_ok(&app, &pairs) {
        return guard::refuse(StatusCode::FORBIDDEN, "the form's CSRF token is missing or wrong");
    }
    let path = Path::from_query(q.path.as_deref());
    let op = pairs.iter().find(|(k, _)| k == "op").map(|(_, v)| v.clone()).unwrap_or_default();
    let mut session = app.session();
    session.apply(&pairs);
    let notice = match op.split_once(':') {
        Some(("add", at)) => {
            session.add_row(at);
            None
        }
        Some(("remove", at)) => {
            session.remove_row(at);
            Some("Removed.".to_string())
        }
        _ => match op.as_str() {
            "save" => Some(match session.save() {
                Ok(()) => format!("Saved {}.", session::INTAKE),
                Err(e) => format!("Not saved: {e}"),
            }),
            "build" | "build-fhir" => {
                session.build(&app.settings(Some(op == "build-fhir")));
                None
            }
            _ => None,
        },
    };
    render(&app, &session, path, notice).into_response()
}

/// The reading of the answers so far, for the script: each field's problems and the panel.
async fn live(State(app): State<Arc<App>>, axum::Form(pairs): axum::Form<Vec<(String, String)>>) -> Response {
    if !csrf_ok(&app, &pairs) {
        return guard::refuse(StatusCode::FORBIDDEN, "the form's CSRF token is missing or wrong");
    }
    let mut session = app.session();
    session.apply(&pairs);
    let (live, documents) = session.read(&app.settings(None));
    let shown: Vec<String> =
        pairs.iter().filter(|(k, _)| k == "seen" || k == "shown").map(|(_, v)| v.clone()).collect();
    let mut problems = serde_json::Map::new();
    let mut invalid = Vec::new();
    for (at, list) in live.by_path() {
        let text: Vec<String> = list.iter().map(|d| page::esc(&page::problem_line(d))).collect();
        problems.insert(format!("p-{}", page::id(at)), text.join("<br>").into());
        if list.iter().any(|d| d.is_error()) {
            invalid.push(format!("f-{}", page::id(at)));
        }
    }
    let body = serde_json::json!({ "problems": problems, "invalid": invalid, "panel": page::panel(&live, &documents, &shown) });
    ([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

/// A record uploaded into `records/`: the CSRF field first, then the title and the file.
async fn upload(State(app): State<Arc<App>>, Query(q): Query<PathQuery>, mut form: Multipart) -> Response {
    let path = Path::from_query(q.path.as_deref());
    let mut csrf = false;
    let mut title = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return guard::refuse(e.status(), "the upload could not be read (a record is at most 20 MB)"),
        };
        match field.name().unwrap_or("") {
            "csrf" => csrf = field.text().await.is_ok_and(|v| guard::same(&v, &app.csrf)),
            _ if !csrf => return guard::refuse(StatusCode::FORBIDDEN, "the form's CSRF token is missing or wrong"),
            "title" => title = field.text().await.unwrap_or_default(),
            "file" => {
                let name = field.file_name().unwrap_or("record").to_string();
                let mut bytes = Vec::new();
                let mut field = field;
                loop {
                    match field.chunk().await {
                        Ok(Some(chunk)) if bytes.len() + chunk.len() > MAX_UPLOAD_BYTES => {
                            return guard::refuse(StatusCode::PAYLOAD_TOO_LARGE, "a record is at most 20 MB");
                        }
                        Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
                        Ok(None) => break,
                        Err(e) => {
                            return guard::refuse(
                                e.status(),
                                "the upload could not be read (a record is at most 20 MB)",
                            );
                        }
                    }
                }
                file = Some((name, bytes));
            }
            _ => {}
        }
    }
    if !csrf {
        return guard::refuse(StatusCode::FORBIDDEN, "the form's CSRF token is missing or wrong");
    }
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        let session = app.session();
        return render(&app, &session, path, Some("Choose a file to add.".into())).into_response();
    };
    let Some(kind) = session::record_kind(&bytes) else {
        let session = app.session();
        return (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            render(&app, &session, path, Some("Not added: a record must be a PDF, PNG or JPEG.".into())),
        )
            .into_response();
    };
    let mut session = app.session();
    let records = session.dir.join("records");
    if let Err(why) = session::records_folder(&records) {
        return render(&app, &session, path, Some(format!("Not added: {why}"))).into_response();
    }
    let file = session::record_name(&session.dir, &name, kind);
    let written = files::write_bytes(&records.join(&file), false, &bytes).map(|()| file);
    let notice = match written {
        Ok(file) => {
            session.attach(&format!("records/{file}"), &title);
            format!("Added records/{file}.")
        }
        Err(e) => format!("Not added: {e}"),
    };
    render(&app, &session, path, Some(notice)).into_response()
}

async fn preview(State(app): State<Arc<App>>, UrlPath(name): UrlPath<String>) -> Response {
    let session = app.session();
    let (_, documents) = session.read(&app.settings(None));
    match documents.iter().find(|d| d.name == name) {
        Some(d) => Html(page::preview(d)).into_response(),
        None => guard::refuse(StatusCode::NOT_FOUND, "no such document (the intake may not be ready)"),
    }
}

async fn download(State(app): State<Arc<App>>, UrlPath(name): UrlPath<String>) -> Response {
    if name != session::PACKET {
        return guard::refuse(StatusCode::NOT_FOUND, "no such file");
    }
    let dir = app.session().dir.clone();
    match files::read(&dir.join(session::PACKET), u64::MAX) {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "application/zip".to_string()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", session::PACKET)),
            ],
            Body::from(bytes),
        )
            .into_response(),
        Err(_) => guard::refuse(StatusCode::NOT_FOUND, "the packet has not been built"),
    }
}
