//! IMAP date and date-time text (RFC 3501 `date`, `date-time`) to and from ms since the Unix epoch.
//!
//! Pure calendar arithmetic (proleptic Gregorian, UTC); no clock, no time-zone database.

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

const MS_PER_DAY: i64 = 86_400_000;

/// Days since 1970-01-01 for a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, usize, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    // m is 1..=12 by construction.
    (y, usize::try_from(m - 1).unwrap_or(0), d)
}

/// `d-Mon-yyyy` of the UTC day containing `ms` (SEARCH `date`).
pub fn format_date(ms: i64) -> String {
    let (y, m, d) = civil_from_days(ms.div_euclid(MS_PER_DAY));
    format!("{d}-{}-{y:04}", MONTHS.get(m).copied().unwrap_or("Jan"))
}

/// `dd-Mon-yyyy hh:mm:ss +0000` (APPEND `date-time`, always UTC).
pub fn format_date_time(ms: i64) -> String {
    let days = ms.div_euclid(MS_PER_DAY);
    let secs = ms.rem_euclid(MS_PER_DAY) / 1000;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{d:02}-{}-{y:04} {:02}:{:02}:{:02} +0000",
        MONTHS.get(m).copied().unwrap_or("Jan"),
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Parses `dd-Mon-yyyy hh:mm:ss +zzzz` (day may be space-padded or one digit; month case-insensitive).
pub fn parse_date_time(s: &str) -> Option<i64> {
    let s = s.trim();
    let mut parts = s.split_whitespace();
    let date = parts.next()?;
    let time = parts.next()?;
    let zone = parts.next().unwrap_or("+0000");
    let mut dp = date.split('-');
    let day: i64 = dp.next()?.parse().ok()?;
    let mon = dp.next()?;
    let year: i64 = dp.next()?.parse().ok()?;
    let month = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(mon))? as i64 + 1;
    let mut tp = time.split(':');
    let hh: i64 = tp.next()?.parse().ok()?;
    let mm: i64 = tp.next()?.parse().ok()?;
    let ss: i64 = tp.next().unwrap_or("0").parse().ok()?;
    if !(1..=31).contains(&day) || hh > 23 || mm > 59 || ss > 60 || !(0..=9999).contains(&year) {
        return None;
    }
    let (sign, digits) = match zone.as_bytes().first()? {
        b'+' => (1, zone.get(1..)?),
        b'-' => (-1, zone.get(1..)?),
        _ => return None,
    };
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let z: i64 = digits.parse().ok()?;
    let offset_s = sign * ((z / 100) * 3600 + (z % 100) * 60);
    let days = days_from_civil(year, month, day);
    Some((days * 86_400 + hh * 3600 + mm * 60 + ss - offset_s) * 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers() {
        assert_eq!(parse_date_time("01-Jan-1970 00:00:00 +0000"), Some(0));
        assert_eq!(
            parse_date_time("17-Jul-1996 02:44:25 -0700"),
            Some(837_596_665_000)
        );
        assert_eq!(
            parse_date_time(" 7-jul-1996 09:44:25 +0000"),
            Some(836_732_665_000)
        );
        assert_eq!(parse_date_time("32-Jan-2020 00:00:00 +0000"), None);
        assert_eq!(parse_date_time("01-Foo-2020 00:00:00 +0000"), None);
        assert_eq!(
            format_date_time(837_596_665_000),
            "17-Jul-1996 09:44:25 +0000"
        );
        assert_eq!(format_date(837_596_665_000), "17-Jul-1996");
        assert_eq!(format_date(-1), "31-Dec-1969");
    }

    #[test]
    fn round_trips() {
        for ms in [0i64, 951_782_400_000, 1_700_000_000_000, 4_102_444_799_000] {
            assert_eq!(parse_date_time(&format_date_time(ms)), Some(ms));
        }
    }
}
