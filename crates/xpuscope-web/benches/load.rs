//! Load test of `xpuscope web` (a bench binary, not a timed test): the server in process on a
//! free loopback port, N clients each on its own keep-alive connection sending one request after
//! another for a bounded time, against `POST /api/infer` and then `POST /api/serve`. It prints
//! requests per second, latency percentiles, failures, and the process's resident memory sampled
//! every few seconds (flat memory means nothing accumulates per request).
//!
//! `cargo bench -p xpuscope-web --bench load -- [--seconds S] [--clients N] [--serve-clients N]`
//! (defaults 20 s, 64 infer clients, 8 serve clients). Traffic goes to 127.0.0.1 only and every
//! loop stops at its deadline.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use xpuscope_model::Catalog;
use xpuscope_web::Settings;

/// Resident and peak memory of this process, in MiB.
fn memory_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .map_or(f64::NAN, |kib| kib / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// What one phase measured.
struct Phase {
    requests: usize,
    failures: usize,
    elapsed: Duration,
    latencies_us: Vec<u64>,
}

async fn client(
    addr: std::net::SocketAddr,
    path: &'static str,
    body: &'static str,
    deadline: Instant,
) -> (Vec<u64>, usize) {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(conn);
    let mut lat = Vec::new();
    let mut failures = 0;
    while Instant::now() < deadline {
        let req = Request::post(path)
            .header("host", "127.0.0.1")
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from_static(body.as_bytes())))
            .unwrap();
        let t = Instant::now();
        let ok = match send.send_request(req).await {
            Ok(r) => {
                let status = r.status();
                let read = r.into_body().collect().await.is_ok();
                status.is_success() && read
            }
            Err(_) => false,
        };
        lat.push(u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX));
        if !ok {
            failures += 1;
            if send.ready().await.is_err() {
                break;
            }
        }
    }
    (lat, failures)
}

fn run_phase(
    addr: std::net::SocketAddr,
    path: &'static str,
    body: &'static str,
    clients: u64,
    seconds: u64,
) -> Phase {
    // The clients get one thread of their own; the server keeps its runtime's workers.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let start = Instant::now();
    let deadline = start + Duration::from_secs(seconds);
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            let mut next = Instant::now();
            while !done.load(Ordering::Relaxed) {
                if Instant::now() >= next {
                    let (rss, hwm) = memory_mib();
                    eprintln!(
                        "  t={:>4.0}s  rss {rss:>6.1} MiB  peak {hwm:>6.1} MiB",
                        start.elapsed().as_secs_f64()
                    );
                    next += Duration::from_secs(5);
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    let results = rt.block_on(async {
        let handles: Vec<_> = (0..clients)
            .map(|_| tokio::spawn(client(addr, path, body, deadline)))
            .collect();
        let mut out = Vec::new();
        for h in handles {
            out.push(h.await.unwrap());
        }
        out
    });
    let elapsed = start.elapsed();
    done.store(true, Ordering::Relaxed);
    sampler.join().unwrap();
    let mut latencies_us: Vec<u64> = results
        .iter()
        .flat_map(|(l, _)| l.iter().copied())
        .collect();
    latencies_us.sort_unstable();
    Phase {
        requests: latencies_us.len(),
        failures: results.iter().map(|(_, f)| f).sum(),
        elapsed,
        latencies_us,
    }
}

fn report(name: &str, clients: u64, p: &Phase) {
    let pct = |q: f64| {
        let n = p.latencies_us.len();
        if n == 0 {
            return f64::NAN;
        }
        // Nearest rank.
        let i = ((q * n as f64).ceil() as usize).clamp(1, n) - 1;
        p.latencies_us[i] as f64 / 1e3
    };
    let (rss, hwm) = memory_mib();
    println!(
        "{name}: {clients} clients, {:.1} s: {} requests ({:.0}/s), {} failed; latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; rss {rss:.1} MiB, peak {hwm:.1} MiB",
        p.elapsed.as_secs_f64(),
        p.requests,
        p.requests as f64 / p.elapsed.as_secs_f64(),
        p.failures,
        pct(0.50),
        pct(0.99),
        pct(1.0),
    );
}

const INFER: &str = r#"{"chip": "h100-sxm", "model": "llama-3.1-70b", "options": {"tp": 4, "weights": "fp8", "input_len": 2048, "output_len": 256, "batch": 16}}"#;
const SERVE: &str = r#"{"chip": "h100-sxm", "model": "llama-3.1-8b", "options": {"deployment": {"input_len": 512, "output_len": 64}, "concurrency": 16, "requests": 64}}"#;

fn main() {
    let seconds = arg("--seconds", 20);
    let clients = arg("--clients", 64);
    let serve_clients = arg("--serve-clients", 8);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "load test: {} cores, load average before {}",
        std::thread::available_parallelism().map_or(0, usize::from),
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    let server = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let listener = server
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let settings = Settings {
        bind: addr,
        ..Settings::default()
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let handle = server.spawn(xpuscope_web::serve_on(
        listener,
        Catalog::builtin().unwrap(),
        settings,
        async {
            let _ = stopped.await;
        },
    ));

    let p = run_phase(addr, "/api/infer", INFER, clients, seconds);
    report("POST /api/infer", clients, &p);
    let p = run_phase(addr, "/api/serve", SERVE, serve_clients, seconds);
    report("POST /api/serve", serve_clients, &p);

    let _ = stop.send(());
    server.block_on(handle).unwrap().unwrap();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "load average after {}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
}
