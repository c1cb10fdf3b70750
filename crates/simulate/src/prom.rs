//! A small, tolerant reader of the Prometheus text exposition format.
//!
//! It keeps what the simulation needs (metric name, labels, value) and skips what it
//! does not understand: comments, `# HELP`/`# TYPE` lines, timestamps, and malformed
//! lines (which are counted, not fatal).

/// One sample: `name{labels} value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub value: f64,
}

impl Sample {
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// All samples of one scrape.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metrics {
    pub samples: Vec<Sample>,
    /// Lines that were neither comments, blank, nor parseable samples.
    pub malformed: usize,
}

impl Metrics {
    pub fn parse(text: &str) -> Metrics {
        let mut m = Metrics::default();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            match parse_line(line) {
                Some(s) => m.samples.push(s),
                None => m.malformed += 1,
            }
        }
        m
    }

    /// The value of `name` without labels (or, failing that, its first sample).
    pub fn get(&self, name: &str) -> Option<f64> {
        self.samples
            .iter()
            .find(|s| s.name == name && s.labels.is_empty())
            .or_else(|| self.samples.iter().find(|s| s.name == name))
            .map(|s| s.value)
    }

    /// The value of `name` with label `key` = `value`.
    pub fn get_labeled(&self, name: &str, key: &str, value: &str) -> Option<f64> {
        self.samples
            .iter()
            .find(|s| s.name == name && s.label(key) == Some(value))
            .map(|s| s.value)
    }

    /// The sum of every sample of `name` (0 when absent).
    pub fn sum(&self, name: &str) -> f64 {
        self.samples
            .iter()
            .filter(|s| s.name == name)
            .map(|s| s.value)
            .sum()
    }

    /// `get` as a count: absent or negative values read as 0.
    pub fn count(&self, name: &str) -> u64 {
        as_count(self.get(name))
    }

    pub fn count_labeled(&self, name: &str, key: &str, value: &str) -> u64 {
        as_count(self.get_labeled(name, key, value))
    }
}

fn as_count(v: Option<f64>) -> u64 {
    match v {
        Some(x) if x.is_finite() && x > 0.0 => x.round() as u64,
        _ => 0,
    }
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == ':'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == ':'
}

fn parse_value(s: &str) -> Option<f64> {
    match s {
        "+Inf" | "Inf" | "inf" | "+inf" => Some(f64::INFINITY),
        "-Inf" | "-inf" => Some(f64::NEG_INFINITY),
        "NaN" | "nan" => Some(f64::NAN),
        _ => s.parse().ok(),
    }
}

/// Parses `name{k="v",...} value [timestamp]`.
fn parse_line(line: &str) -> Option<Sample> {
    let mut chars = line.char_indices().peekable();
    let (_, first) = *chars.peek()?;
    if !is_name_start(first) {
        return None;
    }
    let mut end = line.len();
    for (i, c) in chars.by_ref() {
        if !is_name_char(c) {
            end = i;
            break;
        }
    }
    let name = line[..end].to_string();
    let mut rest = &line[end..];
    let mut labels = Vec::new();
    if let Some(r) = rest.trim_start().strip_prefix('{') {
        let (l, after) = parse_labels(r)?;
        labels = l;
        rest = after;
    }
    let mut fields = rest.split_whitespace();
    let value = parse_value(fields.next()?)?;
    // An optional integer timestamp may follow; anything else is malformed.
    match fields.next() {
        None => {}
        Some(ts) if ts.parse::<i64>().is_ok() && fields.next().is_none() => {}
        Some(_) => return None,
    }
    Some(Sample {
        name,
        labels,
        value,
    })
}

