//! Reading mentions to import (`yuqing ingest`): JSON lines or CSV, one record at a time, each
//! with its line number and either a mention or the reason it is not one. A bad record — invalid
//! UTF-8, a line longer than [`MAX_LINE_BYTES`], a JSON array instead of an object, an unknown
//! field, a time that is no time — is named and skipped; it never stops the rest. A UTF-8 byte
//! order mark at the start is dropped. Only a failing read of the input itself is fatal.

use std::io::BufRead;

use crate::mention::Mention;

/// The longest record read; a longer one is skipped with its line (a mention is at most a few
/// hundred kilobytes of text, and parsing a 60 MB line took 3.45 GB).
pub const MAX_LINE_BYTES: usize = 16 << 20;

/// What the input holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object a line.
    Jsonl,
    /// A header row with the mention's field names, then one row a mention.
    Csv,
}

/// One record: its line and the mention, or why it is not one.
#[derive(Debug)]
pub struct Record {
    pub line: u64,
    pub mention: Result<Mention, String>,
}

/// The input could not be read at all.
#[derive(Debug, thiserror::Error)]
#[error("reading line {line}: {source}")]
pub struct ImportError {
    pub line: u64,
    pub source: std::io::Error,
}

/// Reads records from `input`.
pub fn records(input: Box<dyn BufRead>, format: Format) -> Box<dyn Iterator<Item = Result<Record, ImportError>>> {
    let lines = Lines { input, line: 0, first: true };
    match format {
        Format::Jsonl => Box::new(lines.filter_map(|r| r.map(json_record).transpose())),
        Format::Csv => Box::new(CsvRecords::new(lines)),
    }
}

/// One physical line: its number, and its text or why it is unreadable.
struct Line {
    number: u64,
    text: Result<String, String>,
}

/// Physical lines of at most [`MAX_LINE_BYTES`], without their line ends and the first line's BOM.
struct Lines {
    input: Box<dyn BufRead>,
    line: u64,
    first: bool,
}

impl Lines {
    /// Reads up to the next `\n`, keeping at most `MAX_LINE_BYTES` + 1 bytes; `None` at the end.
    fn next_bytes(&mut self) -> std::io::Result<Option<(Vec<u8>, bool)>> {
        let (mut kept, mut read_any, mut too_long) = (Vec::new(), false, false);
        loop {
            let buf = match self.input.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                return Ok(read_any.then_some((kept, too_long)));
            }
            read_any = true;
            let (chunk, done) = match memchr::memchr(b'\n', buf) {
                Some(i) => (&buf[..i], Some(i + 1)),
                None => (buf, None),
            };
            if kept.len() + chunk.len() > MAX_LINE_BYTES {
                too_long = true;
            } else {
                kept.extend_from_slice(chunk);
            }
            let used = done.unwrap_or(buf.len());
            self.input.consume(used);
            if done.is_some() {
                return Ok(Some((kept, too_long)));
            }
        }
    }
}

impl Iterator for Lines {
    type Item = Result<Line, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        let number = self.line + 1;
        let (mut bytes, too_long) = match self.next_bytes() {
            Ok(Some(b)) => b,
            Ok(None) => return None,
            Err(source) => return Some(Err(ImportError { line: number, source })),
        };
        self.line = number;
        if std::mem::take(&mut self.first) && bytes.starts_with(b"\xEF\xBB\xBF") {
            bytes.drain(..3);
        }
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
        let text = if too_long {
            Err(format!("longer than {} MiB; skipped", MAX_LINE_BYTES >> 20))
        } else {
            String::from_utf8(bytes).map_err(|e| {
                format!("not UTF-8 (byte {} of the line); convert the file to UTF-8", e.utf8_error().valid_up_to() + 1)
            })
        };
        Some(Ok(Line { number, text }))
    }
}

/// A JSON line as a record; blank lines are no record.
fn json_record(l: Line) -> Option<Record> {
    let mention = match l.text {
        Err(reason) => Err(reason),
        Ok(t) if t.trim().is_empty() => return None,
        Ok(t) if !t.trim_start().starts_with('{') => {
            Err("a mention is a JSON object ({\"text\": …, \"published_at\": …}), one a line".to_string())
        }
        Ok(t) => serde_json::from_str::<Mention>(&t).map_err(|e| json_reason(&e)),
    };
    Some(Record { line: l.number, mention })
}

