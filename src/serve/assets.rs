//! The page's script and style, compiled into the binary (nothing is fetched).

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

const SCRIPT: &str = include_str!("static/app.js");
const STYLE: &str = include_str!("static/app.css");

pub async fn serve(Path(name): Path<String>) -> Response {
    match name.as_str() {
        "app.js" => ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], SCRIPT).into_response(),
        "app.css" => ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE).into_response(),
        _ => super::guard::refuse(StatusCode::NOT_FOUND, "no such file"),
    }
}