/// Parses the inside of `{...}` (after the opening brace); returns the labels and the
/// text after the closing brace.
fn parse_labels(mut s: &str) -> Option<(Vec<(String, String)>, &str)> {
    let mut labels = Vec::new();
    loop {
        s = s.trim_start();
        if let Some(after) = s.strip_prefix('}') {
            return Some((labels, after));
        }
        let key_end = s.find(|c: char| !is_name_char(c))?;
        if key_end == 0 {
            return None;
        }
        let key = s[..key_end].to_string();
        s = s[key_end..].trim_start().strip_prefix('=')?.trim_start();
        s = s.strip_prefix('"')?;
        let mut value = String::new();
        let mut chars = s.char_indices();
        let close = loop {
            let (i, c) = chars.next()?;
            match c {
                '"' => break i,
                '\\' => match chars.next()?.1 {
                    'n' => value.push('\n'),
                    other => value.push(other),
                },
                c => value.push(c),
            }
        };
        labels.push((key, value));
        s = s[close + 1..].trim_start();
        if let Some(after) = s.strip_prefix(',') {
            s = after;
        } else if !s.starts_with('}') {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFICE: &str = r#"# HELP sidik_outbox_waiting Packets waiting to be sent to the centre.
# TYPE sidik_outbox_waiting gauge
sidik_outbox_waiting 17
sidik_outbox_oldest_age_seconds 12.5
sidik_outbox_sent_total 0
sidik_centre_up 0
# HELP sidik_applications Applications by status.
# TYPE sidik_applications gauge
sidik_applications{status="dikirim"} 15
sidik_applications{status="ganda"} 2
sidik_applications{status="siap_cetak"} 0
"#;

    #[test]
    fn reads_plain_and_labelled_samples() {
        let m = Metrics::parse(OFFICE);
        assert_eq!(m.malformed, 0);
        assert_eq!(m.count("sidik_outbox_waiting"), 17);
        assert_eq!(m.get("sidik_outbox_oldest_age_seconds"), Some(12.5));
        assert_eq!(m.count("sidik_centre_up"), 0);
        assert_eq!(
            m.count_labeled("sidik_applications", "status", "dikirim"),
            15
        );
        assert_eq!(m.count_labeled("sidik_applications", "status", "ganda"), 2);
        assert_eq!(m.sum("sidik_applications"), 17.0);
        assert_eq!(m.get("sidik_absent"), None);
        assert_eq!(m.count("sidik_absent"), 0);
    }

    #[test]
    fn tolerates_timestamps_spaces_escapes_and_special_values() {
        let m = Metrics::parse(
            "a_total 3 1700000000000\n\
             b{ x = \"1\" , y=\"q\\\"uote\\\\ \\n\" , } 4\n\
             c{} +Inf\n\
             d NaN\n\
             e -Inf\n\
             f 1e3\n",
        );
        assert_eq!(m.malformed, 0, "{m:?}");
        assert_eq!(m.get("a_total"), Some(3.0));
        let b = &m.samples[1];
        assert_eq!(b.label("x"), Some("1"));
        assert_eq!(b.label("y"), Some("q\"uote\\ \n"));
        assert_eq!(m.get("c"), Some(f64::INFINITY));
        assert!(m.get("d").unwrap().is_nan());
        assert_eq!(m.count("d"), 0);
        assert_eq!(m.count("e"), 0);
        assert_eq!(m.count("f"), 1000);
    }

    #[test]
    fn counts_malformed_lines_without_failing() {
        let m = Metrics::parse(
            "good 1\n\
             9bad 1\n\
             novalue\n\
             unclosed{a=\"x\" 1\n\
             junk 1 2 3\n\
             words{a=b} 1\n\
             nonnumber abc\n\
             also_good{a=\"b\"} 2\n",
        );
        assert_eq!(m.samples.len(), 2, "{m:?}");
        assert_eq!(m.malformed, 6);
        assert_eq!(m.get_labeled("also_good", "a", "b"), Some(2.0));
    }

    #[test]
    fn unlabelled_sample_preferred_by_get() {
        let m = Metrics::parse("x{k=\"a\"} 1\nx 5\n");
        assert_eq!(m.get("x"), Some(5.0));
        assert_eq!(m.get_labeled("x", "k", "a"), Some(1.0));
    }
}