/// serde_json's reason in words a user can act on: escapes that are no character, and where.
fn json_reason(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    if msg.contains("hex escape") || msg.contains("surrogate") || msg.contains("unicode code point") {
        return format!(
            "a \\u escape is not a whole character (a lone surrogate such as \\ud800) at column {}: \
             write the character itself or both halves of its pair",
            e.column()
        );
    }
    msg
}

/// A quoted field may span at most this many lines; one left open longer is taken as a missing
/// closing quote.
const MAX_ROW_LINES: usize = 200;

/// CSV records over checked lines: a bad line is a bad record, the others are parsed with the
/// header's field names. A quoted field may span lines; one that is never closed is refused at
/// the line where it opened, and the lines after it are read again as rows of their own instead
/// of being swallowed.
struct CsvRecords {
    lines: Lines,
    /// Lines read ahead while looking for a closing quote, to be read again.
    pending: std::collections::VecDeque<Line>,
    header: Option<csv::StringRecord>,
}

/// Whether a CSV field quoted on this line is still open at its end, given whether one was open
/// at its start (RFC 4180, as the csv crate reads it: a quote opens a field only at its start;
/// `""` inside is a quote).
fn quote_open_after(line: &str, mut open: bool) -> bool {
    let mut at_field_start = !open;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (open, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
            }
            (true, '"') => open = false,
            (false, '"') if at_field_start => open = true,
            (false, ',') => {
                at_field_start = true;
                continue;
            }
            _ => {}
        }
        at_field_start = false;
    }
    open
}

impl CsvRecords {
    fn new(lines: Lines) -> Self {
        CsvRecords { lines, pending: Default::default(), header: None }
    }

    fn next_line(&mut self) -> Option<Result<Line, ImportError>> {
        self.pending.pop_front().map(Ok).or_else(|| self.lines.next())
    }

    /// The next logical row: physical lines joined while a quoted field is open.
    fn row(&mut self) -> Option<Result<Row, ImportError>> {
        let first = match self.next_line()? {
            Ok(l) => l,
            Err(e) => return Some(Err(e)),
        };
        let mut text = match first.text {
            Ok(t) => t,
            Err(reason) => return Some(Ok((first.number, Err(reason)))),
        };
        let mut open = quote_open_after(&text, false);
        let mut joined: Vec<Line> = Vec::new();
        while open {
            match self.next_line() {
                Some(Ok(l)) if joined.len() < MAX_ROW_LINES && l.text.is_ok() => {
                    let more = l.text.as_ref().expect("checked");
                    open = quote_open_after(more, true);
                    text.push('\n');
                    text.push_str(more);
                    joined.push(l);
                }
                Some(Err(e)) => return Some(Err(e)),
                other => {
                    // Never closed: this row is bad, the lines after it are rows again.
                    self.pending.extend(joined);
                    if let Some(Ok(l)) = other {
                        self.pending.push_back(l);
                    }
                    let reason = "a quoted field opened on this line is never closed (a \" is missing)";
                    return Some(Ok((first.number, Err(reason.to_string()))));
                }
            }
        }
        Some(Ok((first.number, Ok(text))))
    }

    fn parse(&self, row: &str) -> Result<Mention, String> {
        let header = self.header.as_ref().ok_or("no header row")?;
        let record = csv_row(row)?;
        if record.len() != header.len() {
            return Err(format!("{} fields where the header has {}", record.len(), header.len()));
        }
        record.deserialize::<Mention>(Some(header)).map_err(|e| e.to_string())
    }
}

/// A logical CSV row: the line it starts on, and its text or why it cannot be read.
type Row = (u64, Result<String, String>);

/// One CSV row's fields.
fn csv_row(row: &str) -> Result<csv::StringRecord, String> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(row.as_bytes());
    reader.records().next().ok_or_else(|| "an empty row".to_string())?.map_err(|e| e.to_string())
}

