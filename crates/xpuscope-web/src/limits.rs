//! The bounds every request runs under: a pool that admits a fixed number of simulations and a
//! short queue (503 with `Retry-After` past it), a time limit per simulation, and the checks on a
//! request's target and content type that run before any handler.
//!
//! It deliberately knows nothing of what a simulation computes: a handler hands it a closure.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use crate::error::{ApiError, ApiResult};
use crate::AppState;

/// Simulations running at once, and a bounded queue in front of them.
#[derive(Debug)]
pub struct Pool {
    running: Arc<Semaphore>,
    admitted: Arc<AtomicUsize>,
    capacity: usize,
    timeout: Duration,
    retry_after_s: u64,
}

/// A place in the pool, given back when the work it admitted ends (not when the request does:
/// a simulation that outlives its time limit keeps its place until it finishes).
struct Place(Arc<AtomicUsize>);

impl Drop for Place {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Pool {
    /// A pool of `running` workers and `queued` waiting places; each run gets `timeout`.
    pub fn new(running: usize, queued: usize, timeout: Duration, retry_after_s: u64) -> Pool {
        let running = running.max(1);
        Pool {
            running: Arc::new(Semaphore::new(running)),
            admitted: Arc::new(AtomicUsize::new(0)),
            capacity: running + queued,
            timeout,
            retry_after_s,
        }
    }

    /// Simulations admitted now (running or waiting).
    pub fn admitted(&self) -> usize {
        self.admitted.load(Ordering::Acquire)
    }

    /// Runs `work` on a blocking thread once a worker is free; 503 when the queue is full or the
    /// time limit passes first.
    pub async fn run<T, F>(&self, work: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce() -> ApiResult<T> + Send + 'static,
    {
        let taken = self.admitted.fetch_add(1, Ordering::AcqRel);
        let place = Place(Arc::clone(&self.admitted));
        if taken >= self.capacity {
            return Err(ApiError::busy(
                format!(
                    "the server is running and queueing {} simulations already; retry in {} s",
                    self.capacity, self.retry_after_s
                ),
                self.retry_after_s,
            ));
        }
        let deadline = tokio::time::Instant::now() + self.timeout;
        let out_of_time = || {
            ApiError::busy(
                format!(
                    "the simulation did not finish within the server's limit of {} s; ask for less work (fewer requests, a narrower search) or run it with the CLI",
                    self.timeout.as_secs()
                ),
                self.retry_after_s,
            )
        };
        let permit = tokio::time::timeout_at(deadline, Arc::clone(&self.running).acquire_owned())
            .await
            .map_err(|_| out_of_time())?
            .map_err(|_| ApiError::internal("the simulation pool is closed"))?;
        let job = tokio::task::spawn_blocking(move || {
            let _held = (permit, place);
            work()
        });
        match tokio::time::timeout_at(deadline, job).await {
            Ok(Ok(r)) => r,
            Ok(Err(e)) if e.is_panic() => Err(ApiError::internal(
                "the simulation failed unexpectedly (a bug: please report the request)",
            )),
            Ok(Err(_)) => Err(ApiError::internal("the simulation was cancelled")),
            Err(_) => Err(out_of_time()),
        }
    }
}

/// Refuses an over-long request target (414), a body declared larger than the limit (413), a POST that is not JSON (415: this also makes a
/// cross-site form post a CORS-preflighted request, which this server never approves), and,
/// when bound to loopback, a `Host` that is not a loopback name (421: a DNS-rebinding page).
pub async fn guard(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let target = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if target > s.settings.max_uri_bytes {
        return ApiError::new(
            StatusCode::URI_TOO_LONG,
            format!(
                "the request target is {target} bytes; the limit is {} bytes",
                s.settings.max_uri_bytes
            ),
            Some("query"),
        )
        .into_response();
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|h| h.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > s.settings.max_body_bytes as u64) {
        return ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the request body is larger than the limit of {} bytes",
                s.settings.max_body_bytes
            ),
            Some("body"),
        )
        .into_response();
    }
    if s.settings.bind.ip().is_loopback() {
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        if !is_loopback_host(host) {
            return ApiError::new(
                StatusCode::MISDIRECTED_REQUEST,
                format!("this server listens on loopback and answers only to localhost, not to Host `{host}`"),
                None,
            )
            .into_response();
        }
    }
    if req.method() == Method::POST {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|h| h.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
        if !json {
            return ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "send the options as JSON with `Content-Type: application/json`",
                None,
            )
            .into_response();
        }
    }
    next.run(req).await
}

/// Whether a `Host` header names this machine's loopback interface (with or without a port).
fn is_loopback_host(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map_or(host, |(n, _)| n)
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for h in [
            "localhost",
            "localhost:8080",
            "127.0.0.1:9",
            "[::1]:80",
            "127.3.2.1",
        ] {
            assert!(is_loopback_host(h), "{h}");
        }
        for h in [
            "",
            "evil.example",
            "evil.example:8080",
            "10.0.0.1:80",
            "[2001:db8::1]",
        ] {
            assert!(!is_loopback_host(h), "{h}");
        }
    }

    #[tokio::test]
    async fn the_queue_is_bounded_and_places_come_back() {
        let pool = Arc::new(Pool::new(1, 1, Duration::from_secs(5), 1));
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let rx = Arc::new(std::sync::Mutex::new(rx));
        let mut held = Vec::new();
        for _ in 0..2 {
            let (p, rx) = (Arc::clone(&pool), Arc::clone(&rx));
            held.push(tokio::spawn(async move {
                p.run(move || {
                    let _ = rx.lock().unwrap().recv();
                    Ok(())
                })
                .await
            }));
        }
        while pool.admitted() < 2 {
            tokio::task::yield_now().await;
        }
        let e = pool.run(|| Ok(())).await.unwrap_err();
        assert_eq!(e.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(e.retry_after_s, Some(1));
        tx.send(()).unwrap();
        tx.send(()).unwrap();
        for h in held {
            h.await.unwrap().unwrap();
        }
        assert_eq!(pool.admitted(), 0);
        assert_eq!(pool.run(|| Ok(7)).await.unwrap(), 7);
    }

    #[tokio::test]
    async fn a_run_past_its_time_is_a_503() {
        let pool = Pool::new(1, 0, Duration::from_millis(20), 2);
        let e = pool
            .run(|| {
                std::thread::sleep(Duration::from_millis(200));
                Ok(())
            })
            .await
            .unwrap_err();
        assert_eq!(e.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(e.body.error.contains("did not finish"), "{}", e.body.error);
        // Its place is held until the work really ends.
        assert_eq!(pool.admitted(), 1);
    }
}
