//! Joining a programme well: the checklist each enrolled school works through in its first
//! weeks, and when its head teacher is reminded of what is still open.
//!
//! Some items the platform sees from its own records (who holds accounts at the school); the
//! others are ticked by the programme team or the school's leaders, and each tick keeps who
//! made it and when.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

macro_rules! items {
    ($( $variant:ident, $code:literal, $label:literal, $hint:literal, $seen:literal; )*) => {
        /// One thing a school does to join a programme.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        pub enum Item { $( $variant ),* }

        impl Item {
            pub const ALL: &'static [Item] = &[ $( Item::$variant ),* ];

            /// Stable code, as stored and in addresses: "data-sharing".
            pub fn code(self) -> &'static str {
                match self { $( Item::$variant => $code ),* }
            }

            /// For people: "Data-sharing agreement accepted".
            pub fn label(self) -> &'static str {
                match self { $( Item::$variant => $label ),* }
            }

            /// What doing it means, said to the school.
            pub fn hint(self) -> &'static str {
                match self { $( Item::$variant => $hint ),* }
            }

            /// Whether the platform sees this item from its own records (nobody ticks it).
            pub fn seen_by_platform(self) -> bool {
                match self { $( Item::$variant => $seen ),* }
            }
        }
    };
}

items! {
    Agreement, "agreement", "Partnership agreement signed",
        "The head teacher and chair of governors have signed the partnership agreement.", false;
    Contacts, "contacts", "Head teacher and main contact have accounts",
        "A head teacher and one more member of staff (the main contact) hold roles at the school on Aspire.", true;
    StaffList, "staff-list", "Staff list imported",
        "The school's staff list is on Aspire: at least four people hold roles at the school.", true;
    DataSharing, "data-sharing", "Data-sharing agreement accepted",
        "The school has accepted the data-sharing agreement for assessment data.", false;
    BaselineDate, "baseline-date", "Baseline assessment date set",
        "The date of the baseline assessment is agreed with the Achievement Adviser.", false;
    FirstDates, "first-dates", "First dates known",
        "The school knows the dates of its first network day and development day.", false;
}

/// People holding roles at a school that count as its staff list being on Aspire.
pub const STAFF_LIST_PEOPLE: usize = 4;

/// How many days after enrolment the first reminder goes.
pub const DEFAULT_REMIND_AFTER_DAYS: i64 = 14;

/// A school is reminded at most once in this many days.
pub const REMIND_AT_MOST_EVERY_DAYS: i64 = 7;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JoiningError {
    #[error("'{0}' is not an item of the joining checklist; the items are: {items}", items = Item::ALL.iter().map(|i| i.code()).collect::<Vec<_>>().join(", "))]
    NoSuchItem(String),
    #[error("\"{}\" is ticked from the platform's own records, not by hand: {}", .0.label(), .0.hint())]
    SeenByPlatform(Item),
    #[error("the school is not enrolled in this programme, so it has no joining checklist")]
    NotEnrolled,
}

impl Item {
    pub fn parse(text: &str) -> Result<Item, JoiningError> {
        let t = text.trim();
        Item::ALL.iter().copied().find(|i| i.code() == t).ok_or_else(|| JoiningError::NoSuchItem(t.to_owned()))
    }

    /// An item that people tick (refuses those the platform sees for itself).
    pub fn tickable(text: &str) -> Result<Item, JoiningError> {
        let item = Item::parse(text)?;
        if item.seen_by_platform() {
            return Err(JoiningError::SeenByPlatform(item));
        }
        Ok(item)
    }
}

/// What the platform's records say about a school, for the items it sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Facts {
    /// People holding the head teacher role at the school.
    pub heads: usize,
    /// People holding any role at the school (the head included).
    pub people: usize,
}

/// A tick made by a person: who and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tick {
    pub item: Item,
    pub by: String,
    pub at: DateTime<Utc>,
}

/// Where an item stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Status {
    Open,
    /// Seen from the platform's records, with what was seen.
    Seen(String),
    Ticked {
        by: String,
        at: DateTime<Utc>,
    },
}

impl Status {
    pub fn done(&self) -> bool {
        !matches!(self, Status::Open)
    }
}

/// A school's checklist: every item in order with its status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Checklist {
    pub items: Vec<(Item, Status)>,
}

impl Checklist {
    pub fn new(facts: Facts, ticks: &[Tick]) -> Checklist {
        let items = Item::ALL
            .iter()
            .map(|&item| {
                let status = match item {
                    Item::Contacts if facts.heads >= 1 && facts.people >= 2 => Status::Seen(format!(
                        "{} with roles at the school, the head teacher among them",
                        people(facts.people)
                    )),
                    Item::StaffList if facts.people >= STAFF_LIST_PEOPLE => {
                        Status::Seen(format!("{} with roles at the school", people(facts.people)))
                    }
                    _ if item.seen_by_platform() => Status::Open,
                    _ => match ticks.iter().find(|t| t.item == item) {
                        Some(t) => Status::Ticked { by: t.by.clone(), at: t.at },
                        None => Status::Open,
                    },
                };
                (item, status)
            })
            .collect();
        Checklist { items }
    }

