//! Indonesian date and time formatting: "Rabu, 9 September 2015", "14.00 WIB".

use jiff::civil::{Date, Weekday};
use jiff::tz::{Offset, TimeZone};
use jiff::Timestamp;

/// Waktu Indonesia Barat: UTC+7, no daylight saving.
pub fn wib() -> TimeZone {
    TimeZone::fixed(Offset::constant(7))
}

const BULAN: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];

pub fn nama_hari(d: Weekday) -> &'static str {
    match d {
        Weekday::Monday => "Senin",
        Weekday::Tuesday => "Selasa",
        Weekday::Wednesday => "Rabu",
        Weekday::Thursday => "Kamis",
        Weekday::Friday => "Jumat",
        Weekday::Saturday => "Sabtu",
        Weekday::Sunday => "Minggu",
    }
}

/// "9 September 2015".
pub fn tanggal(d: Date) -> String {
    format!("{} {} {}", d.day(), BULAN[d.month() as usize - 1], d.year())
}

/// "Rabu, 9 September 2015".
pub fn tanggal_hari(d: Date) -> String {
    format!("{}, {}", nama_hari(d.weekday()), tanggal(d))
}

/// The WIB calendar date of an instant.
pub fn tanggal_wib(t: Timestamp) -> Date {
    t.to_zoned(wib()).date()
}

/// "Rabu, 9 September 2015 pukul 14.00 WIB".
pub fn waktu_wib(t: Timestamp) -> String {
    let z = t.to_zoned(wib());
    format!(
        "{} pukul {:02}.{:02} WIB",
        tanggal_hari(z.date()),
        z.hour(),
        z.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_a_government_letter() {
        assert_eq!(
            tanggal_hari(jiff::civil::date(2015, 9, 9)),
            "Rabu, 9 September 2015"
        );
        let t: Timestamp = "2015-09-03T07:00:00Z".parse().unwrap();
        assert_eq!(waktu_wib(t), "Kamis, 3 September 2015 pukul 14.00 WIB");
        let late: Timestamp = "2015-09-03T18:30:00Z".parse().unwrap();
        assert_eq!(tanggal_wib(late), jiff::civil::date(2015, 9, 4));
    }
}
