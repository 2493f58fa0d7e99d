//! The module graph of README's Layout section, checked: a library module uses only the modules
//! listed below it (`crate::name` paths), never one above, and every module is listed. The CLI
//! (`src/cli/`, `main.rs`) sits on top of everything; `lib.rs` only declares.

use std::path::Path;

/// The library's modules from top to bottom, as README's Layout section lists them (after the CLI).
const ORDER: [&str; 25] = [
    "demo",
    "app",
    "config",
    "cluster",
    "serve",
    "daemon",
    "incident",
    "digest",
    "saved",
    "alert",
    "crawl",
    "render",
    "index",
    "analysis",
    "import",
    "source",
    "watch",
    "sentiment",
    "text",
    "store",
    "data_dir",
    "mention",
    "schedule",
    "time",
    "setting",
];

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_module_uses_one_listed_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let uses = regex::Regex::new(r"\bcrate::(\w+)").unwrap();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut bad = Vec::new();
    for path in &files {
        let rel = path.strip_prefix(&src).unwrap();
        let first = rel.components().next().unwrap().as_os_str().to_string_lossy().into_owned();
        let module = first.strip_suffix(".rs").unwrap_or(&first).to_string();
        if matches!(module.as_str(), "cli" | "main" | "lib") {
            continue;
        }
        let Some(rank) = ORDER.iter().position(|m| *m == module) else {
            bad.push(format!("{}: module {module} is not in the list", rel.display()));
            continue;
        };
        for (n, line) in std::fs::read_to_string(path).unwrap().lines().enumerate() {
            for c in uses.captures_iter(line) {
                if ORDER.iter().position(|m| *m == &c[1]).is_some_and(|used| used < rank) {
                    bad.push(format!("{}:{}: {module} uses {}, listed above it", rel.display(), n + 1, &c[1]));
                }
            }
        }
    }
    assert!(files.len() > 50, "the sources were found");
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}
