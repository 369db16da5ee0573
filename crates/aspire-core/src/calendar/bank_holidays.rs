//! Bank holidays in England and Wales, by rule, with the one-off changes made by proclamation.
//!
//! The rules: New Year's Day, Good Friday, Easter Monday, the first Monday of May, the last
//! Monday of May, the last Monday of August, Christmas Day and Boxing Day. When New Year's Day,
//! Christmas Day or Boxing Day falls at a weekend, the next weekday that is not already a holiday
//! is the substitute day. The one-off changes between 2017 and 2027 are listed in
//! [`ONE_OFF_CHANGES`]; years outside [`FIRST_YEAR`]..=[`LAST_YEAR`] follow the rules alone.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// The first year whose one-off changes are known.
pub const FIRST_YEAR: i32 = 2017;
/// The last year whose one-off changes are known.
pub const LAST_YEAR: i32 = 2027;

/// A bank holiday: its date and its name as GOV.UK gives it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct BankHoliday {
    pub date: NaiveDate,
    pub name: &'static str,
}

/// A change to a year's bank holidays made by proclamation.
struct OneOff {
    year: i32,
    /// The rule-made holiday it removes (by name), if any.
    replaces: Option<&'static str>,
    month: u32,
    day: u32,
    name: &'static str,
}

/// The one-off changes between 2017 and 2027.
const ONE_OFF_CHANGES: &[OneOff] = &[
    // The early May bank holiday moved from Monday 4 May to Friday 8 May for the 75th
    // anniversary of VE day.
    OneOff { year: 2020, replaces: Some(EARLY_MAY), month: 5, day: 8, name: "Early May bank holiday (VE day)" },
    // The spring bank holiday moved from Monday 30 May to Thursday 2 June, and Friday 3 June
    // was added, for the Platinum Jubilee.
    OneOff { year: 2022, replaces: Some(SPRING), month: 6, day: 2, name: SPRING },
    OneOff { year: 2022, replaces: None, month: 6, day: 3, name: "Platinum Jubilee bank holiday" },
    OneOff {
        year: 2022,
        replaces: None,
        month: 9,
        day: 19,
        name: "Bank holiday for the State Funeral of Queen Elizabeth II",
    },
    OneOff {
        year: 2023,
        replaces: None,
        month: 5,
        day: 8,
        name: "Bank holiday for the coronation of King Charles III",
    },
];

const EARLY_MAY: &str = "Early May bank holiday";
const SPRING: &str = "Spring bank holiday";

/// Easter Sunday in the Gregorian calendar (the anonymous algorithm published in 1876).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    ymd(year, month as u32, day as u32)
}

fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    // Every caller passes a real date; the fallback keeps this total.
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN)
}

fn first_monday(year: i32, month: u32) -> NaiveDate {
    let first = ymd(year, month, 1);
    let ahead = (7 - first.weekday().num_days_from_monday()) % 7;
    first + Duration::days(i64::from(ahead))
}

