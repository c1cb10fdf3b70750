//! The per-day report: one row per simulated day, as a terminal table and an SVG chart.

use std::fmt::Write as _;

use crate::plan::weekday;
use crate::prom::Metrics;

/// Application states counted as "decided unique" (tunggal, then queued, printed, handed over).
pub const UNIQUE_STATES: [&str; 4] = ["tunggal", "siap_cetak", "dicetak", "diserahkan"];
/// States that still wait for a decision.
pub const UNDECIDED_STATES: [&str; 2] = ["direkam", "dikirim"];

/// The state of the whole district at the end of one simulated day.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DayRow {
    pub day: u32,
    /// Whether the central node was running at the end of the day.
    pub centre_up: bool,
    /// Applications acknowledged by the offices so far (cumulative).
    pub enrolled: u64,
    /// Packets in the offices' outboxes.
    pub waiting: u64,
    /// Packets acknowledged by the centre (cumulative).
    pub synced: u64,
    /// Applications decided unique (tunggal and beyond).
    pub unique: u64,
    /// Applications flagged duplicate (ganda), locally or by the centre.
    pub duplicate: u64,
    /// Cards ready to print (siap_cetak).
    pub printable: u64,
    /// Cards printed (dicetak + diserahkan).
    pub printed: u64,
    /// Age of the oldest waiting packet in wall seconds, as the offices report it.
    pub oldest_wait_seconds: f64,
    /// The same age in simulated days (set by the caller, who knows the timeline).
    pub oldest_wait_days: f64,
    /// Offices whose metrics could not be read (their figures are missing).
    pub offices_unread: usize,
    /// The day's work took longer than its wall-time budget.
    pub overran: bool,
    /// Cards handed over (diserahkan, cumulative).
    pub handed_over: u64,
    /// Enrollments acknowledged on this day.
    pub receipts: u64,
    /// Suket issued / revoked on this day (all offices).
    pub suket_issued: u64,
    pub suket_revoked: u64,
    /// Cards printed on this day.
    pub printed_today: u64,
    /// Blank cards on hand at the end of the day (sum over offices).
    pub blanks: u64,
    /// Every office's blank ledger balanced (received = used + spoiled + on hand).
    pub ledger_ok: bool,
    /// Applicants holding a valid document: an active Suket or a card handed over.
    pub in_hand: u64,
    /// The same in 2015, as reported (nothing until the centre came back).
    pub in_hand_2015: u64,
}

impl DayRow {
    /// Builds the row from the offices' metrics (`None`: not readable).
    pub fn from_offices(
        day: u32,
        centre_up: bool,
        enrolled: u64,
        offices: &[Option<Metrics>],
    ) -> DayRow {
        let mut r = DayRow {
            day,
            centre_up,
            enrolled,
            ..Default::default()
        };
        let mut oldest = 0.0f64;
        for m in offices {
            let Some(m) = m else {
                r.offices_unread += 1;
                continue;
            };
            let st = |s: &str| m.count_labeled("sidik_applications", "status", s);
            r.waiting += m.count("sidik_outbox_waiting");
            r.synced += m.count("sidik_outbox_sent_total");
            r.unique += UNIQUE_STATES.iter().map(|s| st(s)).sum::<u64>();
            r.duplicate += st("ganda");
            r.printable += st("siap_cetak");
            r.printed += st("dicetak") + st("diserahkan");
            r.handed_over += st("diserahkan");
            if let Some(a) = m.get("sidik_outbox_oldest_age_seconds") {
                if a.is_finite() {
                    oldest = oldest.max(a);
                }
            }
        }
        r.oldest_wait_seconds = oldest;
        r
    }
}

pub fn table_header() -> String {
    format!(
        "{:>4} {:<3} {:<6} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9} {:>8} {:>9} {:>7} {:>6} {:>6} {:>6} {:>6} {:>6} {:>7}",
        "day",
        "",
        "centre",
        "enrolled",
        "waiting",
        "synced",
        "unique",
        "ganda",
        "printable",
        "printed",
        "oldest(d)",
        "receipt",
        "suket+",
        "suket-",
        "print+",
        "blanks",
        "ledger",
        "in hand"
    )
}

