//! Reading a `.docx` back: its parts (`word/document.xml`) and its images, each checked to be a
//! PNG that draws something.

use std::io::{Cursor, Read};

/// The text of part `name` of the document.
pub fn part(docx: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(docx)).expect("a .docx is a zip archive");
    std::io::read_to_string(zip.by_name(name).unwrap_or_else(|e| panic!("{name}: {e}"))).unwrap()
}

/// An image of the document: its size and RGB pixels.
pub struct Image {
    pub name: String,
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<[u8; 3]>,
}

impl Image {
    /// Pixels within 12 of `colour` in each channel.
    pub fn near(&self, colour: [u8; 3]) -> usize {
        self.rgb.iter().filter(|p| (0..3).all(|i| (p[i] as i32 - colour[i] as i32).abs() <= 12)).count()
    }
}

/// The images under `word/media/`: each a PNG (its signature, a size) of more than one colour.
pub fn images(docx: &[u8]) -> Vec<Image> {
    let mut zip = zip::ZipArchive::new(Cursor::new(docx)).unwrap();
    let names: Vec<String> =
        zip.file_names().filter(|n| n.starts_with("word/media/") && !n.ends_with('/')).map(String::from).collect();
    let mut out = Vec::new();
    for name in names {
        let mut bytes = Vec::new();
        zip.by_name(&name).unwrap().read_to_end(&mut bytes).unwrap();
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{name} is not a PNG");
        let mut reader = png::Decoder::new(Cursor::new(bytes)).read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        let channels = info.color_type.samples();
        let rgb: Vec<[u8; 3]> = buf[..info.buffer_size()].chunks(channels).map(|p| [p[0], p[1], p[2]]).collect();
        assert!(info.width > 0 && info.height > 0, "{name} is empty");
        assert!(rgb.iter().any(|p| *p != rgb[0]), "{name} is all one colour");
        out.push(Image { name, width: info.width, height: info.height, rgb });
    }
    out
}
