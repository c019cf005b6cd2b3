//! A progress bar for long scans (`check --all` over thousands of commits): one line on
//! stderr, redrawn in place at most ten times a second, erased when done. Only on a
//! terminal and only for long scans; logs and pipes never see it.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Scans of more items than this get a bar.
pub const THRESHOLD: usize = 1000;

const REDRAW_EVERY: Duration = Duration::from_millis(100);
const BAR_WIDTH: usize = 30;

pub struct Progress {
    label: &'static str,
    /// `None` while the scan does not know how much is left (a walk still finding
    /// commits): the line then counts without a bar.
    total: Option<usize>,
    done: usize,
    last: Option<Instant>,
    out: Option<Box<dyn Write>>,
}

impl Progress {
    /// A bar on stderr when stderr is a terminal (not `TERM=dumb`) and `total` is over
    /// [`THRESHOLD`] (or unknown: it then appears once the count passes it); otherwise a
    /// bar that draws nothing.
    pub fn stderr(label: &'static str, total: Option<usize>) -> Progress {
        let terminal =
            std::io::stderr().is_terminal() && std::env::var("TERM").map_or(true, |t| t != "dumb");
        let out: Option<Box<dyn Write>> = if terminal && total.is_none_or(|t| t > THRESHOLD) {
            Some(Box::new(std::io::stderr()))
        } else {
            None
        };
        Progress::to(out, label, total)
    }

    /// A bar drawn to `out` (none: drawn nowhere).
    pub fn to(out: Option<Box<dyn Write>>, label: &'static str, total: Option<usize>) -> Progress {
        let mut p = Progress {
            label,
            total,
            done: 0,
            last: None,
            out,
        };
        if total.is_some() {
            p.draw();
        }
        p
    }

    pub fn is_drawn(&self) -> bool {
        self.out.is_some()
    }

    /// Sets how many items are done.
    pub fn set(&mut self, done: usize) {
        self.done = done;
        let started = self.total.is_some() || self.done > THRESHOLD;
        if self.out.is_some() && started && self.last.is_none_or(|t| t.elapsed() >= REDRAW_EVERY) {
            self.draw();
        }
    }

    fn draw(&mut self) {
        let line = match self.total {
            Some(total) => line(self.label, self.done, total),
            None => format!("embargo: checking {} {}", self.label, self.done),
        };
        if let Some(out) = &mut self.out {
            let _ = write!(out, "\r{line}\x1b[K");
            let _ = out.flush();
            self.last = Some(Instant::now());
        }
    }

    /// Erases the bar (also done on drop).
    pub fn finish(&mut self) {
        if self.last.is_none() {
            self.out = None;
        }
        if let Some(mut out) = self.out.take() {
            let _ = write!(out, "\r\x1b[K");
            let _ = out.flush();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

/// `embargo: checking commits  1234/5000 [=======>               ]  24%`
pub fn line(label: &str, done: usize, total: usize) -> String {
    let total = total.max(1);
    let done = done.min(total);
    let filled = done * BAR_WIDTH / total;
    let mut bar = "=".repeat(filled);
    if filled < BAR_WIDTH {
        bar.push('>');
        bar.push_str(&" ".repeat(BAR_WIDTH - filled - 1));
    }
    let width = total.to_string().len();
    format!(
        "embargo: checking {label} {done:>width$}/{total} [{bar}] {:>3}%",
        done * 100 / total
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);
    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_line_shows_counts_bar_and_percent() {
        assert_eq!(
            line("commits", 0, 2000),
            format!(
                "embargo: checking commits    0/2000 [>{}]   0%",
                " ".repeat(29)
            )
        );
        assert_eq!(
            line("commits", 1000, 2000),
            format!(
                "embargo: checking commits 1000/2000 [{}>{}]  50%",
                "=".repeat(15),
                " ".repeat(14)
            )
        );
        assert_eq!(
            line("commits", 2000, 2000),
            format!(
                "embargo: checking commits 2000/2000 [{}] 100%",
                "=".repeat(30)
            )
        );
    }

    #[test]
    fn draws_in_place_throttled_and_erases() {
        let buf = Shared::default();
        let mut p = Progress::to(Some(Box::new(buf.clone())), "commits", Some(5000));
        for done in 1..=5000 {
            p.set(done);
        }
        p.finish();
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        let frames = text.matches('\r').count();
        assert!((2..100).contains(&frames), "{frames} frames");
        assert!(text.ends_with("\r\x1b[K"));
    }

    #[test]
    fn nothing_drawn_without_a_terminal() {
        let p = Progress::to(None, "commits", Some(5000));
        assert!(!p.is_drawn());
    }

    #[test]
    fn an_open_ended_scan_counts_once_it_is_long() {
        let buf = Shared::default();
        let mut p = Progress::to(Some(Box::new(buf.clone())), "commits", None);
        for done in 1..=THRESHOLD {
            p.set(done);
        }
        assert!(
            buf.0.lock().unwrap().is_empty(),
            "nothing drawn for a short scan"
        );
        for done in THRESHOLD + 1..=THRESHOLD + 2000 {
            p.set(done);
        }
        p.finish();
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert!(
            text.starts_with("\rembargo: checking commits 1001\x1b[K"),
            "{text:?}"
        );
        assert!(text.ends_with("\r\x1b[K"));
    }

    #[test]
    fn a_short_open_ended_scan_leaves_the_terminal_alone() {
        let buf = Shared::default();
        let mut p = Progress::to(Some(Box::new(buf.clone())), "commits", None);
        for done in 1..=10 {
            p.set(done);
        }
        p.finish();
        assert!(buf.0.lock().unwrap().is_empty());
    }
}
