//! Progress bars on stderr for work longer than a second, drawn by `indicatif` (a well-kept
//! crate made for it) from a counter the library advances; nothing is drawn when stderr is not a
//! terminal, so pipes and tests see only the answer.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Runs `work` with a counter of finished units out of `total`, showing a bar labelled `what`
/// once the work has taken a second.
pub fn with_bar<T>(total: u64, what: &'static str, work: impl FnOnce(&AtomicU64) -> T) -> T {
    let done = Arc::new(AtomicU64::new(0));
    if total == 0 || !std::io::stderr().is_terminal() {
        return work(&done);
    }
    let finished = Arc::new(AtomicBool::new(false));
    let drawer = {
        let (done, finished) = (Arc::clone(&done), Arc::clone(&finished));
        std::thread::spawn(move || {
            let start = Instant::now();
            let mut bar: Option<ProgressBar> = None;
            while !finished.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(100));
                if start.elapsed() < Duration::from_secs(1) {
                    continue;
                }
                let b = bar.get_or_insert_with(|| {
                    let b =
                        ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
                    b.set_style(
                        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({eta} left)")
                            .unwrap_or_else(|_| ProgressStyle::default_bar())
                            .progress_chars("#>-"),
                    );
                    b.set_message(what);
                    b
                });
                b.set_position(done.load(Ordering::Relaxed).min(total));
            }
            if let Some(b) = bar {
                b.finish_and_clear();
            }
        })
    };
    let out = work(&done);
    finished.store(true, Ordering::Relaxed);
    let _ = drawer.join();
    out
}
