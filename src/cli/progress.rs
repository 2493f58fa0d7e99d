//! The progress line of long commands (`crawl`, `demo`): a spinner on stderr whose message a
//! background thread refreshes from the crawl's running totals ten times a second.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use yuqing::crawl::Progress;

/// A spinner showing the totals of `progress` after its message.
pub struct Ticker {
    bar: ProgressBar,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Ticker {
    pub fn start(progress: Arc<Progress>) -> Ticker {
        let bar = ProgressBar::new_spinner();
        bar.set_style(ProgressStyle::with_template("{spinner} {elapsed} {msg}{prefix}").expect("template"));
        bar.enable_steady_tick(Duration::from_millis(120));
        let thread = {
            let bar = bar.clone();
            std::thread::spawn(move || {
                while !bar.is_finished() {
                    let pages = progress.pages.load(Ordering::Relaxed);
                    if pages > 0 {
                        bar.set_prefix(format!(
                            " ({pages} pages, {} mentions read, {} errors)",
                            progress.mentions.load(Ordering::Relaxed),
                            progress.errors.load(Ordering::Relaxed)
                        ));
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            })
        };
        Ticker { bar, thread: Some(thread) }
    }

    /// Says what is being done now.
    pub fn stage(&self, what: &str) {
        self.bar.set_message(what.to_string());
    }

    /// Clears the line.
    pub fn finish(mut self) {
        self.bar.finish_and_clear();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
