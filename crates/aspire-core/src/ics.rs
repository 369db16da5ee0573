//! Calendar feeds (RFC 5545) of the programme year's days.
//!
//! Days are written in local time with `TZID=Europe/London` and the feed carries that zone's
//! rules (`VTIMEZONE`), so a Network Day at 09:00 stays at 09:00 on either side of the October
//! and March clock changes. Each day keeps its `UID` for ever and raises its `SEQUENCE` when it
//! changes; a cancelled day stays in the feed with `STATUS:CANCELLED`, so calendars that
//! already hold it remove it.
//!
//! Written here rather than with a general iCalendar crate: the feed needs a `VTIMEZONE`, which
//! the builders on offer write only through undocumented types, and the rest is short.

use std::fmt::Write as _;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

/// The zone every day is written in.
pub const TZID: &str = "Europe/London";

/// Europe/London since 1996: British Summer Time from 01:00 UTC on the last Sunday of March to
/// 01:00 UTC on the last Sunday of October (Summer Time Order 2002, EU directive 2000/84/EC).
const VTIMEZONE: &[&str] = &[
    "BEGIN:VTIMEZONE",
    "TZID:Europe/London",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0000",
    "TZOFFSETTO:+0100",
    "TZNAME:BST",
    "DTSTART:19960331T010000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0000",
    "TZNAME:GMT",
    "DTSTART:19961027T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
];

/// One day in a feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedDay {
    pub uid: String,
    pub sequence: u32,
    pub cancelled: bool,
    pub date: NaiveDate,
    pub starts: NaiveTime,
    pub ends: NaiveTime,
    pub summary: String,
    pub location: Option<String>,
    pub description: Option<String>,
    pub last_modified: DateTime<Utc>,
}

/// A whole feed: `name` is what calendar programs show for it; `stamp` is when it was made.
pub fn feed(name: &str, days: &[FeedDay], stamp: DateTime<Utc>) -> String {
    let mut lines: Vec<String> = vec![
        "BEGIN:VCALENDAR".into(),
        "VERSION:2.0".into(),
        "PRODID:-//Aspire//Programme year//EN".into(),
        "CALSCALE:GREGORIAN".into(),
        "METHOD:PUBLISH".into(),
        format!("X-WR-CALNAME:{}", text(name)),
        format!("X-WR-TIMEZONE:{TZID}"),
    ];
    lines.extend(VTIMEZONE.iter().map(|l| (*l).to_owned()));
    for d in days {
        lines.push("BEGIN:VEVENT".into());
        lines.push(format!("UID:{}", text(&d.uid)));
        lines.push(format!("DTSTAMP:{}", utc(stamp)));
        lines.push(format!("LAST-MODIFIED:{}", utc(d.last_modified)));
        lines.push(format!("SEQUENCE:{}", d.sequence));
        lines.push(format!("STATUS:{}", if d.cancelled { "CANCELLED" } else { "CONFIRMED" }));
        lines.push(format!("DTSTART;TZID={TZID}:{}", local(d.date, d.starts)));
        lines.push(format!("DTEND;TZID={TZID}:{}", local(d.date, d.ends)));
        lines.push(format!("SUMMARY:{}", text(&d.summary)));
        if let Some(l) = &d.location {
            lines.push(format!("LOCATION:{}", text(l)));
        }
        if let Some(t) = &d.description {
            lines.push(format!("DESCRIPTION:{}", text(t)));
        }
        lines.push("END:VEVENT".into());
    }
    lines.push("END:VCALENDAR".into());
    let mut out = String::new();
    for l in lines {
        fold(&l, &mut out);
    }
    out
}

/// The date in England at `now`: UTC, one hour ahead in British Summer Time (the rule above).
/// Schools' days begin at midnight local time, so "today" for a roll is this, not the server's.
pub fn england_date(now: DateTime<Utc>) -> NaiveDate {
    use chrono::{Datelike, Duration};
    let year = now.year();
    let last_sunday = |month: u32| {
        let last = NaiveDate::from_ymd_opt(year, month, 31).unwrap_or(NaiveDate::MIN);
        last - Duration::days(i64::from(last.weekday().num_days_from_sunday()))
    };
    let at_one = |d: NaiveDate| d.and_hms_opt(1, 0, 0).map(|t| t.and_utc());
    let summer = match (at_one(last_sunday(3)), at_one(last_sunday(10))) {
        (Some(starts), Some(ends)) => now >= starts && now < ends,
        _ => false,
    };
    (now + Duration::hours(i64::from(summer))).date_naive()
}

fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

fn local(d: NaiveDate, t: NaiveTime) -> String {
    format!("{}T{}", d.format("%Y%m%d"), t.format("%H%M%S"))
}

/// A TEXT value: backslashes, semicolons, commas and line ends escaped; other control
/// characters dropped.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push_str("\\n");
                }
            }
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A content line folded at 75 octets (never inside a character), ended by CRLF.
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    let _ = write!(out, "\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(date: NaiveDate) -> FeedDay {
        FeedDay {
            uid: format!("{date}-network-day@aspire"),
            sequence: 0,
            cancelled: false,
            date,
            starts: NaiveTime::from_hms_opt(9, 0, 0).expect("time"),
            ends: NaiveTime::from_hms_opt(15, 30, 0).expect("time"),
            summary: "Senior Leaders Network Day, North Bradford".into(),
            location: Some("Keighley Central Primary; Keighley, BD21".into()),
            description: None,
            last_modified: DateTime::from_timestamp(1_540_000_000, 0).expect("instant"),
        }
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn the_date_in_england_turns_at_local_midnight() {
        let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).expect("instant").with_timezone(&Utc);
        // 23:30 UTC on 2 July is half past midnight on 3 July in London.
        assert_eq!(england_date(at("2018-07-02T23:30:00Z")), date(2018, 7, 3));
        // In winter London is on UTC.
        assert_eq!(england_date(at("2018-12-02T23:30:00Z")), date(2018, 12, 2));
        // The clocks went forward at 01:00 UTC on 25 March 2018 and back at 01:00 UTC on 28 October.
        assert_eq!(england_date(at("2018-03-25T00:59:00Z")), date(2018, 3, 25));
        assert_eq!(england_date(at("2018-03-25T23:00:00Z")), date(2018, 3, 26));
        assert_eq!(england_date(at("2018-10-27T23:30:00Z")), date(2018, 10, 28));
        assert_eq!(england_date(at("2018-10-28T23:30:00Z")), date(2018, 10, 28));
    }

    #[test]
    fn days_either_side_of_a_clock_change_keep_nine_oclock_local() {
        let stamp = DateTime::from_timestamp(1_540_000_000, 0).expect("instant");
        // The clocks went back on Sunday 28 October 2018.
        let f = feed("North Bradford", &[day(date(2018, 10, 26)), day(date(2018, 10, 29))], stamp);
        assert!(f.contains("DTSTART;TZID=Europe/London:20181026T090000\r\n"), "{f}");
        assert!(f.contains("DTSTART;TZID=Europe/London:20181029T090000\r\n"), "{f}");
        assert!(f.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/London\r\n"));
        assert!(f.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") && f.ends_with("END:VCALENDAR\r\n"));
        assert_eq!(f.matches("BEGIN:VEVENT").count(), 2);
        assert!(f.contains("LOCATION:Keighley Central Primary\\; Keighley\\, BD21\r\n"), "{f}");
    }

    #[test]
    fn a_cancelled_day_stays_with_its_identity_and_a_higher_sequence() {
        let stamp = Utc::now();
        let d = FeedDay { cancelled: true, sequence: 2, ..day(date(2019, 3, 12)) };
        let f = feed("x", &[d], stamp);
        assert!(f.contains("STATUS:CANCELLED\r\n") && f.contains("SEQUENCE:2\r\n"));
        assert!(f.contains("UID:2019-03-12-network-day@aspire\r\n"));
    }

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_a_character() {
        let long = "é".repeat(100);
        let mut out = String::new();
        fold(&format!("SUMMARY:{long}"), &mut out);
        for l in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(l.len() <= 75, "{} octets: {l}", l.len());
        }
        let unfolded: String = out.replace("\r\n ", "");
        assert_eq!(unfolded, format!("SUMMARY:{long}\r\n"));
    }

    #[test]
    fn text_values_are_escaped_and_control_characters_dropped() {
        assert_eq!(text("a;b,c\\d\r\ne\nf\u{7}"), "a\\;b\\,c\\\\d\\ne\\nf");
    }
}
