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
    total: usize,
    done: usize,
    last: Option<Instant>,
    out: Option<Box<dyn Write>>,
}

impl Progress {
    /// A bar on stderr when stderr is a terminal (not `TERM=dumb`) and `total` is over
    /// [`THRESHOLD`]; otherwise a bar that draws nothing.
    pub fn stderr(label: &'static str, total: usize) -> Progress {
        let terminal =
            std::io::stderr().is_terminal() && std::env::var("TERM").map_or(true, |t| t != "dumb");
        let out: Option<Box<dyn Write>> = if terminal && total > THRESHOLD {
            Some(Box::new(std::io::stderr()))
        } else {
            None
        };
        Progress::to(out, label, total)
    }

    /// A bar drawn to `out` (none: drawn nowhere).
    pub fn to(out: Option<Box<dyn Write>>, label: &'static str, total: usize) -> Progress {
        let mut p = Progress {
            label,
            total,
            done: 0,
            last: None,
            out,
        };
        p.draw();
        p
    }

    pub fn is_drawn(&self) -> bool {
        self.out.is_some()
    }

    pub fn inc(&mut self) {
        self.done += 1;
        if self.out.is_some() && self.last.is_none_or(|t| t.elapsed() >= REDRAW_EVERY) {
            self.draw();
        }
    }

    fn draw(&mut self) {
        let line = line(self.label, self.done, self.total);
        if let Some(out) = &mut self.out {
            let _ = write!(out, "\r{line}\x1b[K");
            let _ = out.flush();
            self.last = Some(Instant::now());
        }
    }

    /// Erases the bar (also done on drop).
    pub fn finish(&mut self) {
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
        let mut p = Progress::to(Some(Box::new(buf.clone())), "commits", 5000);
        for _ in 0..5000 {
            p.inc();
        }
        p.finish();
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        let frames = text.matches('\r').count();
        assert!((2..100).contains(&frames), "{frames} frames");
        assert!(text.ends_with("\r\x1b[K"));
    }

    #[test]
    fn nothing_drawn_without_a_terminal() {
        let p = Progress::to(None, "commits", 5000);
        assert!(!p.is_drawn());
    }
}
