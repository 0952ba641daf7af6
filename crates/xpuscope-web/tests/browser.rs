//! The page in a real browser: headless Chromium driven over WebDriver (chromedriver and the
//! fantoccini client). The server runs in process on a free loopback port; the test loads the
//! page, picks two chips and a model, runs compare and reads the rendered ratio against the
//! report layer's, checks the charts appear, that an invalid input shows the API's sentence, and
//! that permalinks of serve and export render; screenshots go under the target directory.
//!
//! Without `chromium` and `chromedriver` on PATH it says SKIP and passes, except under CI
//! (`CI` set), where a missing browser is a failure: `.ci/run` installs Debian's packages.

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use xpuscope_model::Catalog;
use xpuscope_report::options::CompareOptions;
use xpuscope_web::Settings;

/// A program on PATH.
fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|f| f.is_file())
    })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap()
}

/// chromedriver, stopped when dropped.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn shots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("web-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn screenshot(c: &Client, name: &str) {
    let png = c.screenshot().await.unwrap();
    let path = shots().join(format!("{name}.png"));
    std::fs::write(&path, png).unwrap();
    eprintln!("screenshot: {}", path.display());
}

async fn css(c: &Client, selector: &str) -> fantoccini::elements::Element {
    c.wait()
        .at_most(Duration::from_secs(60))
        .for_element(Locator::Css(selector))
        .await
        .unwrap_or_else(|e| panic!("`{selector}` never appeared: {e}"))
}

