//! Day numbers (days since 1970-01-01), Howard Hinnant's civil algorithms, and ages.

use jiff::civil::Date;

fn days_from_civil(y: i32, m: i32, d: i32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub(super) fn civil_from_days(z: i32) -> (i32, i32, i32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub(super) fn dn(d: Date) -> i32 {
    days_from_civil(d.year() as i32, d.month() as i32, d.day() as i32)
}

pub(super) fn date(n: i32) -> Date {
    let (y, m, d) = civil_from_days(n);
    Date::new(y as i16, m as i8, d as i8).expect("day number in jiff's range")
}

/// Whole years from birth day number `lahir` to day number `pada`.
pub(super) fn umur(lahir: i32, pada: i32) -> i32 {
    let (by, bm, bd) = civil_from_days(lahir);
    let (ty, tm, td) = civil_from_days(pada);
    ty - by - i32::from((tm, td) < (bm, bd))
}

/// The day number of the date `n` years before day `d` (29 February becomes 28
/// February).
pub(super) fn tahun_lalu(d: i32, n: i32) -> i32 {
    let (y, m, day) = civil_from_days(d);
    let y = y - n;
    let day = if m == 2 && day == 29 && date(days_from_civil(y, 3, 1) - 1).day() == 28 {
        28
    } else {
        day
    };
    days_from_civil(y, m, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_round_trip() {
        for d in [
            jiff::civil::date(1970, 1, 1),
            jiff::civil::date(1936, 2, 29),
            jiff::civil::date(2000, 2, 29),
            jiff::civil::date(2026, 11, 28),
            jiff::civil::date(1899, 12, 31),
        ] {
            assert_eq!(date(dn(d)), d);
        }
        assert_eq!(dn(jiff::civil::date(1970, 1, 1)), 0);
        assert_eq!(
            dn(jiff::civil::date(2000, 3, 1)) - dn(jiff::civil::date(2000, 2, 28)),
            2
        );
        let b = dn(jiff::civil::date(2000, 2, 29));
        assert_eq!(umur(b, dn(jiff::civil::date(2018, 2, 28))), 17);
        assert_eq!(umur(b, dn(jiff::civil::date(2018, 3, 1))), 18);
        assert_eq!(tahun_lalu(b, 1), dn(jiff::civil::date(1999, 2, 28)));
    }
}
