//! Search results as CSV for spreadsheets (the CLI's `--format csv` and the dashboard's export),
//! written a batch at a time so that an export of every match needs no more memory than a batch.
//!
//! For people (the default): UTF-8 with a byte-order mark, so that Excel reads the Chinese;
//! Chinese headers and values (情感 负面, 类型 评论, 风险 质量安全); times in Asia/Shanghai as the
//! dashboard shows them. For machines (`CsvHeaders::En`): no mark, English headers and names,
//! RFC 3339 times with their offset. One row a mention, lists joined with `|`. Crawled text is
//! untrusted: a cell that a spreadsheet would read as a formula (`=`, `+`, `-`, `@` first) is
//! prefixed with `'`.

use std::borrow::Cow;
use std::io::Write;

use super::search::SearchHit;

/// Who reads the CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CsvHeaders {
    /// People, in Excel: Chinese headers and values, a byte-order mark.
    #[default]
    Zh,
    /// Programs: English headers and names, no mark.
    En,
}

impl std::str::FromStr for CsvHeaders {
    type Err = String;

    fn from_str(s: &str) -> Result<CsvHeaders, String> {
        match s.trim() {
            "zh" => Ok(CsvHeaders::Zh),
            "en" => Ok(CsvHeaders::En),
            other => Err(format!("{other:?} is not zh or en")),
        }
    }
}

const EN: [&str; 18] = [
    "published_at",
    "source",
    "kind",
    "label",
    "score",
    "watches",
    "risks",
    "likes",
    "reposts",
    "replies",
    "rating",
    "author",
    "author_followers",
    "url",
    "parent",
    "title",
    "text",
    "id",
];
const ZH: [&str; 18] = [
    "发布时间",
    "来源",
    "类型",
    "情感",
    "情感分",
    "品牌",
    "风险",
    "点赞",
    "转发",
    "评论数",
    "评分",
    "作者",
    "粉丝数",
    "链接",
    "所属主帖",
    "标题",
    "正文",
    "ID",
];

/// The UTF-8 byte-order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A CSV export under way: the header written, then rows a batch at a time.
pub struct CsvExport<W: Write> {
    w: csv::Writer<W>,
    headers: CsvHeaders,
}

impl<W: Write> CsvExport<W> {
    /// Starts an export into `out`: the mark (for people) and the header row.
    pub fn new(mut out: W, headers: CsvHeaders) -> Result<Self, csv::Error> {
        if headers == CsvHeaders::Zh {
            out.write_all(BOM)?;
        }
        let mut w = csv::Writer::from_writer(out);
        w.write_record(if headers == CsvHeaders::Zh { ZH } else { EN })?;
        Ok(CsvExport { w, headers })
    }

    /// Writes one row per hit.
    pub fn write(&mut self, hits: &[SearchHit]) -> Result<(), csv::Error> {
        let zh = self.headers == CsvHeaders::Zh;
        for h in hits {
            let published =
                if zh { crate::time::local_second(h.published_at) } else { crate::time::local_rfc3339(h.published_at) };
            let risks: Vec<&str> = h.risks.iter().map(|r| if zh { r.label_zh() } else { r.name() }).collect();
            let number = |n: Option<u64>| n.map_or_else(String::new, |n| n.to_string());
            let row: [Cow<str>; 18] = [
                published.into(),
                cell(&h.source),
                (if zh { h.kind.label_zh() } else { h.kind.name() }).into(),
                (if zh { h.label.label_zh() } else { h.label.name() }).into(),
                format!("{:.4}", h.score).into(),
                cell(&h.watches.join("|")).into_owned().into(),
                risks.join("|").into(),
                h.likes.to_string().into(),
                h.reposts.to_string().into(),
                h.replies.to_string().into(),
                h.rating.map_or_else(String::new, |r| r.to_string()).into(),
                cell(&h.author),
                number(h.author_followers).into(),
                cell(&h.url),
                cell(if h.parent_title.is_empty() { &h.parent } else { &h.parent_title }),
                cell(&h.title),
                cell(&h.text),
                cell(&h.id),
            ];
            self.w.write_record(row.iter().map(|c| c.as_bytes()))?;
        }
        Ok(())
    }

    /// Flushes what is left and returns the output.
    pub fn finish(self) -> Result<W, csv::Error> {
        self.w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
    }
}

/// Writes a header and one row per hit (an export of one page).
pub fn write_csv<W: Write>(out: W, hits: &[SearchHit], headers: CsvHeaders) -> Result<W, csv::Error> {
    let mut export = CsvExport::new(out, headers)?;
    export.write(hits)?;
    export.finish()
}

/// `s`, defused if a spreadsheet would evaluate it.
fn cell(s: &str) -> Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { Cow::Owned(format!("'{s}")) } else { Cow::Borrowed(s) }
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
