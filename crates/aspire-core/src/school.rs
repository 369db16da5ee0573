//! The school register: one record per URN, filled from GIAS extracts, the DfE performance-tables
//! spine and other public files.
//!
//! Each file carries a different subset of fields, so writes name the fields they carry
//! ([`SchoolField`]) and reads return a [`School`] whose absent fields are `None`.

use chrono::NaiveDate;
use serde::Serialize;

use crate::urn::Urn;
use crate::value::{Kind, Value};

macro_rules! school_fields {
    ($( $(#[$doc:meta])* $field:ident : $variant:ident, $ty:ty, $kind:ident, $label:literal; )*) => {
        /// A field of the school register that an import may set.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum SchoolField { $( $variant ),* }

        impl SchoolField {
            pub const ALL: &'static [SchoolField] = &[ $( SchoolField::$variant ),* ];

            /// Storage column name (snake case, stable).
            pub fn column(self) -> &'static str {
                match self { $( SchoolField::$variant => stringify!($field) ),* }
            }

            pub fn kind(self) -> Kind {
                match self { $( SchoolField::$variant => Kind::$kind ),* }
            }

            /// Plain-English name for pages and exports.
            pub fn label(self) -> &'static str {
                match self { $( SchoolField::$variant => $label ),* }
            }
        }

        /// A school as the register knows it. Absent fields are `None`.
        #[derive(Debug, Clone, Default, PartialEq, Serialize)]
        pub struct School {
            pub urn: Option<Urn>,
            $( $(#[$doc])* pub $field: Option<$ty>, )*
        }

        impl School {
            pub fn new(urn: Urn) -> Self {
                School { urn: Some(urn), ..Default::default() }
            }

            /// Sets a field from a stored value; a value of the wrong kind is ignored.
            pub fn set(&mut self, field: SchoolField, value: Option<Value>) {
                match field { $( SchoolField::$variant => self.$field = value.and_then(|v| FromValue::from_value(v)) ),* }
            }

            /// The value of a field, for exports.
            pub fn get(&self, field: SchoolField) -> Option<Value> {
                match field { $( SchoolField::$variant => self.$field.clone().map(IntoValue::into_value) ),* }
            }
        }
    };
}

trait FromValue: Sized {
    fn from_value(v: Value) -> Option<Self>;
}
trait IntoValue {
    fn into_value(self) -> Value;
}
impl FromValue for String {
    fn from_value(v: Value) -> Option<Self> {
        match v {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }
}
impl FromValue for i64 {
    fn from_value(v: Value) -> Option<Self> {
        v.as_int()
    }
}
impl FromValue for f64 {
    fn from_value(v: Value) -> Option<Self> {
        v.as_real()
    }
}
impl FromValue for NaiveDate {
    fn from_value(v: Value) -> Option<Self> {
        v.as_date()
    }
}
impl FromValue for bool {
    fn from_value(v: Value) -> Option<Self> {
        v.as_bool()
    }
}
impl IntoValue for String {
    fn into_value(self) -> Value {
        Value::Text(self)
    }
}
impl IntoValue for i64 {
    fn into_value(self) -> Value {
        Value::Int(self)
    }
}
impl IntoValue for f64 {
    fn into_value(self) -> Value {
        Value::Real(self)
    }
}
impl IntoValue for NaiveDate {
    fn into_value(self) -> Value {
        Value::Date(self)
    }
}
impl IntoValue for bool {
    fn into_value(self) -> Value {
        Value::Bool(self)
    }
}

school_fields! {
    name: Name, String, Text, "Name";
    /// DfE local-authority number (see [`crate::codes::LaCode`]).
    la_code: LaCode, i64, Int, "LA code";
    la_name: LaName, String, Text, "Local authority";
    establishment_number: EstablishmentNumber, i64, Int, "Establishment number";
    /// GIAS TypeOfEstablishment or DfE NFTYPE, e.g. "Academy converter", "Community school".
    type_name: TypeName, String, Text, "Type of establishment";
    /// GIAS EstablishmentTypeGroup, e.g. "Academies", "Local authority maintained schools".
    type_group: TypeGroup, String, Text, "Establishment group";
    /// DfE performance-tables MINORGROUP: "Maintained School", "Academy", "Independent School", "Special School", "College".
    minor_group: MinorGroup, String, Text, "DfE school group";
    status: Status, String, Text, "Status";
    phase: Phase, String, Text, "Phase of education";
    is_primary: IsPrimary, bool, Bool, "Has primary phase";
    is_secondary: IsSecondary, bool, Bool, "Has secondary phase";
    is_post16: IsPost16, bool, Bool, "Has post-16 provision";
    low_age: LowAge, i64, Int, "Lowest age";
    high_age: HighAge, i64, Int, "Highest age";
    gender: Gender, String, Text, "Gender of entry";
    religious_character: ReligiousCharacter, String, Text, "Religious character";
    admissions_policy: AdmissionsPolicy, String, Text, "Admissions policy";
    open_date: OpenDate, NaiveDate, Date, "Opened";
    close_date: CloseDate, NaiveDate, Date, "Closed";
    open_reason: OpenReason, String, Text, "Reason opened";
    close_reason: CloseReason, String, Text, "Reason closed";
    street: Street, String, Text, "Street";
    locality: Locality, String, Text, "Locality";
    address3: Address3, String, Text, "Address line 3";
    town: Town, String, Text, "Town";
    county: County, String, Text, "County";
    postcode: Postcode, String, Text, "Postcode";
    telephone: Telephone, String, Text, "Telephone";
    website: Website, String, Text, "Website";
    number_of_pupils: NumberOfPupils, i64, Int, "Pupils on roll";
    percentage_fsm: PercentageFsm, f64, Real, "Pupils eligible for free school meals (%)";
    school_capacity: SchoolCapacity, i64, Int, "Capacity";
    trust_name: TrustName, String, Text, "Trust";
    /// ONS GSS code of the local authority district (GIAS DistrictAdministrative code).
    district_code: DistrictCode, String, Text, "District code";
    district_name: DistrictName, String, Text, "District";
    ward_name: WardName, String, Text, "Ward";
    constituency_name: ConstituencyName, String, Text, "Parliamentary constituency";
    region_name: RegionName, String, Text, "Region";
    /// GSS code of the local authority (county or unitary), e.g. E10000014.
    gss_la_code: GssLaCode, String, Text, "Local authority GSS code";
    urban_rural: UrbanRural, String, Text, "Urban/rural";
    easting: Easting, f64, Real, "Easting";
    northing: Northing, f64, Real, "Northing";
    latitude: Latitude, f64, Real, "Latitude";
    longitude: Longitude, f64, Real, "Longitude";
    /// Where the coordinates came from: "grid" (GIAS Easting/Northing) or "postcode".
    location_source: LocationSource, String, Text, "Location source";
}

/// The dates the register holds, worked out once for an import: from 1800 (older schools exist,
/// older records of them do not) to five years after today (a school can be proposed to open a
/// few years ahead).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegisterDates {
    pub earliest: NaiveDate,
    pub latest: NaiveDate,
    pub today: NaiveDate,
}

impl RegisterDates {
    pub fn as_of(today: NaiveDate) -> RegisterDates {
        RegisterDates {
            earliest: NaiveDate::from_ymd_opt(1800, 1, 1).unwrap_or(NaiveDate::MIN),
            latest: today.checked_add_months(chrono::Months::new(5 * 12)).unwrap_or(NaiveDate::MAX),
            today,
        }
    }

    pub fn holds(&self, d: NaiveDate) -> bool {
        (self.earliest..=self.latest).contains(&d)
    }

    /// Why a date outside them is refused.
    pub fn refusal(&self) -> String {
        format!(
            "a date the register holds must be between {} and {} (five years from today)",
            self.earliest.format("%d-%m-%Y"),
            self.latest.format("%d-%m-%Y")
        )
    }
}

impl SchoolField {
    /// Whether a value is one this field can hold: ages from 0 to 99 (statutory ages run to 25,
    /// but the DfE writes 99 for colleges with no upper age, and some independent colleges take
    /// students to 28 or 35), counts of pupils
    /// and places that a school can have, percentages from 0 to 100, establishment numbers of four
    /// digits, dates within [`RegisterDates`]. `Err` says why not, for the user.
    pub fn check(self, value: &Value, dates: &RegisterDates) -> Result<(), String> {
        use SchoolField as F;
        let whole = |lo: i64, hi: i64, what: &str| match value.as_int() {
            Some(n) if (lo..=hi).contains(&n) => Ok(()),
            Some(_) => Err(format!("{what} must be between {lo} and {hi}")),
            None => Ok(()),
        };
        match self {
            F::LowAge | F::HighAge => whole(0, 99, "an age (99 for no upper age)"),
            F::NumberOfPupils => whole(0, 10_000, "a number of pupils on roll"),
            F::SchoolCapacity => whole(0, 10_000, "a school's capacity"),
            F::EstablishmentNumber => whole(0, 9_999, "an establishment number (four digits)"),
            F::PercentageFsm => match value.as_real() {
                Some(x) if (0.0..=100.0).contains(&x) => Ok(()),
                Some(_) => Err("a percentage must be between 0 and 100".to_owned()),
                None => Ok(()),
            },
            F::OpenDate | F::CloseDate => match value.as_date() {
                Some(d) if !dates.holds(d) => Err(dates.refusal()),
                _ => Ok(()),
            },
            _ => Ok(()),
        }
    }
}

impl School {
    /// Open on a date, as far as the register can tell: `None` when neither date nor status says.
    pub fn open_on(&self, date: NaiveDate) -> Option<bool> {
        if self.close_date.is_some_and(|closed| closed <= date) || self.open_date.is_some_and(|opened| opened > date) {
            return Some(false);
        }
        if self.open_date.is_some() || self.close_date.is_some() {
            return Some(true);
        }
        self.status.as_deref().map(|s| !s.eq_ignore_ascii_case("closed"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_metadata_is_consistent() {
        let mut seen = std::collections::HashSet::new();
        for f in SchoolField::ALL {
            assert!(seen.insert(f.column()), "duplicate column {}", f.column());
            assert!(!f.label().is_empty());
        }
    }

    #[test]
    fn set_and_get_round_trip() {
        let urn = Urn::parse("143966").expect("valid");
        let mut s = School::new(urn);
        s.set(SchoolField::Name, Some(Value::Text("Bournemouth Park Academy".into())));
        s.set(SchoolField::LaCode, Some(Value::Int(882)));
        s.set(SchoolField::Latitude, Some(Value::Real(51.55)));
        // A value of the wrong kind is ignored, not coerced.
        s.set(SchoolField::NumberOfPupils, Some(Value::Text("many".into())));
        assert_eq!(s.name.as_deref(), Some("Bournemouth Park Academy"));
        assert_eq!(s.get(SchoolField::LaCode), Some(Value::Int(882)));
        assert_eq!(s.number_of_pupils, None);
    }

    #[test]
    fn implausible_values_are_refused_with_the_range() {
        let today = &RegisterDates::as_of(NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"));
        let age = SchoolField::LowAge.check(&Value::Int(-99_999_999_999), today).expect_err("refused");
        assert!(age.contains("between 0 and 99"), "{age}");
        assert!(SchoolField::HighAge.check(&Value::Int(11), today).is_ok());
        assert!(SchoolField::HighAge.check(&Value::Int(99), today).is_ok(), "DfE: no upper age");
        assert!(SchoolField::LowAge.check(&Value::Int(-1), today).is_err());
        let d = |y, m, day| Value::Date(NaiveDate::from_ymd_opt(y, m, day).expect("date"));
        let far = SchoolField::OpenDate.check(&d(2999, 1, 1), today).expect_err("refused");
        assert!(far.contains("01-01-1800") && far.contains("01-01-2031"), "{far}");
        assert!(SchoolField::OpenDate.check(&d(2030, 9, 1), today).is_ok(), "proposed to open");
        assert!(SchoolField::CloseDate.check(&d(1799, 12, 31), today).is_err());
        assert!(SchoolField::PercentageFsm.check(&Value::Real(100.5), today).is_err());
        assert!(SchoolField::Name.check(&Value::Text("Any".into()), today).is_ok());
    }

    #[test]
    fn open_on_reads_dates_then_status() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date");
        let mut s = School::default();
        assert_eq!(s.open_on(d("2017-09-01")), None);
        s.status = Some("Closed".into());
        assert_eq!(s.open_on(d("2017-09-01")), Some(false));
        s.close_date = Some(d("2018-12-31"));
        assert_eq!(s.open_on(d("2017-09-01")), Some(true));
        assert_eq!(s.open_on(d("2018-12-31")), Some(false));
        s.open_date = Some(d("2017-10-01"));
        assert_eq!(s.open_on(d("2017-09-01")), Some(false));
    }
}