pub fn table_row(r: &DayRow) -> String {
    let mut s = format!(
        "{:>4} {:<3} {:<6} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9} {:>8} {:>9.1} {:>7} {:>6} {:>6} {:>6} {:>6} {:>6} {:>7}",
        r.day,
        weekday(r.day),
        if r.centre_up { "up" } else { "DOWN" },
        r.enrolled,
        r.waiting,
        r.synced,
        r.unique,
        r.duplicate,
        r.printable,
        r.printed,
        r.oldest_wait_days,
        r.receipts,
        r.suket_issued,
        r.suket_revoked,
        r.printed_today,
        r.blanks,
        if r.ledger_ok { "ok" } else { "FAIL" },
        r.in_hand
    );
    if r.overran {
        s.push_str("  (day overran)");
    }
    if r.offices_unread > 0 {
        let _ = write!(s, "  ({} office(s) unreadable)", r.offices_unread);
    }
    s
}

pub fn table(rows: &[DayRow]) -> String {
    let mut s = table_header();
    s.push('\n');
    for r in rows {
        s.push_str(&table_row(r));
        s.push('\n');
    }
    s
}

/// `k` is a multiple of `n` (`n` > 0). Spelled out: `u32::is_multiple_of` is newer
/// than the workspace's declared rust-version.
pub fn every(k: u32, n: u32) -> bool {
    k / n * n == k
}

