//! Search results as CSV for spreadsheets (the CLI's `--format csv` and the dashboard's export):
//! one row a mention, lists joined with `|`. Crawled text is untrusted: a cell that a
//! spreadsheet would read as a formula (`=`, `+`, `-`, `@` first) is prefixed with `'`.

use std::borrow::Cow;
use std::io::Write;

use super::search::SearchHit;

/// A hit flattened for CSV.
#[derive(serde::Serialize)]
struct CsvRow<'a> {
    published_at: String,
    source: Cow<'a, str>,
    kind: &'a str,
    label: &'a str,
    score: f64,
    watches: String,
    risks: String,
    likes: u64,
    reposts: u64,
    replies: u64,
    author: Cow<'a, str>,
    url: Cow<'a, str>,
    title: Cow<'a, str>,
    text: Cow<'a, str>,
    id: Cow<'a, str>,
}

/// `s`, defused if a spreadsheet would evaluate it.
fn cell(s: &str) -> Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { Cow::Owned(format!("'{s}")) } else { Cow::Borrowed(s) }
}

/// Writes a header and one row per hit.
pub fn write_csv<W: Write>(out: W, hits: &[SearchHit]) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    for h in hits {
        w.serialize(CsvRow {
            published_at: crate::time::local_rfc3339(h.published_at),
            source: cell(&h.source),
            kind: h.kind.name(),
            label: h.label.name(),
            score: h.score,
            watches: cell(&h.watches.join("|")).into_owned(),
            risks: h.risks.iter().map(|r| r.name()).collect::<Vec<_>>().join("|"),
            likes: h.likes,
            reposts: h.reposts,
            replies: h.replies,
            author: cell(&h.author),
            url: cell(&h.url),
            title: cell(&h.title),
            text: cell(&h.text),
            id: cell(&h.id),
        })?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn formulas_in_crawled_text_are_defused() {
        assert_eq!(cell("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
        assert_eq!(cell("-1+1"), "'-1+1");
        assert_eq!(cell("华为很好"), "华为很好");
    }
}