impl Iterator for CsvRecords {
    type Item = Result<Record, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let (line, row) = match self.row()? {
                Ok(r) => r,
                Err(e) => return Some(Err(e)),
            };
            let mention = match row {
                Ok(r) if r.trim().is_empty() => continue,
                Ok(r) if self.header.is_none() => match csv_row(&r) {
                    Ok(h) => {
                        self.header = Some(h);
                        continue;
                    }
                    Err(e) => Err(format!("the header row cannot be read: {e}")),
                },
                Ok(r) => self.parse(&r),
                Err(reason) => Err(reason),
            };
            return Some(Ok(Record { line, mention }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(input: &[u8], format: Format) -> Vec<(u64, Result<String, String>)> {
        let input: Box<dyn BufRead> = Box::new(std::io::Cursor::new(input.to_vec()));
        records(input, format).map(|r| r.unwrap()).map(|r| (r.line, r.mention.map(|m| m.text))).collect()
    }

    #[test]
    fn bad_json_lines_are_named_and_the_rest_read() {
        let mut input = b"\xEF\xBB\xBF{\"text\":\"first\",\"published_at\":\"2026-11-20 10:00\"}\n".to_vec();
        input.extend_from_slice(b"{\"text\":\"bad \xff byte\",\"published_at\":\"2026-11-20 10:00\"}\n\n");
        input.extend_from_slice(b"[\"x:1\",\"weibo\"]\r\n");
        input.extend_from_slice(b"{\"text\":\"bad \\ud800 escape\",\"published_at\":\"2026-11-20 10:00\"}\n");
        input.extend_from_slice(b"{\"text\":\"last\",\"published_at\":\"2026-11-20 10:00\"}");
        let got = read(&input, Format::Jsonl);
        assert_eq!(got[0], (1, Ok("first".into())), "the BOM is dropped");
        assert_eq!(got[1].0, 2);
        assert!(got[1].1.as_ref().unwrap_err().contains("not UTF-8 (byte 14"), "{got:?}");
        assert_eq!(got[2].0, 4);
        assert!(got[2].1.as_ref().unwrap_err().contains("a mention is a JSON object"), "{got:?}");
        assert!(got[3].1.as_ref().unwrap_err().contains("a \\u escape is not a whole character"), "{got:?}");
        assert_eq!(got[4], (6, Ok("last".into())), "the last line needs no line end");
        assert_eq!(got.len(), 5);
    }

    #[test]
    fn an_oversized_line_is_skipped_without_being_kept() {
        let mut input = vec![b'x'; MAX_LINE_BYTES + 10];
        input.extend_from_slice(b"\n{\"text\":\"after\",\"published_at\":\"2026-11-20 10:00\"}\n");
        let got = read(&input, Format::Jsonl);
        assert!(got[0].1.as_ref().unwrap_err().contains("longer than 16 MiB"), "{:?}", got[0].1);
        assert_eq!(got[1], (2, Ok("after".into())));
    }

    #[test]
    fn csv_with_a_bom_multiline_fields_and_an_unclosed_quote() {
        let input = "\u{feff}id,text,published_at\n\
                     a:1,\"first\nsecond line\",2026-11-20 10:00\n\
                     a:2,\"never closed,2026-11-20 10:00\n\
                     a:3,third,2026-11-20 10:00\n";
        let got = read(input.as_bytes(), Format::Csv);
        assert_eq!(got[0], (2, Ok("first\nsecond line".into())), "the BOM is dropped, a quoted newline kept");
        assert_eq!(got[1].0, 4);
        assert!(got[1].1.as_ref().unwrap_err().contains("never closed"), "{got:?}");
        assert_eq!(got[2], (5, Ok("third".into())), "the row after the unclosed quote is read: {got:?}");
        assert_eq!(got.len(), 3);
        // A quote inside an unquoted field is a character, as the csv crate reads it.
        let got = read("id,text,published_at\na:4,6.1\" 屏幕,2026-11-20 10:00\n".as_bytes(), Format::Csv);
        assert_eq!(got, [(2, Ok("6.1\" 屏幕".into()))]);
    }

    #[test]
    fn csv_rows_with_the_wrong_number_of_fields_are_named() {
        let input = "id,text,published_at\na:1,one,2026-11-20 10:00,extra\na:2,two,2026-11-20 10:00\n";
        let got = read(input.as_bytes(), Format::Csv);
        assert!(got[0].1.as_ref().unwrap_err().contains("4 fields where the header has 3"), "{got:?}");
        assert_eq!(got[1], (3, Ok("two".into())));
    }
}