#[test]
fn the_page_compares_chips_and_shows_errors_in_a_real_browser() {
    let (Some(chromium), Some(chromedriver)) = (which("chromium"), which("chromedriver")) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run the browser test: install Debian's `chromium` and `chromium-driver`"
        );
        eprintln!("SKIP: the browser test needs `chromium` and `chromedriver` on PATH (apt-get install -y chromium chromium-driver)");
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        // The server, on a free loopback port, until the test ends.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(xpuscope_web::serve_on(
            listener,
            Catalog::builtin().unwrap(),
            Settings {
                bind: addr,
                ..Settings::default()
            },
            async {
                let _ = stopped.await;
            },
        ));
        let base = format!("http://{addr}");

        let port = free_port();
        let _driver = Driver(
            Command::new(&chromedriver)
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("chromedriver starts"),
        );
        let profile = std::env::temp_dir().join(format!("xpuscope-chromium-{}", std::process::id()));
        let caps: serde_json::Map<String, serde_json::Value> = serde_json::from_value(serde_json::json!({
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1280,1600",
                    format!("--user-data-dir={}", profile.display())],
            }
        }))
        .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        let c = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(c) => break c,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("cannot start a browser session: {e}"),
            }
        };

        // The chips table: sorted, filtered, each value's source on hover.
        c.goto(&format!("{base}/")).await.unwrap();
        css(&c, "body[data-ready='1'] #chips-table tbody tr").await;
        let rows = c.find_all(Locator::Css("#chips-table tbody tr")).await.unwrap();
        assert!(rows.len() >= 30, "{} chips", rows.len());
        let title = css(&c, "#chips-table tr[data-chip='h20'] td[title]").await.attr("title").await.unwrap();
        assert!(title.is_some_and(|t| t.contains("http")), "a value's hover names its source");
        screenshot(&c, "chips").await;
        c.find(Locator::Css("#chips-filter")).await.unwrap().send_keys("ascend").await.unwrap();
        let rows = c.find_all(Locator::Css("#chips-table tbody tr")).await.unwrap();
        assert!(!rows.is_empty());
        for r in rows {
            assert!(r.attr("data-chip").await.unwrap().unwrap().starts_with("ascend"));
        }

        // A row opens the chip's sheet: each value with its grade and source.
        c.find(Locator::Css("#chips-filter")).await.unwrap().clear().await.unwrap();
        c.goto(&format!("{base}/?view=chip&id=h20")).await.unwrap();
        let grade = css(&c, "#chip-result table tbody tr td:nth-child(3)").await.text().await.unwrap();
        assert!(["vendor", "reported", "derived", "estimate"].contains(&grade.as_str()), "{grade}");
        assert!(c.find(Locator::Css("#error:not([hidden])")).await.is_err(), "no error on the sheet");
        screenshot(&c, "chip-sheet").await;

        // Compare: pick two chips and a model, run it, read the rendered ratio.
        c.goto(&format!("{base}/?view=compare")).await.unwrap();
        css(&c, "body[data-ready='1']").await;
        let pickers = c.find_all(Locator::Css("#compare-form select[name=chip]")).await.unwrap();
        pickers[0].select_by_value("h100-sxm").await.unwrap();
        pickers[1].select_by_value("h20").await.unwrap();
        c.find(Locator::Css("#compare-form select[name=model]")).await.unwrap()
            .select_by_value("llama-3.1-70b").await.unwrap();
        c.find(Locator::Css("#compare-form button")).await.unwrap().click().await.unwrap();
        let cell = css(&c, "#compare-table tr[data-row='decode-bs1'] td[data-chip='h20']").await;
        let shown: f64 = cell.attr("data-ratio").await.unwrap().unwrap().parse().unwrap();
        let text = cell.text().await.unwrap();
        let catalog = Catalog::builtin().unwrap();
        let chips = [catalog.chip("h100-sxm").unwrap(), catalog.chip("h20").unwrap()];
        let view = xpuscope_report::views::compare::compare(
            &chips, catalog.model("llama-3.1-70b").unwrap(), &CompareOptions::default()).unwrap();
        let want = view.rows.iter().find(|r| r.id == "decode-bs1").unwrap().ratio["h20"].unwrap();
        assert_eq!(shown, want, "the page shows the report layer's ratio");
        assert_eq!(text, format!("{}×", sig3(want)), "and rounds it for reading");
        css(&c, "#compare-chart svg rect.bar").await;
        css(&c, "#roofline-chart svg").await;
        assert!(c.current_url().await.unwrap().as_str().contains("chip=h20"), "the permalink holds the query");
        screenshot(&c, "compare").await;

        // An invalid input shows the API's sentence and marks the field.
        let chips_per = c.find(Locator::Css("#compare-form input[name=chips]")).await.unwrap();
        chips_per.send_keys("0").await.unwrap();
        c.find(Locator::Css("#compare-form button")).await.unwrap().click().await.unwrap();
        let err = css(&c, "#error:not([hidden])").await;
        let sentence = err.text().await.unwrap();
        assert!(sentence.contains("--chips and --train-chips must be at least 1"), "{sentence}");
        css(&c, "#compare-form input[name=chips].invalid").await;
        screenshot(&c, "compare-error").await;

        // Serve from a permalink: percentiles and the per-step timeline.
        c.goto(&format!("{base}/?view=serve&chip=h100-sxm&model=llama-3.1-8b&input_len=512&output_len=128&concurrency=16&requests=200")).await.unwrap();
        let p99 = css(&c, "#serve-table tr[data-metric='TTFT'] td[data-stat='p99']").await.text().await.unwrap();
        assert!(p99.ends_with("ms") || p99.ends_with(" s"), "{p99}");
        css(&c, "#serve-chart svg").await;
        screenshot(&c, "serve").await;

        // Plan from a permalink: the ranked table, the frontier chart, the export exclusions.
        c.goto(&format!("{base}/?view=plan&model=llama-3.1-8b&chips=h100-sxm,h20&input_len=1000&output_len=200&request_rate=5&slo_ttft=1&slo_tpot=0.03&buyable_in=CN&date=2025-08-01")).await.unwrap();
        let first = css(&c, "#plan-table tr[data-rank='1'] td:nth-child(2)").await.text().await.unwrap();
        assert_eq!(first, "h20", "the H100 is excluded for a buyer in China in August 2025");
        css(&c, "#plan-chart svg polyline.frontier").await;
        let excluded = css(&c, "#plan-excluded li[data-chip='h100-sxm']").await.text().await.unwrap();
        assert!(excluded.contains("3A090.a"), "{excluded}");
        screenshot(&c, "plan").await;

        // Export timeline per chip.
        c.goto(&format!("{base}/?view=export&chip=h20&date=2025-08-01")).await.unwrap();
        css(&c, "#export-strip .seg").await;
        let summary = css(&c, "#export-summary").await.text().await.unwrap();
        assert!(summary.contains("2025-08-01"), "{summary}");
        screenshot(&c, "export").await;

        c.close().await.unwrap();
        let _ = stop.send(());
        server.await.unwrap().unwrap();
        let _ = std::fs::remove_dir_all(profile);
    });
}

/// Three significant digits, as the page's `sig` writes a ratio below 10.
fn sig3(v: f64) -> String {
    let digits = 2 - v.abs().log10().floor() as i32;
    let s = format!("{:.*}", digits.max(0) as usize, v);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}
