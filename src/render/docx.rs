//! A Word document (`.docx`, written with docx-rs) in the shape of the reports: a title, section
//! headings, lines of text and links ([`Span`]), bulleted lists, tables with a header row, notes
//! in grey, and PNG images ([`Png`]) as wide as the page. Chinese text is set in 微软雅黑 (Word's
//! substitute where it is missing). Crawled text goes in as written: docx-rs escapes it for XML,
//! characters XML cannot hold (a crawled control character would make Word refuse the file) are
//! dropped, line breaks are kept as breaks, and only web links ([`safe_url`]) become hyperlinks.

use docx_rs::{
    AbstractNumbering, AlignmentType, BreakType, Docx, Hyperlink, HyperlinkType, IndentLevel, Level, LevelJc,
    LevelText, LineSpacing, NumberFormat, Numbering, NumberingId, Paragraph, Pic, Run, RunFonts, Shading,
    SpecialIndentType, Start, Style, StyleType, Table, TableCell, TableRow, WidthType,
};

use super::png::Png;
use super::{Span, safe_url};

/// What a `.docx` file is served as.
pub const MIME: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// Why a document could not be written.
#[derive(Debug, thiserror::Error)]
pub enum DocxError {
    #[error(transparent)]
    Chart(#[from] super::png::PngError),
    #[error("packing the .docx: {0}")]
    Pack(String),
}

/// The text's width on an A4 page with docx-rs's margins, in twentieths of a point.
const TEXT_WIDTH: usize = 11906 - 2 * 1701;
/// An image's width: the text's, in EMU (914,400 an inch; a twip is 635).
const IMAGE_WIDTH: u64 = TEXT_WIDTH as u64 * 635;
/// Grey, as the HTML's `.sub` and `.meta`.
const GREY: &str = "59636E";
const LINK: &str = "0969DA";
/// The bullet list's numbering.
const BULLETS: usize = 1;

/// A document being written, top to bottom.
pub struct Document {
    docx: Docx,
}

/// A table's column: its title, and whether it holds numbers (right-aligned, narrower).
#[derive(Debug, Clone, Copy)]
pub struct Column<'a> {
    pub title: &'a str,
    pub numeric: bool,
}

/// A column of text.
pub fn col(title: &str) -> Column<'_> {
    Column { title, numeric: false }
}

/// A column of numbers.
pub fn num(title: &str) -> Column<'_> {
    Column { title, numeric: true }
}

/// A table cell of one text.
pub fn cell(text: impl Into<String>) -> Vec<Span> {
    vec![Span::Text(text.into())]
}

impl Document {
    /// A document whose first line is `title`.
    pub fn new(title: &str) -> Document {
        let fonts = RunFonts::new().ascii("Calibri").hi_ansi("Calibri").east_asia("Microsoft YaHei");
        let heading = |id: &str, name: &str, size: usize, level: usize| {
            Style::new(id, StyleType::Paragraph).name(name).bold().size(size).outline_lvl(level).based_on("Normal")
        };
        let bullet =
            Level::new(0, Start::new(1), NumberFormat::new("bullet"), LevelText::new("•"), LevelJc::new("left"))
                .indent(Some(420), Some(SpecialIndentType::Hanging(420)), None, None);
        let docx = Docx::new()
            .default_fonts(fonts)
            .default_size(21)
            .add_style(heading("Title", "Title", 36, 0))
            .add_style(heading("Heading1", "heading 1", 28, 0))
            .add_style(heading("Heading2", "heading 2", 24, 1))
            .add_abstract_numbering(AbstractNumbering::new(BULLETS).add_level(bullet))
            .add_numbering(Numbering::new(BULLETS, BULLETS));
        let mut d = Document { docx };
        d.push(Paragraph::new().style("Title").add_run(text_run(title)));
        d
    }

    fn push(&mut self, p: Paragraph) {
        self.docx = std::mem::take(&mut self.docx).add_paragraph(p.line_spacing(LineSpacing::new().after(80)));
    }

