//! The server's limits, each a setting with a default sized for one person's laptop.
//!
//! It deliberately holds no catalogue or state: [`crate::AppState`] does.

use std::net::SocketAddr;
use std::time::Duration;

/// Where to listen and the limits every request runs under.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Address to bind (default `127.0.0.1:8080`, loopback only).
    pub bind: SocketAddr,
    /// Largest request body in bytes (default 1 MiB: an options struct is a few hundred bytes,
    /// a replayed serving trace is the only large body).
    pub max_body_bytes: usize,
    /// Longest request target (path and query string) in bytes (default 4 KiB).
    pub max_uri_bytes: usize,
    /// Time limit of one request (default 30 s); a simulation still running then is answered
    /// with 503 and finishes in the background, holding its place in the pool.
    pub request_timeout: Duration,
    /// Simulations (serve, train, compare, roofline) running at once (default: the cores).
    pub max_running: usize,
    /// Simulations waiting for a place (default 32); past that a request gets 503 with
    /// `Retry-After`.
    pub max_queued: usize,
    /// Most requests one `serve` simulation may run in its replica (default 100,000: a few
    /// seconds of simulation; the CLI has no such limit).
    pub max_serve_requests: u64,
    /// Most engine steps a serving timeline keeps (default 200,000; the chart thins them).
    pub max_timeline_steps: usize,
    /// Seconds a 503 asks the client to wait (default 1).
    pub retry_after_s: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            max_body_bytes: 1 << 20,
            max_uri_bytes: 4 << 10,
            request_timeout: Duration::from_secs(30),
            max_running: std::thread::available_parallelism().map_or(2, usize::from),
            max_queued: 32,
            max_serve_requests: 100_000,
            max_timeline_steps: 200_000,
            retry_after_s: 1,
        }
    }
}