fn last_monday(year: i32, month: u32) -> NaiveDate {
    let next_month = if month == 12 { ymd(year + 1, 1, 1) } else { ymd(year, month + 1, 1) };
    let last = next_month - Duration::days(1);
    last - Duration::days(i64::from(last.weekday().num_days_from_monday()))
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The bank holidays of one year in England and Wales, in date order.
pub fn bank_holidays(year: i32) -> Vec<BankHoliday> {
    let easter = easter_sunday(year);
    let mut days = vec![
        BankHoliday { date: easter - Duration::days(2), name: "Good Friday" },
        BankHoliday { date: easter + Duration::days(1), name: "Easter Monday" },
        BankHoliday { date: first_monday(year, 5), name: EARLY_MAY },
        BankHoliday { date: last_monday(year, 5), name: SPRING },
        BankHoliday { date: last_monday(year, 8), name: "Summer bank holiday" },
    ];
    // Fixed days, each moved to the next free weekday when it falls at a weekend. When
    // Christmas is a Sunday, Boxing Day keeps Monday and Christmas takes Tuesday.
    let christmas_on_sunday = ymd(year, 12, 25).weekday() == Weekday::Sun;
    let fixed = if christmas_on_sunday {
        [(1, 1, "New Year's Day"), (12, 26, "Boxing Day"), (12, 25, "Christmas Day")]
    } else {
        [(1, 1, "New Year's Day"), (12, 25, "Christmas Day"), (12, 26, "Boxing Day")]
    };
    for (month, day, name) in fixed {
        let mut date = ymd(year, month, day);
        while is_weekend(date) || days.iter().any(|h| h.date == date) {
            date += Duration::days(1);
        }
        days.push(BankHoliday { date, name });
    }
    for change in ONE_OFF_CHANGES.iter().filter(|c| c.year == year) {
        if let Some(replaced) = change.replaces {
            days.retain(|h| h.name != replaced);
        }
        days.push(BankHoliday { date: ymd(year, change.month, change.day), name: change.name });
    }
    days.sort();
    days
}

/// The bank holidays of the years `from..=to`, in date order.
pub fn bank_holidays_between(from: i32, to: i32) -> Vec<BankHoliday> {
    (from..=to).flat_map(bank_holidays).collect()
}

/// The bank holiday on `date`, if there is one.
pub fn bank_holiday_on(date: NaiveDate) -> Option<BankHoliday> {
    // Asked for every day of every school's year while planning: worked out once for the
    // years a programme may run in, by rule for any other.
    const KNOWN_YEARS: std::ops::RangeInclusive<i32> = 2000..=2060;
    static KNOWN: std::sync::OnceLock<std::collections::HashMap<NaiveDate, BankHoliday>> = std::sync::OnceLock::new();
    if KNOWN_YEARS.contains(&date.year()) {
        let known = KNOWN.get_or_init(|| KNOWN_YEARS.flat_map(bank_holidays).map(|h| (h.date, h)).collect());
        return known.get(&date).cloned();
    }
    bank_holidays(date.year()).into_iter().find(|h| h.date == date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_days_worked_out_once_are_the_rules_days_in_every_year() {
        for year in [1999, 2000, 2017, 2020, 2022, 2023, 2060, 2061] {
            let by_rule = bank_holidays(year);
            let mut day = ymd(year, 1, 1);
            while day.year() == year {
                assert_eq!(bank_holiday_on(day), by_rule.iter().find(|h| h.date == day).cloned(), "{day}");
                day += Duration::days(1);
            }
        }
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("checked in the test")
    }

    fn dates(year: i32) -> Vec<NaiveDate> {
        bank_holidays(year).into_iter().map(|h| h.date).collect()
    }

    #[test]
    fn easter_is_computed_for_known_years() {
        assert_eq!(easter_sunday(2019), d(2019, 4, 21));
        assert_eq!(easter_sunday(2024), d(2024, 3, 31));
        assert_eq!(easter_sunday(2025), d(2025, 4, 20));
        assert_eq!(easter_sunday(2027), d(2027, 3, 28));
    }

    #[test]
    fn known_holidays_fall_on_their_days() {
        assert_eq!(bank_holiday_on(d(2019, 4, 22)).expect("checked in the test").name, "Easter Monday");
        assert_eq!(bank_holiday_on(d(2019, 4, 19)).expect("checked in the test").name, "Good Friday");
        assert_eq!(bank_holiday_on(d(2024, 8, 26)).expect("checked in the test").name, "Summer bank holiday");
        assert_eq!(bank_holiday_on(d(2018, 5, 7)).expect("checked in the test").name, EARLY_MAY);
        assert_eq!(bank_holiday_on(d(2018, 5, 28)).expect("checked in the test").name, SPRING);
    }

    #[test]
    fn ve_day_replaced_the_early_may_monday_in_2020() {
        assert_eq!(bank_holiday_on(d(2020, 5, 4)), None);
        assert_eq!(
            bank_holiday_on(d(2020, 5, 8)).expect("checked in the test").name,
            "Early May bank holiday (VE day)"
        );
        assert_eq!(dates(2020).len(), 8);
    }

    #[test]
    fn substitute_days_follow_weekend_holidays() {
        // Christmas 2020 was a Friday: Boxing Day (Saturday) moved to Monday 28th.
        assert_eq!(bank_holiday_on(d(2020, 12, 28)).expect("checked in the test").name, "Boxing Day");
        assert_eq!(bank_holiday_on(d(2020, 12, 26)), None);
        // Christmas 2021 was a Saturday: Monday 27th and Tuesday 28th.
        assert_eq!(bank_holiday_on(d(2021, 12, 27)).expect("checked in the test").name, "Christmas Day");
        assert_eq!(bank_holiday_on(d(2021, 12, 28)).expect("checked in the test").name, "Boxing Day");
        // Christmas 2022 was a Sunday: Boxing Day Monday 26th, Christmas Tuesday 27th.
        assert_eq!(bank_holiday_on(d(2022, 12, 26)).expect("checked in the test").name, "Boxing Day");
        assert_eq!(bank_holiday_on(d(2022, 12, 27)).expect("checked in the test").name, "Christmas Day");
        // New Year's Day 2022 was a Saturday, 2023 a Sunday.
        assert_eq!(bank_holiday_on(d(2022, 1, 3)).expect("checked in the test").name, "New Year's Day");
        assert_eq!(bank_holiday_on(d(2023, 1, 2)).expect("checked in the test").name, "New Year's Day");
    }

    #[test]
    fn the_one_off_days_of_2022_and_2023_are_there() {
        assert_eq!(bank_holiday_on(d(2022, 5, 30)), None);
        assert_eq!(bank_holiday_on(d(2022, 6, 2)).expect("checked in the test").name, SPRING);
        assert!(bank_holiday_on(d(2022, 6, 3)).is_some());
        assert!(bank_holiday_on(d(2022, 9, 19)).is_some());
        assert_eq!(dates(2022).len(), 10);
        assert!(bank_holiday_on(d(2023, 5, 8)).is_some());
        assert!(bank_holiday_on(d(2023, 5, 1)).is_some());
        assert_eq!(dates(2023).len(), 9);
    }

    #[test]
    fn an_ordinary_year_has_eight_holidays_in_order() {
        for year in [2017, 2018, 2019, 2021, 2024, 2025, 2026, 2027] {
            let days = dates(year);
            assert_eq!(days.len(), 8, "{year}");
            assert!(days.windows(2).all(|w| w[0] < w[1]));
            assert!(days.iter().all(|d| !is_weekend(*d)), "{year}");
        }
    }
}