    /// A section's heading (the HTML's `h2`).
    pub fn heading(&mut self, text: &str) {
        self.push(Paragraph::new().style("Heading1").keep_next(true).add_run(text_run(text)));
    }

    /// A heading within a section.
    pub fn subheading(&mut self, text: &str) {
        self.push(Paragraph::new().style("Heading2").keep_next(true).add_run(text_run(text)));
    }

    /// A line of text and links.
    pub fn line(&mut self, spans: &[Span]) {
        self.push(spans_in(Paragraph::new(), spans));
    }

    /// A line in grey (the HTML's `p.sub`, `div.meta`).
    pub fn note(&mut self, text: &str) {
        self.push(Paragraph::new().add_run(text_run(text).color(GREY)));
    }

    /// A line in bold.
    pub fn strong(&mut self, text: &str) {
        self.push(Paragraph::new().add_run(text_run(text).bold()));
    }

    /// A bulleted item.
    pub fn item(&mut self, spans: &[Span]) {
        self.push(spans_in(Paragraph::new().numbering(NumberingId::new(BULLETS), IndentLevel::new(0)), spans));
    }

    /// A table under a header row; each row a cell per column.
    pub fn table(&mut self, columns: &[Column], rows: &[Vec<Vec<Span>>]) {
        let weights: Vec<usize> = columns.iter().map(|c| if c.numeric { 2 } else { 5 }).collect();
        let total: usize = weights.iter().sum::<usize>().max(1);
        let widths: Vec<usize> = weights.iter().map(|w| TEXT_WIDTH * w / total).collect();
        let header = columns.iter().zip(&widths).map(|(c, w)| {
            let p = align(Paragraph::new().add_run(text_run(c.title).bold()), c.numeric);
            TableCell::new().add_paragraph(p).width(*w, WidthType::Dxa).shading(Shading::new().fill("F6F8FA"))
        });
        let mut table_rows = vec![TableRow::new(header.collect())];
        for row in rows {
            let cells = columns.iter().zip(&widths).zip(row).map(|((c, w), spans)| {
                TableCell::new()
                    .add_paragraph(align(spans_in(Paragraph::new(), spans), c.numeric))
                    .width(*w, WidthType::Dxa)
            });
            table_rows.push(TableRow::new(cells.collect()));
        }
        let table = Table::new(table_rows).set_grid(widths).width(TEXT_WIDTH, WidthType::Dxa);
        self.docx = std::mem::take(&mut self.docx).add_table(table);
        self.push(Paragraph::new());
    }

    /// An image as wide as the text.
    pub fn image(&mut self, png: &Png) {
        let height = IMAGE_WIDTH * u64::from(png.height) / u64::from(png.width.max(1));
        let pic = Pic::new_with_dimensions(png.bytes.clone(), png.width, png.height)
            .size(IMAGE_WIDTH as u32, height.min(u64::from(u32::MAX)) as u32);
        self.push(Paragraph::new().add_run(Run::new().add_image(pic)));
    }

    /// The document as the bytes of a `.docx` file.
    pub fn into_bytes(self) -> Result<Vec<u8>, DocxError> {
        let mut out = std::io::Cursor::new(Vec::new());
        self.docx.build().pack(&mut out).map_err(|e| DocxError::Pack(e.to_string()))?;
        Ok(out.into_inner())
    }
}

fn align(p: Paragraph, right: bool) -> Paragraph {
    if right { p.align(AlignmentType::Right) } else { p }
}

/// `spans` appended to `p`: texts as runs, web links as hyperlinks (others as their text).
fn spans_in(mut p: Paragraph, spans: &[Span]) -> Paragraph {
    for span in spans {
        p = match span {
            Span::Text(t) => p.add_run(text_run(t)),
            Span::Link { text, url } => match safe_url(url) {
                Some(url) => p.add_hyperlink(
                    Hyperlink::new(url, HyperlinkType::External)
                        .add_run(text_run(text).color(LINK).underline("single")),
                ),
                None => p.add_run(text_run(text)),
            },
        };
    }
    p
}

