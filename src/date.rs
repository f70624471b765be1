//! Calendar dates and date-times as the intake writes them (ISO 8601, no time zone).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

/// A proleptic Gregorian calendar date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

/// The name the intake deserializer recognises to validate dates in place.
pub(crate) const DATE_TYPE_NAME: &str = "authpack::Date";
/// The name the intake deserializer recognises to validate date-times in place.
pub(crate) const DATE_TIME_TYPE_NAME: &str = "authpack::DateTime";

/// The first year a date in an intake or a data file may have.
pub const MIN_YEAR: i32 = 1900;
/// The last year a date in an intake or a data file may have; derived deadlines (at most a few years
/// later) then always have four-digit years, as ISO 8601 and iCalendar write them.
pub const MAX_YEAR: i32 = 2199;

impl Date {
    /// Builds a date, or `None` when the day does not exist.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        let valid =
            (1..=9999).contains(&year) && (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month);
        valid.then_some(Date { year, month, day })
    }

    /// Parses `YYYY-MM-DD`, explaining what is wrong when it cannot.
    pub fn parse(text: &str) -> Result<Date, String> {
        let bytes = text.as_bytes();
        let shape_ok = bytes.len() == 10
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && bytes.iter().enumerate().all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
        if !shape_ok {
            return Err("expected a date written YYYY-MM-DD".to_string());
        }
        let year: i32 = text[0..4].parse().map_err(|_| "bad year".to_string())?;
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            // Every deadline derived from a date stays a few years after it, well inside the calendar.
            return Err(format!("expected a year from {MIN_YEAR} to {MAX_YEAR}"));
        }
        let month = text[5..7].parse().map_err(|_| "bad month".to_string())?;
        let day = text[8..10].parse().map_err(|_| "bad day".to_string())?;
        Date::new(year, month, day).ok_or_else(|| "no such day in the calendar".to_string())
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// The month, 1 to 12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month.
    pub fn day(self) -> u8 {
        self.day
    }

    /// Days since 1970-01-01 (negative before it).
    pub fn days_since_epoch(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01.
    pub fn from_days_since_epoch(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// The date `days` later (or earlier, when negative).
    pub fn add_days(self, days: i64) -> Date {
        Date::from_days_since_epoch(self.days_since_epoch() + days)
    }

    /// Whole days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: Date) -> i64 {
        later.days_since_epoch() - self.days_since_epoch()
    }

    /// The same day `months` later, clamped to the last day of a shorter month.
    pub fn add_months(self, months: i32) -> Date {
        let index = self.year * 12 + i32::from(self.month) - 1 + months;
        let year = index.div_euclid(12);
        let month = (index.rem_euclid(12) + 1) as u8;
        let day = self.day.min(days_in_month(year, month));
        Date { year, month, day }
    }

    /// Full years from `birth` to `self`, as an age is counted.
    pub fn years_since(self, birth: Date) -> i32 {
        let had_birthday = (self.month, self.day) >= (birth.month, birth.day);
        self.year - birth.year - i32::from(!had_birthday)
    }

    /// Seconds since the Unix epoch at midnight UTC of this date.
    pub fn unix_seconds(self) -> i64 {
        self.days_since_epoch() * 86_400
    }

    /// The month's English name and the day, for letters ("November 20, 2026").
    pub fn long(self) -> String {
        const MONTHS: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        format!("{} {}, {}", MONTHS[usize::from(self.month) - 1], self.day, self.year)
    }
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A JSON Schema for a type written as text of one shape.
macro_rules! text_schema {
    ($type:ty, $name:literal, $pattern:literal, $description:literal) => {
        impl schemars::JsonSchema for $type {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                $name.into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({ "type": "string", "pattern": $pattern, "description": $description })
            }
        }
    };
}

text_schema!(Date, "Date", "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "A calendar date, YYYY-MM-DD.");
text_schema!(
    DateTime,
    "DateTime",
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}$",
    "A local date and time to the minute, YYYY-MM-DDTHH:MM."
);

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_newtype_struct(DATE_TYPE_NAME, ParsedVisitor(Date::parse))
    }
}

