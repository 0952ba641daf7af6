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

/// Latencies in 10 µs buckets up to 200 ms (and the slower ones kept as they are): allocated
/// once, so the load test's own memory does not grow with the requests it counts.
struct Histogram {
    buckets: Vec<u32>,
    slow_us: Vec<u64>,
}

const BUCKET_US: u64 = 10;
const BUCKETS: usize = 20_000;

impl Histogram {
    fn new() -> Histogram {
        Histogram {
            buckets: vec![0; BUCKETS],
            slow_us: Vec::new(),
        }
    }

    fn record(&mut self, us: u64) {
        match usize::try_from(us / BUCKET_US) {
            Ok(i) if i < BUCKETS => self.buckets[i] += 1,
            _ => self.slow_us.push(us),
        }
    }

    fn merge(&mut self, other: &Histogram) {
        for (a, b) in self.buckets.iter_mut().zip(&other.buckets) {
            *a += b;
        }
        self.slow_us.extend(&other.slow_us);
    }

    fn count(&self) -> u64 {
        self.buckets.iter().map(|&c| u64::from(c)).sum::<u64>() + self.slow_us.len() as u64
    }

    /// The nearest-rank quantile `q`, in ms (a bucket's upper edge).
    fn quantile_ms(&mut self, q: f64) -> f64 {
        let n = self.count();
        if n == 0 {
            return f64::NAN;
        }
        let rank = ((q * n as f64).ceil() as u64).clamp(1, n);
        let mut seen = 0;
        for (i, &c) in self.buckets.iter().enumerate() {
            seen += u64::from(c);
            if seen >= rank {
                return ((i as u64 + 1) * BUCKET_US) as f64 / 1e3;
            }
        }
        self.slow_us.sort_unstable();
        let k = usize::try_from(rank - seen - 1).unwrap_or(0);
        self.slow_us[k.min(self.slow_us.len() - 1)] as f64 / 1e3
    }
}

/// What one phase measured.
struct Phase {
    failures: usize,
    elapsed: Duration,
    latencies: Histogram,
}

async fn client(
    addr: std::net::SocketAddr,
    path: &'static str,
    body: &'static str,
    deadline: Instant,
) -> (Histogram, usize) {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(conn);
    let mut lat = Histogram::new();
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
        lat.record(u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX));
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
    let mut latencies = Histogram::new();
    for (h, _) in &results {
        latencies.merge(h);
    }
    Phase {
        failures: results.iter().map(|(_, f)| f).sum(),
        elapsed,
        latencies,
    }
}

fn report(name: &str, clients: u64, p: &mut Phase) {
    let requests = p.latencies.count();
    let (p50, p99, max) = (
        p.latencies.quantile_ms(0.50),
        p.latencies.quantile_ms(0.99),
        p.latencies.quantile_ms(1.0),
    );
    let (rss, hwm) = memory_mib();
    println!(
        "{name}: {clients} clients, {:.1} s: {} requests ({:.0}/s), {} failed; latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; rss {rss:.1} MiB, peak {hwm:.1} MiB",
        p.elapsed.as_secs_f64(),
        requests,
        requests as f64 / p.elapsed.as_secs_f64(),
        p.failures,
        p50,
        p99,
        max,
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

    let mut p = run_phase(addr, "/api/infer", INFER, clients, seconds);
    report("POST /api/infer", clients, &mut p);
    let mut p = run_phase(addr, "/api/serve", SERVE, serve_clients, seconds);
    report("POST /api/serve", serve_clients, &mut p);

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