/// The rows worth printing when the run is long: every outage day and the first
/// `keep_first` days after it, then every `stride`-th day so that at most `max_after`
/// recovery rows are shown, and always the last day. Returns the rows and the stride.
pub fn thin(
    rows: &[DayRow],
    outage_days: u32,
    keep_first: u32,
    max_after: usize,
) -> (Vec<&DayRow>, u32) {
    let after = rows.iter().filter(|r| r.day > outage_days).count();
    let stride = if after <= max_after.max(1) {
        1
    } else {
        after.div_ceil(max_after.max(1)) as u32
    };
    let last = rows.last().map(|r| r.day);
    let keep = |r: &DayRow| {
        let k = r.day.saturating_sub(outage_days);
        r.day <= outage_days || k <= keep_first || every(k, stride) || Some(r.day) == last
    };
    (rows.iter().filter(|r| keep(r)).collect(), stride)
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The series drawn on the chart: label, colour, value.
type Series = (&'static str, &'static str, fn(&DayRow) -> u64);

const SERIES: [Series; 9] = [
    ("enrolled", "#1f77b4", |r| r.enrolled),
    ("waiting to sync", "#d62728", |r| r.waiting),
    ("synced", "#ff7f0e", |r| r.synced),
    ("decided unique", "#2ca02c", |r| r.unique),
    ("decided duplicate", "#9467bd", |r| r.duplicate),
    ("printable", "#8c564b", |r| r.printable),
    ("printed", "#17becf", |r| r.printed),
    ("documents in hand", "#000000", |r| r.in_hand),
    ("2015: documents in hand", "#7f7f7f", |r| r.in_hand_2015),
];

/// A "nice" axis maximum (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten)
/// at or above `v`.
pub fn nice_max(v: u64) -> u64 {
    let v = v.max(1);
    let mut p = 1u64;
    loop {
        for m in [1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0] {
            let c = (m * p as f64).round() as u64;
            if c >= v {
                return c;
            }
        }
        p *= 10;
    }
}

/// A line chart of the daily rows, with the outage window (days `1..=outage_days`)
/// shaded and weekends marked.
pub fn svg(rows: &[DayRow], outage_days: u32, title: &str, subtitle: &str) -> String {
    let (w, h) = (960.0f64, 520.0f64);
    let (left, right, top, bottom) = (70.0, 200.0, 60.0, 50.0);
    let pw = w - left - right;
    let ph = h - top - bottom;
    let days = rows
        .iter()
        .map(|r| r.day)
        .max()
        .unwrap_or(1)
        .max(outage_days)
        .max(1);
    let top_value = rows
        .iter()
        .flat_map(|r| SERIES.iter().map(move |s| (s.2)(r)))
        .max()
        .unwrap_or(1);
    // A little headroom so a line at the maximum does not hide under the frame.
    let ymax = nice_max(top_value + top_value / 25) as f64;
    // Day d occupies [d-1, d] on the x axis; its end-of-day value is drawn at d.
    let x = |d: f64| left + pw * d / days as f64;
    let y = |v: f64| top + ph * (1.0 - v / ymax);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="{w}" height="{h}" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{left}" y="24" font-size="16" font-weight="bold">{}</text>"#,
        esc(title)
    );
    let _ = writeln!(
        s,
        r##"<text x="{left}" y="44" fill="#555">{}</text>"##,
        esc(subtitle)
    );
    for d in 1..=days {
        if !crate::plan::is_working_day(d) {
            let _ = writeln!(
                s,
                r##"<rect x="{:.1}" y="{top}" width="{:.1}" height="{ph}" fill="#f4f4f4"/>"##,
                x((d - 1) as f64),
                x(d as f64) - x((d - 1) as f64)
            );
        }
    }
    let ox = x(outage_days.min(days) as f64);
    let _ = writeln!(
        s,
        r##"<rect x="{left}" y="{top}" width="{:.1}" height="{ph}" fill="#d62728" fill-opacity="0.07"/>"##,
        ox - left
    );
    let _ = writeln!(
        s,
        r##"<line x1="{ox:.1}" y1="{top}" x2="{ox:.1}" y2="{:.1}" stroke="#d62728" stroke-dasharray="4 3"/>"##,
        top + ph
    );
    let _ = writeln!(
        s,
        r##"<text x="{:.1}" y="{:.1}" fill="#d62728">central data centre down ({outage_days} days)</text>"##,
        left + 6.0,
        top + 16.0
    );
    let _ = writeln!(
        s,
        r##"<text x="{:.1}" y="{:.1}" fill="#2ca02c">centre back from day {}</text>"##,
        ox + 4.0,
        top + 32.0,
        outage_days + 1
    );
    for i in 0..=5 {
        let v = ymax * i as f64 / 5.0;
        let yy = y(v);
        let _ = writeln!(
            s,
            r##"<line x1="{left}" y1="{yy:.1}" x2="{:.1}" y2="{yy:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
            left + pw,
            left - 6.0,
            yy + 4.0,
            v as u64
        );
    }
    let step = (days as f64 / 15.0).ceil().max(1.0) as u32;
    for d in (1..=days).filter(|d| (d - 1) % step == 0 || *d == days) {
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{d}</text>"#,
            x(d as f64),
            top + ph + 16.0
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">simulated day (end of day; grey: weekend or holiday)</text>"#,
        left + pw / 2.0,
        h - 10.0
    );
    let _ = writeln!(
        s,
        r##"<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#888"/>"##
    );
    for (i, (label, colour, f)) in SERIES.iter().enumerate() {
        let mut pts = format!("{:.1},{:.1}", x(0.0), y(0.0));
        for r in rows {
            let _ = write!(pts, " {:.1},{:.1}", x(r.day as f64), y(f(r) as f64));
        }
        // The first series (enrolled) is drawn wide and pale: it coincides with
        // "waiting to sync" for the whole outage and would otherwise be hidden.
        let (width, opacity) = if i == 0 { (6, 0.35) } else { (2, 1.0) };
        let _ = writeln!(
            s,
            r#"<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="{width}" stroke-opacity="{opacity}"/>"#
        );
        let ly = top + 10.0 + 20.0 * i as f64;
        let lx = left + pw + 16.0;
        let _ = writeln!(
            s,
            r#"<line x1="{lx:.1}" y1="{ly:.1}" x2="{:.1}" y2="{ly:.1}" stroke="{colour}" stroke-width="3"/><text x="{:.1}" y="{:.1}">{}</text>"#,
            lx + 18.0,
            lx + 24.0,
            ly + 4.0,
            esc(label)
        );
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn office(waiting: u64, sent: u64, dikirim: u64, siap: u64, dicetak: u64, age: f64) -> Metrics {
        Metrics::parse(&format!(
            "sidik_outbox_waiting {waiting}\nsidik_outbox_sent_total {sent}\n\
             sidik_outbox_oldest_age_seconds {age}\n\
             sidik_applications{{status=\"dikirim\"}} {dikirim}\n\
             sidik_applications{{status=\"tunggal\"}} 1\n\
             sidik_applications{{status=\"ganda\"}} 2\n\
             sidik_applications{{status=\"siap_cetak\"}} {siap}\n\
             sidik_applications{{status=\"dicetak\"}} {dicetak}\n\
             sidik_applications{{status=\"diserahkan\"}} 1\n"
        ))
    }

    #[test]
    fn row_sums_the_offices() {
        let offices = vec![
            Some(office(10, 5, 10, 3, 4, 2.0)),
            None,
            Some(office(1, 0, 1, 0, 0, 6.0)),
        ];
        let r = DayRow::from_offices(3, false, 40, &offices);
        assert_eq!(r.waiting, 11);
        assert_eq!(r.synced, 5);
        assert_eq!(r.unique, (1 + 3 + 4 + 1) + (1 + 1));
        assert_eq!(r.duplicate, 4);
        assert_eq!(r.printable, 3);
        assert_eq!(r.printed, 4 + 1 + 1);
        assert_eq!(r.offices_unread, 1);
        assert_eq!(r.oldest_wait_seconds, 6.0);
        let line = table_row(&r);
        assert!(line.contains("DOWN"), "{line}");
        assert!(line.contains("1 office(s) unreadable"), "{line}");
        assert!(line.starts_with("   3 Wed"), "{line}");
    }

    #[test]
    fn table_columns_line_up() {
        let rows = vec![
            DayRow {
                day: 1,
                enrolled: 477,
                waiting: 477,
                ..Default::default()
            },
            DayRow {
                day: 27,
                centre_up: true,
                enrolled: 9539,
                synced: 9539,
                unique: 9491,
                duplicate: 48,
                printable: 12,
                printed: 9479,
                ..Default::default()
            },
        ];
        let t = table(&rows);
        let lens: Vec<usize> = t.lines().map(str::len).collect();
        assert_eq!(lens.len(), 3);
        assert!(lens.iter().all(|&l| l == lens[0]), "{t}");
        assert!(t.contains("9539"));
    }

    #[test]
    fn thin_keeps_the_outage_the_start_of_recovery_and_the_last_day() {
        let rows: Vec<DayRow> = (1..=100)
            .map(|day| DayRow {
                day,
                ..Default::default()
            })
            .collect();
        let (all, stride) = thin(&rows[..20], 10, 3, 40);
        assert_eq!((all.len(), stride), (20, 1));
        let (few, stride) = thin(&rows, 10, 3, 30);
        assert_eq!(stride, 3);
        let days: Vec<u32> = few.iter().map(|r| r.day).collect();
        assert!(days.starts_with(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 16, 19]));
        assert_eq!(days.last(), Some(&100));
        assert!(days.len() <= 10 + 3 + 30 + 1);
    }

    #[test]
    fn nice_axis_maximum() {
        assert_eq!(nice_max(0), 1);
        assert_eq!(nice_max(1), 1);
        assert_eq!(nice_max(3), 3);
        assert_eq!(nice_max(7), 8);
        assert_eq!(nice_max(9), 10);
        assert_eq!(nice_max(11), 12);
        assert_eq!(nice_max(300), 300);
        assert_eq!(nice_max(301), 400);
        assert_eq!(nice_max(9539), 10_000);
        assert_eq!(nice_max(10_001), 12_000);
        assert_eq!(nice_max(150), 150);
    }

    #[test]
    fn svg_is_well_formed_and_has_every_series() {
        let rows: Vec<DayRow> = (1..=30)
            .map(|d| DayRow {
                day: d,
                centre_up: d > 26,
                enrolled: 100 * d.min(26) as u64,
                waiting: if d > 26 { 0 } else { 100 * d as u64 },
                ..Default::default()
            })
            .collect();
        let s = svg(&rows, 26, "Outage <test> & more", "sub");
        assert!(s.starts_with("<svg"));
        assert!(s.trim_end().ends_with("</svg>"));
        assert_eq!(s.matches("<polyline").count(), SERIES.len());
        assert!(s.contains("Outage &lt;test&gt; &amp; more"));
        assert!(s.contains("central data centre down (26 days)"));
        // Every opening tag that is not self-closed is closed.
        for tag in ["svg", "text"] {
            let open = s.matches(&format!("<{tag} ")).count();
            let close = s.matches(&format!("</{tag}>")).count();
            assert_eq!(open, close, "{tag}");
        }
        // Empty input still yields a valid document.
        assert!(svg(&[], 5, "t", "s").ends_with("</svg>\n"));
    }
}
