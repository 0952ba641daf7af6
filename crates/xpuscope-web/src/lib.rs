//! xpuscope-web: the local web UI and the JSON HTTP API (`xpuscope web`).
//!
//! The API mirrors the command line: each endpoint takes the report layer's raw options struct
//! (plus the ids the command line takes as arguments) and returns the same typed view that
//! `--format json` prints, so the page, the API and the CLI show the same numbers. The page and
//! its assets are compiled into the binary; the OpenAPI document is generated from the same types
//! the handlers use (`schemars` derives on the views and options), never written by hand.
//!
//! It deliberately reads no file and computes no physics: the catalogue arrives loaded (the
//! binary reads `--catalog`), every number comes from `xpuscope-report`, and nothing a request
//! says reaches the file system. Limits (body and query size, time per request, simulations at
//! once) are [`Settings`] with defaults.

#![warn(missing_docs)]

pub mod api;
pub mod error;
pub mod limits;
pub mod openapi;
mod page;
pub mod settings;

use std::net::SocketAddr;
use std::sync::Arc;

use xpuscope_model::Catalog;

pub use error::ApiError;
pub use settings::Settings;

/// What every handler shares: the catalogue (loaded once), the simulation pool and the settings.
#[derive(Clone)]
pub struct AppState {
    /// The catalogue, read once at start.
    pub catalog: Arc<Catalog>,
    /// The bound on simulations running and waiting.
    pub pool: Arc<limits::Pool>,
    /// The limits in force.
    pub settings: Arc<Settings>,
    /// The OpenAPI document, generated once.
    pub openapi: Arc<str>,
}

/// The whole application (API, page, limits) as an axum router, ready to serve or to call in
/// process with `tower::ServiceExt::oneshot`.
pub fn app(catalog: Catalog, settings: Settings) -> axum::Router {
    api::app(catalog, settings)
}

/// Binds `settings.bind`, reports the address on stderr, and serves until SIGINT or SIGTERM;
/// requests in flight finish before it returns.
pub async fn serve(catalog: Catalog, settings: Settings) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(settings.bind).await?;
    let addr = listener.local_addr()?;
    eprintln!("{}", listening_line(addr));
    serve_on(listener, catalog, settings, shutdown_signal()).await
}

/// The line `serve` writes when it is ready (tests read the port from it).
pub fn listening_line(addr: SocketAddr) -> String {
    format!("xpuscope web: listening on http://{addr}/ (Ctrl-C stops it)")
}

/// Serves on a bound listener until `shutdown` completes, then lets requests in flight finish.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    catalog: Catalog,
    settings: Settings,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = app(catalog, settings);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Runs the server on its own multi-threaded runtime (what the binary calls).
pub fn run(catalog: Catalog, settings: Settings) -> std::io::Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(serve(catalog, settings))
}

/// Completes on SIGINT (Ctrl-C) or, on Unix, SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        // Without a signal handler there is nothing to wait for; the server runs until killed.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    eprintln!("xpuscope web: shutting down after the requests in flight");
}
