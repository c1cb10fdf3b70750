//! The architecture test: the rules ARCHITECTURE.md states, checked against the code.
//!
//! The dependency rules are read from the ```rules block of ARCHITECTURE.md (so the
//! document and this test cannot drift apart) and checked against `cargo metadata`
//! (normal dependencies; dev-dependencies are tests' business). The size rules (no
//! source file over 800 lines, no function over 150, with the exemptions the block
//! names) are checked on the source tree.
//!
//! Rule syntax, one per line (`#` starts a comment):
//! - `forbid CRATE -> DEP, DEP`: CRATE must not depend on these.
//! - `only CRATE, CRATE -> DEP, DEP`: no other crate may depend on these (a trailing `*`
//!   in a crate name matches a prefix).
//! - `max-file-lines N`, `max-fn-lines N`.
//! - `exempt-file PATH`: a data table, exempt from both size rules.
//! - `exempt-fn PATH NAME`: a function exempt from the length rule.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[derive(Default, Debug)]
struct Rules {
    forbid: Vec<(String, Vec<String>)>,
    only: Vec<(Vec<String>, Vec<String>)>,
    max_file: usize,
    max_fn: usize,
    exempt_files: BTreeSet<String>,
    exempt_fns: BTreeSet<(String, String)>,
}

fn list(s: &str) -> Vec<String> {
    s.split(',')
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect()
}

fn rules() -> Rules {
    let doc = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    let block = doc
        .split("```rules\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("ARCHITECTURE.md has a ```rules block");
    let mut r = Rules::default();
    for line in block.lines() {
        let line = line.split('#').next().unwrap().trim();
        if line.is_empty() {
            continue;
        }
        let (verb, rest) = line.split_once(' ').expect("a rule has arguments");
        match verb {
            "forbid" | "only" => {
                let (who, deps) = rest.split_once("->").expect("CRATES -> DEPS");
                if verb == "forbid" {
                    r.forbid.push((who.trim().to_string(), list(deps)));
                } else {
                    r.only.push((list(who), list(deps)));
                }
            }
            "max-file-lines" => r.max_file = rest.trim().parse().unwrap(),
            "max-fn-lines" => r.max_fn = rest.trim().parse().unwrap(),
            "exempt-file" => {
                r.exempt_files.insert(rest.trim().to_string());
            }
            "exempt-fn" => {
                let (path, name) = rest.trim().split_once(' ').expect("PATH NAME");
                r.exempt_fns
                    .insert((path.to_string(), name.trim().to_string()));
            }
            other => panic!("unknown rule {other:?} in ARCHITECTURE.md"),
        }
    }
    assert!(
        !r.forbid.is_empty() && !r.only.is_empty(),
        "rules were read"
    );
    r
}

/// Package name → its normal (non-dev, non-build) dependency names.
fn dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(root())
        .output()
        .expect("cargo metadata");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["kind"].is_null())
                .map(|d| d["name"].as_str().unwrap().to_string())
                .collect();
            (p["name"].as_str().unwrap().to_string(), deps)
        })
        .collect()
}

fn matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => pattern == name,
    }
}

/// Broken dependency rules, as sentences.
fn broken_dependency_rules(r: &Rules, deps: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let mut broken = Vec::new();
    for (krate, banned) in &r.forbid {
        let have = deps
            .get(krate)
            .unwrap_or_else(|| panic!("ARCHITECTURE.md names {krate}, not a workspace crate"));
        for b in banned {
            if have.contains(b) {
                broken.push(format!("{krate} depends on {b}"));
            }
        }
    }
    for (allowed, banned) in &r.only {
        for (krate, have) in deps {
            if allowed.iter().any(|a| matches(a, krate)) {
                continue;
            }
            for b in banned.iter().filter(|b| have.contains(*b)) {
                broken.push(format!("{krate} depends on {b} (only {allowed:?} may)"));
            }
        }
    }
    broken
}

#[test]
fn dependency_rules_of_architecture_md_hold() {
    let r = rules();
    let broken = broken_dependency_rules(&r, &dependencies());
    assert!(broken.is_empty(), "broken rules:\n{}", broken.join("\n"));
}

#[test]
fn the_rule_checker_catches_a_broken_rule() {
    // Guards the test above against passing vacuously.
    let r = Rules {
        forbid: vec![("a".into(), vec!["sqlx".into()])],
        only: vec![(vec!["store-*".into()], vec!["sqlx".into()])],
        ..Default::default()
    };
    let deps: BTreeMap<String, BTreeSet<String>> = [
        ("a".to_string(), ["sqlx".to_string()].into()),
        ("store-x".to_string(), ["sqlx".to_string()].into()),
    ]
    .into();
    let broken = broken_dependency_rules(&r, &deps);
    assert_eq!(broken.len(), 2, "{broken:?}");
    assert!(broken[0].contains("a depends on sqlx"));
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n != "target") {
                rust_files(&p, out);
            }
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Functions of a file and their length in lines: a function runs from its `fn` line
/// to the first line that is its indentation followed by `}`.
fn functions(text: &str) -> Vec<(String, usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim_start();
        let indent = &l[..l.len() - t.len()];
        let mut words = t.split_whitespace();
        let mut is_fn = false;
        for w in words.by_ref() {
            if w == "fn" {
                is_fn = true;
                break;
            }
            let qualifier = w.starts_with("pub") || ["async", "const", "unsafe"].contains(&w);
            if !qualifier {
                break;
            }
        }
        // A declaration without a body (a trait method), even over several lines:
        // its signature ends with `;` before any line opens a block.
        let declaration = lines[i..]
            .iter()
            .map(|m| m.trim_end())
            .find(|m| m.ends_with(';') || m.ends_with('{'))
            .is_some_and(|m| m.ends_with(';'));
        if !is_fn || declaration {
            continue;
        }
        let name: String = words
            .next()
            .unwrap_or("")
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let close = format!("{indent}}}");
        if let Some(end) = lines[i + 1..].iter().position(|m| *m == close) {
            out.push((name, i + 1, end + 2));
        }
    }
    out
}

#[test]
fn no_file_over_the_line_limit_and_no_function_over_the_length_limit() {
    let r = rules();
    let mut files = Vec::new();
    rust_files(&root().join("crates"), &mut files);
    assert!(files.len() > 50, "the source tree was found");
    let mut broken = Vec::new();
    for f in files {
        let rel = f
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if r.exempt_files.contains(&rel) {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        let n = text.lines().count();
        if n > r.max_file {
            broken.push(format!("{rel}: {n} lines (max {})", r.max_file));
        }
        for (name, line, len) in functions(&text) {
            if len > r.max_fn && !r.exempt_fns.contains(&(rel.clone(), name.clone())) {
                broken.push(format!(
                    "{rel}:{line} fn {name}: {len} lines (max {})",
                    r.max_fn
                ));
            }
        }
    }
    assert!(broken.is_empty(), "too long:\n{}", broken.join("\n"));
}

#[test]
fn function_lengths_are_measured() {
    let text = "fn a() {\n    x;\n}\n\n    pub(crate) async fn b(\n        y: u8,\n    ) {\n        z;\n    }\nfn c();\n";
    assert_eq!(
        functions(text),
        vec![("a".to_string(), 1, 3), ("b".to_string(), 5, 5)]
    );
}
