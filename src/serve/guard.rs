//! What every request passes before a handler sees it, and the headers every
//! response carries.
//!
//! The Host header must name the loopback address and the server's port (a
//! page on another site that rebinds its name to 127.0.0.1 is refused); the
//! token must come as `?token=` on the entry URL or as the cookie after it; a
//! request that changes anything must come from this origin (Origin and
//! Sec-Fetch-Site, when sent) and carry the CSRF token, which its handler
//! checks. Only method, path (never the query, which holds the token) and
//! status are logged.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::App;

/// The cookie that carries the token after the entry URL, named with the port:
/// browsers share cookies across a host's ports, and two servers must not clobber each other's.
pub fn cookie_name(port: u16) -> String {
    format!("authpack-{port}")
}

/// The policy: nothing from elsewhere, no inline script or style, no framing.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Compares two secrets in time independent of where they differ.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A refusal, in plain text.
pub fn refuse(status: StatusCode, why: &str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("{why}\n")).into_response()
}

fn host_ok(headers: &HeaderMap, port: u16) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else { return false };
    host == format!("127.0.0.1:{port}") || host == format!("localhost:{port}")
}

fn cookie_token(headers: &HeaderMap, port: u16) -> Option<&str> {
    let name = cookie_name(port);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn query_token(request: &Request) -> Option<&str> {
    request.uri().query()?.split('&').filter_map(|p| p.split_once('=')).find(|(k, _)| *k == "token").map(|(_, v)| v)
}

/// Whether a state-changing request comes from this origin.
fn same_origin(headers: &HeaderMap, port: u16) -> bool {
    let origin_ok = match headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
        None => true,
        Some(o) => o == format!("http://127.0.0.1:{port}") || o == format!("http://localhost:{port}"),
    };
    let site_ok = match headers.get("sec-fetch-site").and_then(|s| s.to_str().ok()) {
        None => true,
        Some(s) => matches!(s, "same-origin" | "none"),
    };
    origin_ok && site_ok
}

/// The guard itself.
pub async fn check(State(app): State<Arc<App>>, request: Request<Body>, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let headers = request.headers();
    let response = if !host_ok(headers, app.port) {
        refuse(StatusCode::MISDIRECTED_REQUEST, "this server answers only to 127.0.0.1 and localhost")
    } else if headers.contains_key(header::ORIGIN) && method == Method::OPTIONS {
        // No CORS: a preflight is never granted.
        refuse(StatusCode::FORBIDDEN, "cross-origin requests are refused")
    } else {
        let by_query = path == "/" && query_token(&request).is_some_and(|t| same(t, &app.token));
        let by_cookie = cookie_token(headers, app.port).is_some_and(|t| same(t, &app.token));
        if !(by_query || by_cookie) {
            refuse(StatusCode::UNAUTHORIZED, "open the URL authpack serve printed (it carries the token)")
        } else if method != Method::GET && method != Method::HEAD && !same_origin(headers, app.port) {
            refuse(StatusCode::FORBIDDEN, "a change must come from the interview's own page")
        } else if method != Method::GET && method != Method::HEAD && method != Method::POST {
            refuse(StatusCode::METHOD_NOT_ALLOWED, "only GET and POST")
        } else {
            next.run(request).await
        }
    };
    let mut response = response;
    let h = response.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    h.insert("cross-origin-resource-policy", HeaderValue::from_static("same-origin"));
    eprintln!("{method} {path} {}", response.status().as_u16());
    response
}

#[cfg(test)]
mod tests {
    use super::same;

    #[test]
    fn secrets_compare_whole() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
        assert!(!same("", "a"));
    }
}
