//! Time: the clock, and the formats AWS, Docker and Go print times in (pure formatting).

/// Nanoseconds per second.
pub const NS_PER_SEC: u64 = 1_000_000_000;

/// Seconds since the Unix epoch.
/// Nanoseconds since the epoch (0 before it).
pub fn now_unix_nanos() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
}

pub fn now_unix() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// (year, month, day, hour, minute, second) of a Unix time, UTC (proleptic Gregorian).
pub fn civil(secs: u64) -> (i64, u32, u32, u32, u32, u32) {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, (rem / 3600) as u32, (rem % 3600 / 60) as u32, (rem % 60) as u32)
}

/// The Unix time of a UTC civil time, the inverse of [`civil`]; `None` for a time that does not
/// exist (month 13, February 30) or is before the epoch.
pub fn from_civil(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Option<u64> {
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 59 {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y = y.checked_sub(i64::from(mo <= 2))?;
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from(if mo > 2 { mo - 3 } else { mo + 9 });
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era.checked_mul(146_097)?.checked_add(doe - 719_468)?;
    let secs = days.checked_mul(86_400)?.checked_add(i64::from(h * 3600 + mi * 60 + s))?;
    let secs = u64::try_from(secs).ok()?;
    // A day past the month's end rolls over; such a date was not a real one.
    let (_, m2, d2, ..) = civil(secs);
    (m2 == mo && d2 == d).then_some(secs)
}

/// Go's RFC3339Nano: `2024-10-31T11:38:11.085430342Z`, trailing zeros of the fraction dropped.
pub fn rfc3339_nano(ns: u64) -> String {
    let (y, mo, d, h, mi, s) = civil(ns / NS_PER_SEC);
    let frac = ns % NS_PER_SEC;
    let mut out = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}");
    if frac != 0 {
        let f = format!("{frac:09}");
        out.push('.');
        out.push_str(f.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

/// RFC 3339 to the second: `2024-10-31T17:38:11Z`.
pub fn rfc3339(secs: u64) -> String {
    rfc3339_nano(secs * NS_PER_SEC)
}

/// Go's `time.Time.String()` in UTC, as `docker ps --format json` prints CreatedAt.
pub fn go_time_string(secs: u64) -> String {
    let (y, mo, d, h, mi, s) = civil(secs);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02} +0000 UTC")
}

/// Docker's `units.HumanDuration` (go-units), which `docker ps` uses for CREATED and STATUS.
pub fn human_duration(ns: u64) -> String {
    let seconds = ns / NS_PER_SEC;
    let minutes = seconds / 60;
    // go-units rounds hours to the nearest (d.Hours() + 0.5).
    let hours = (ns as f64 / 3.6e12 + 0.5) as u64;
    if seconds < 1 {
        "Less than a second".into()
    } else if seconds == 1 {
        "1 second".into()
    } else if seconds < 60 {
        format!("{seconds} seconds")
    } else if minutes == 1 {
        "About a minute".into()
    } else if minutes < 60 {
        format!("{minutes} minutes")
    } else if hours == 1 {
        "About an hour".into()
    } else if hours < 48 {
        format!("{hours} hours")
    } else if hours < 24 * 7 * 2 {
        format!("{} days", hours / 24)
    } else if hours < 24 * 30 * 2 {
        format!("{} weeks", hours / 24 / 7)
    } else if hours < 24 * 365 * 2 {
        format!("{} months", hours / 24 / 30)
    } else {
        format!("{} years", ns / 3_600 / NS_PER_SEC / 24 / 365)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_civil_inverts_civil() {
        for t in [0, 1_730_374_691, 951_782_400, 4_102_444_799] {
            let (y, mo, d, h, mi, s) = civil(t);
            assert_eq!(from_civil(y, mo, d, h, mi, s), Some(t), "{t}");
        }
        assert_eq!(from_civil(2024, 2, 30, 0, 0, 0), None);
        assert_eq!(from_civil(2024, 13, 1, 0, 0, 0), None);
        assert_eq!(from_civil(1969, 12, 31, 23, 59, 59), None);
        assert_eq!(from_civil(i64::MAX, 1, 1, 0, 0, 0), None);
    }

    #[test]
    fn civil_and_rfc3339() {
        assert_eq!(civil(0), (1970, 1, 1, 0, 0, 0));
        // 2024-10-31T11:38:11Z (the seed's docker inspect)
        assert_eq!(rfc3339(1_730_374_691), "2024-10-31T11:38:11Z");
        assert_eq!(rfc3339_nano(1_730_374_691 * NS_PER_SEC + 85_430_342), "2024-10-31T11:38:11.085430342Z");
        assert_eq!(rfc3339_nano(1_730_374_691 * NS_PER_SEC + 335_021_500), "2024-10-31T11:38:11.3350215Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(go_time_string(1_730_374_691), "2024-10-31 11:38:11 +0000 UTC");
    }

    #[test]
    fn human_durations_as_go_units() {
        let s = NS_PER_SEC;
        assert_eq!(human_duration(0), "Less than a second");
        assert_eq!(human_duration(s), "1 second");
        assert_eq!(human_duration(59 * s), "59 seconds");
        assert_eq!(human_duration(60 * s), "About a minute");
        assert_eq!(human_duration(25 * 60 * s), "25 minutes");
        assert_eq!(human_duration(60 * 60 * s), "About an hour");
        assert_eq!(human_duration(90 * 60 * s), "2 hours");
        assert_eq!(human_duration(3 * 86_400 * s), "3 days");
    }
}
