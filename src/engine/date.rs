//! Calendar days as the registry and the command line write them: `YYYY-MM-DD`, exactly
//! (four-digit year, two-digit month and day, no sign, nothing around it).

use time::macros::format_description;
use time::Date;

/// Why a text is not a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayError {
    /// Not of the form `YYYY-MM-DD`.
    Shape,
    /// Of that form, but no such day in the calendar (`2026-02-30`).
    NoSuchDay,
}

/// The day written `YYYY-MM-DD`.
pub fn parse_day(s: &str) -> Result<Date, DayError> {
    let shaped = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shaped {
        return Err(DayError::Shape);
    }
    Date::parse(s, format_description!("[year]-[month]-[day]")).map_err(|_| DayError::NoSuchDay)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn reads_exactly_year_month_day() {
        assert_eq!(parse_day("2026-11-28"), Ok(date!(2026 - 11 - 28)));
        assert_eq!(parse_day("2024-02-29"), Ok(date!(2024 - 02 - 29)));
        for bad in [
            "",
            "2026-1-28",
            "2026/11/28",
            "+2026-11-28",
            " 2026-11-28",
            "2026-11-28 ",
            "20261128",
            "２０２６-11-28",
        ] {
            assert_eq!(parse_day(bad), Err(DayError::Shape), "{bad:?}");
        }
        for bad in ["2026-02-29", "2026-13-01", "2026-00-10", "2026-04-31"] {
            assert_eq!(parse_day(bad), Err(DayError::NoSuchDay), "{bad:?}");
        }
    }
}
