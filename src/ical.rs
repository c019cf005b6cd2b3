//! Writing iCalendar (RFC 5545): all-day events, text escaped, lines folded at 75
//! octets and ended with CRLF, so calendar programs import the timeline as it is.

use time::Date;

/// One all-day event. `uid` must stay the same for the same event across runs, so a
/// re-import updates the event instead of adding a second one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub uid: String,
    pub date: Date,
    pub summary: String,
    pub description: String,
}

/// A calendar of `events`; `stamp` is the DTSTAMP of every event (a fixed day keeps the
/// output the same for the same registry and day).
pub fn calendar(name: &str, stamp: Date, events: &[Event]) -> String {
    let mut out = String::new();
    let mut line = |l: &str| out.push_str(&fold(l));
    line("BEGIN:VCALENDAR");
    line("VERSION:2.0");
    line("PRODID:-//embargo//disclosure timeline//EN");
    line("CALSCALE:GREGORIAN");
    line("METHOD:PUBLISH");
    line(&format!("X-WR-CALNAME:{}", text(name)));
    for e in events {
        line("BEGIN:VEVENT");
        line(&format!("UID:{}", text(&e.uid)));
        line(&format!("DTSTAMP:{}T000000Z", basic(stamp)));
        line(&format!("DTSTART;VALUE=DATE:{}", basic(e.date)));
        let next = e.date.next_day().unwrap_or(e.date);
        line(&format!("DTEND;VALUE=DATE:{}", basic(next)));
        line(&format!("SUMMARY:{}", text(&e.summary)));
        line(&format!("DESCRIPTION:{}", text(&e.description)));
        line("TRANSP:TRANSPARENT");
        line("END:VEVENT");
    }
    line("END:VCALENDAR");
    out
}

/// A date as RFC 5545 writes it: `YYYYMMDD`.
fn basic(d: Date) -> String {
    format!("{:04}{:02}{:02}", d.year(), u8::from(d.month()), d.day())
}

/// A TEXT value (§3.3.11): backslash, semicolon, comma and line breaks escaped; other
/// control characters, which TEXT may not hold, dropped.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A content line folded as §3.1 asks: no line longer than 75 octets before its CRLF,
/// continuations start with a space, and no UTF-8 sequence is split.
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 70 * 3 + 2);
    let mut used = 0;
    for c in line.chars() {
        if used + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += c.len_utf8();
    }
    out.push_str("\r\n");
    out
}

/// A stable short hash (FNV-1a, 64 bits) for UIDs: the same input gives the same UID in
/// every version of the program, which `std`'s hasher does not promise.
pub fn stable_hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_fold_at_75_octets_between_characters() {
        let long = format!("SUMMARY:{}", "é".repeat(60));
        let folded = fold(&long);
        assert!(folded.ends_with("\r\n"));
        for l in folded.trim_end_matches("\r\n").split("\r\n") {
            assert!(l.len() <= 75, "{} octets: {l}", l.len());
        }
        let unfolded = folded.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, long);
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(text("a,b;c\\d\ne\u{1b}"), "a\\,b\\;c\\\\d\\ne");
    }
}