/// A run of `text` as written: its lines apart by line breaks, characters XML cannot hold left out.
fn text_run(text: &str) -> Run {
    let mut run = Run::new();
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            run = run.add_break(BreakType::TextWrapping);
        }
        run = run.add_text(xml_chars(line));
    }
    run
}

/// `text` without the characters XML 1.0 cannot hold (controls but tab, U+FFFE, U+FFFF) or a
/// carriage return (a line ends at `\n`).
pub fn xml_chars(text: &str) -> String {
    text.chars().filter(|&c| (c >= ' ' || c == '\t') && c != '\u{FFFE}' && c != '\u{FFFF}').collect()
}

/// Reading a written document back, for the tests: its parts and images.
#[cfg(test)]
pub(crate) mod read {
    /// The text of part `name` (`word/document.xml`).
    pub fn part(docx: &[u8], name: &str) -> String {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).unwrap();
        std::io::read_to_string(zip.by_name(name).unwrap()).unwrap()
    }

    /// The images under `word/media/`, checked to be PNGs that draw something (more than one
    /// colour), as (width, height, RGB pixels).
    pub fn images(docx: &[u8]) -> Vec<(u32, u32, Vec<[u8; 3]>)> {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).unwrap();
        let names: Vec<String> = zip.file_names().filter(|n| n.starts_with("word/media/")).map(String::from).collect();
        let mut out = Vec::new();
        for name in names.iter().filter(|n| !n.ends_with('/')) {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut zip.by_name(name).unwrap(), &mut bytes).unwrap();
            assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{name} is a PNG");
            let pixmap = resvg::tiny_skia::Pixmap::decode_png(&bytes).unwrap();
            let pixels: Vec<[u8; 3]> = pixmap.pixels().iter().map(|p| [p.red(), p.green(), p.blue()]).collect();
            assert!(pixels.iter().any(|p| *p != pixels[0]), "{name} is not all one colour");
            out.push((pixmap.width(), pixmap.height(), pixels));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document_xml(bytes: &[u8]) -> String {
        read::part(bytes, "word/document.xml")
    }

    #[test]
    fn crawled_text_stays_text_and_only_web_links_link() {
        let mut d = Document::new("标题 <b>");
        d.line(&[
            Span::Text("起火了\u{1b}[31m & <script>\r\n第二行\u{0}".into()),
            Span::Link { text: "原帖".into(), url: "https://weibo.com/1?a=1&b=2".into() },
            Span::Link { text: "坏链".into(), url: "javascript:alert(1)".into() },
        ]);
        d.table(&[col("词"), num("提及")], &[vec![cell("召回"), cell("12")]]);
        let bytes = d.into_bytes().unwrap();
        let xml = document_xml(&bytes);
        assert!(xml.contains("标题 &lt;b&gt;"), "{xml}");
        assert!(xml.contains("起火了[31m &amp; &lt;script&gt;") && xml.contains("第二行"), "{xml}");
        assert!(!xml.contains('\u{1b}') && !xml.contains('\u{0}') && !xml.contains("<script"), "{xml}");
        assert!(xml.contains("<w:br"), "the line break is kept: {xml}");
        assert_eq!(xml.matches("<w:hyperlink").count(), 1, "{xml}");
        assert!(xml.contains("坏链") && !xml.contains("javascript"), "{xml}");
        assert!(xml.contains("召回") && xml.contains("<w:tbl>"), "{xml}");
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
        let rels = std::io::read_to_string(zip.by_name("word/_rels/document.xml.rels").unwrap()).unwrap();
        assert!(rels.contains("https://weibo.com/1?a=1&amp;b=2"), "{rels}");
    }
}