/// A local date and time to the minute, as in a call log (`YYYY-MM-DDTHH:MM`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime {
    /// The calendar date.
    pub date: Date,
    /// Hour, 0 to 23.
    pub hour: u8,
    /// Minute, 0 to 59.
    pub minute: u8,
}

impl DateTime {
    /// Parses `YYYY-MM-DDTHH:MM`.
    pub fn parse(text: &str) -> Result<DateTime, String> {
        let expected = "expected a date-time written YYYY-MM-DDTHH:MM";
        let (date, time) = text.split_once('T').ok_or(expected)?;
        let date = Date::parse(date)?;
        let (hour, minute) = time.split_once(':').ok_or(expected)?;
        let two_digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
        if !two_digits(hour) || !two_digits(minute) {
            return Err(expected.to_string());
        }
        let (hour, minute): (u8, u8) = (hour.parse().unwrap_or(99), minute.parse().unwrap_or(99));
        if hour > 23 || minute > 59 {
            return Err("no such time of day".to_string());
        }
        Ok(DateTime { date, hour, minute })
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}T{:02}:{:02}", self.date, self.hour, self.minute)
    }
}

impl Serialize for DateTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DateTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_newtype_struct(DATE_TIME_TYPE_NAME, ParsedVisitor(DateTime::parse))
    }
}

/// Reads a string (directly or wrapped in a newtype) and parses it.
pub(crate) struct ParsedVisitor<T>(pub(crate) fn(&str) -> Result<T, String>);

impl<'de, T> de::Visitor<'de> for ParsedVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        (self.0)(v).map_err(E::custom)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        let text = String::deserialize(d)?;
        (self.0)(&text).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        assert_eq!(Date::parse("2024-02-29").unwrap().to_string(), "2024-02-29");
        for bad in ["2023-02-29", "2026-13-01", "2026-1-01", "20261101", "", "2026-11-31"] {
            assert!(Date::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn years_outside_the_range_are_refused_so_no_deadline_leaves_four_digits() {
        assert_eq!(Date::parse("9999-12-20").unwrap_err(), "expected a year from 1900 to 2199");
        assert!(Date::parse("1899-12-31").is_err());
        let last = Date::parse("2199-12-31").unwrap();
        // The longest span authpack adds is a few years (an appeal's limit, then review); even ten stay four-digit.
        assert_eq!(last.add_days(3652).to_string(), "2209-12-31");
        assert!(Date::parse("1900-01-01").is_ok());
    }

    #[test]
    fn day_arithmetic_round_trips() {
        let d = Date::parse("2026-11-20").unwrap();
        assert_eq!(Date::from_days_since_epoch(d.days_since_epoch()), d);
        assert_eq!(Date::parse("1970-01-01").unwrap().days_since_epoch(), 0);
        assert_eq!(d.add_days(11).to_string(), "2026-12-01");
        assert_eq!(Date::parse("2024-02-28").unwrap().add_days(1).to_string(), "2024-02-29");
        assert_eq!(Date::parse("2025-06-01").unwrap().days_until(d), 537);
    }

    #[test]
    fn months_clamp_and_ages_count_birthdays() {
        let jan31 = Date::parse("2026-01-31").unwrap();
        assert_eq!(jan31.add_months(1).to_string(), "2026-02-28");
        assert_eq!(Date::parse("2024-01-31").unwrap().add_months(1).to_string(), "2024-02-29");
        assert_eq!(jan31.add_months(-2).to_string(), "2025-11-30");
        let birth = Date::parse("2008-11-21").unwrap();
        assert_eq!(Date::parse("2026-11-20").unwrap().years_since(birth), 17);
        assert_eq!(Date::parse("2026-11-21").unwrap().years_since(birth), 18);
    }

    #[test]
    fn date_times() {
        assert_eq!(DateTime::parse("2026-10-05T14:30").unwrap().to_string(), "2026-10-05T14:30");
        for bad in ["2026-10-05 14:30", "2026-10-05T24:00", "2026-10-05T4:30", "2026-10-05"] {
            assert!(DateTime::parse(bad).is_err(), "{bad}");
        }
    }
}