    pub fn open(&self) -> Vec<Item> {
        self.items.iter().filter(|(_, s)| !s.done()).map(|(i, _)| *i).collect()
    }

    pub fn done_count(&self) -> usize {
        self.items.iter().filter(|(_, s)| s.done()).count()
    }

    pub fn status(&self, item: Item) -> &Status {
        self.items.iter().find(|(i, _)| *i == item).map_or(&Status::Open, |(_, s)| s)
    }
}

fn people(n: usize) -> String {
    if n == 1 { "1 person".to_owned() } else { format!("{n} people") }
}

/// Is a reminder due to a school's head? Only when items are open, at least `after_days` since
/// the school was enrolled, and not within a week of the last reminder.
pub fn reminder_due(
    enrolled_at: DateTime<Utc>,
    last_reminded: Option<DateTime<Utc>>,
    open_items: usize,
    after_days: i64,
    now: DateTime<Utc>,
) -> bool {
    open_items > 0
        && now - enrolled_at >= Duration::days(after_days)
        && last_reminded.is_none_or(|last| now - last >= Duration::days(REMIND_AT_MOST_EVERY_DAYS))
}

/// The reminder's text: the school, the open items with what each means, and where to tick them.
pub fn reminder_body(school: &str, programme: &str, open: &[Item], link: &str) -> String {
    let mut body =
        format!("Dear head teacher,\n\n{school} joined {programme}. These steps of joining are still open:\n\n");
    for item in open {
        body.push_str(&format!("- {}: {}\n", item.label(), item.hint()));
    }
    body.push_str(&format!(
        "\nYou can tick them off, or see what the programme team has recorded, on your school's checklist:\n{link}\n\n\
         You will be reminded at most once a week while steps remain open.\n"
    ));
    body
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 9, day, 9, 0, 0).single().expect("date")
    }

    #[test]
    fn the_platform_ticks_what_it_can_see_and_people_tick_the_rest() {
        let c = Checklist::new(Facts::default(), &[]);
        assert_eq!(c.open(), Item::ALL.to_vec());
        let c = Checklist::new(Facts { heads: 1, people: 1 }, &[]);
        assert!(!c.status(Item::Contacts).done(), "a head alone is not a head and a main contact");
        let ticks = [Tick { item: Item::Agreement, by: "pa@team.example".into(), at: at(3) }];
        let c = Checklist::new(Facts { heads: 1, people: 2 }, &ticks);
        assert!(c.status(Item::Contacts).done());
        assert!(!c.status(Item::StaffList).done());
        assert_eq!(c.status(Item::Agreement), &Status::Ticked { by: "pa@team.example".into(), at: at(3) });
        assert_eq!(c.done_count(), 2);
        let c = Checklist::new(Facts { heads: 0, people: 5 }, &[]);
        assert!(c.status(Item::StaffList).done() && !c.status(Item::Contacts).done(), "no head teacher");
        // A tick stored for an item the platform sees changes nothing.
        let c = Checklist::new(Facts::default(), &[Tick { item: Item::StaffList, by: "x".into(), at: at(3) }]);
        assert!(!c.status(Item::StaffList).done());
    }

    #[test]
    fn only_items_people_do_can_be_ticked_by_hand() {
        assert_eq!(Item::tickable("data-sharing"), Ok(Item::DataSharing));
        assert_eq!(Item::tickable("contacts"), Err(JoiningError::SeenByPlatform(Item::Contacts)));
        let e = Item::tickable("coffee").expect_err("no such item");
        assert!(e.to_string().contains("'coffee' is not an item") && e.to_string().contains("baseline-date"));
        for i in Item::ALL {
            assert_eq!(Item::parse(i.code()), Ok(*i));
        }
    }

    #[test]
    fn reminders_wait_for_the_set_days_and_come_at_most_weekly() {
        let enrolled = at(1);
        assert!(!reminder_due(enrolled, None, 3, 14, at(14)), "13 days after enrolment");
        assert!(reminder_due(enrolled, None, 3, 14, at(15)));
        assert!(!reminder_due(enrolled, None, 0, 14, at(20)), "nothing open");
        assert!(!reminder_due(enrolled, Some(at(15)), 3, 14, at(21)), "six days after the last");
        assert!(reminder_due(enrolled, Some(at(15)), 3, 14, at(22)));
        let body = reminder_body("Green Lane Primary", "TLIF 2017", &[Item::Agreement], "https://x/y");
        assert!(body.contains("Partnership agreement signed") && body.contains("https://x/y"));
    }
}
