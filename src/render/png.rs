//! SVG drawn as a PNG image (resvg), for documents that cannot hold SVG: the charts of a `.docx`
//! digest or review. Text is set in the machine's fonts (fontdb's system fonts, read once per
//! process), a CJK one by default so that 正面 / 负面 and the axis dates show; on a machine without
//! any CJK font the chart is still drawn, its Chinese labels left out.

use std::sync::{Arc, OnceLock};

use resvg::tiny_skia::{Pixmap, Transform};
use resvg::usvg::{self, fontdb};

/// A PNG image and its size in pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct Png {
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Why an SVG could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum PngError {
    #[error("the chart's SVG does not parse: {0}")]
    Svg(String),
    #[error("the chart is empty or too large to draw ({0}×{1} px)")]
    Size(u32, u32),
    #[error("encoding the chart as PNG: {0}")]
    Encode(String),
}

/// Families tried, in order, for text that names none: CJK sans-serif faces first.
const CJK_FAMILIES: [&str; 8] = [
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
    "Noto Serif CJK SC",
    "AR PL UMing CN",
];

/// The system's fonts, read on first use (a few hundred milliseconds with the CJK fonts).
pub fn system_fonts() -> Arc<fontdb::Database> {
    static FONTS: OnceLock<Arc<fontdb::Database>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut db = fontdb::Database::new();
            db.load_system_fonts();
            Arc::new(db)
        })
        .clone()
}

/// The first CJK family of `fonts` ([`CJK_FAMILIES`], else any family named "CJK"), if any.
pub fn cjk_family(fonts: &fontdb::Database) -> Option<String> {
    let families: Vec<&str> = fonts.faces().flat_map(|f| f.families.iter().map(|(name, _)| name.as_str())).collect();
    CJK_FAMILIES
        .iter()
        .find(|wanted| families.contains(wanted))
        .map(|f| f.to_string())
        .or_else(|| families.iter().find(|f| f.contains("CJK")).map(|f| f.to_string()))
}

/// `svg` (a fragment as HTML embeds it: the SVG namespace is added when missing) with `css`
/// applied, drawn at `scale` times its own size with the system fonts.
pub fn svg_to_png(svg: &str, css: &str, scale: f32) -> Result<Png, PngError> {
    draw(svg, css, scale, system_fonts())
}

/// [`svg_to_png`] with the fonts in `fonts`.
pub fn draw(svg: &str, css: &str, scale: f32, fonts: Arc<fontdb::Database>) -> Result<Png, PngError> {
    let svg = if svg.contains("xmlns=") {
        svg.to_string()
    } else {
        svg.replacen("<svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"", 1)
    };
    let options = usvg::Options {
        font_family: cjk_family(&fonts).unwrap_or_else(|| "sans-serif".into()),
        fontdb: fonts,
        style_sheet: Some(css.to_string()),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(&svg, &options).map_err(|e| PngError::Svg(e.to_string()))?;
    let size = tree.size().to_int_size().scale_by(scale);
    let (width, height) = size.map_or((0, 0), |s| (s.width(), s.height()));
    let mut pixmap = Pixmap::new(width, height).ok_or(PngError::Size(width, height))?;
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(&tree, Transform::from_scale(scale, scale), &mut pixmap.as_mut());
    let bytes = pixmap.encode_png().map_err(|e| PngError::Encode(e.to_string()))?;
    Ok(Png { bytes, width, height })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SVG: &str = r##"<svg viewBox="0 0 120 40"><rect x="0" y="0" width="20" height="40" fill="#d64541"/><text x="30" y="28" class="big">负面正面</text></svg>"##;
    const CSS: &str = "text{font-size:24px;fill:#000}";

    /// Dark pixels right of the bar: where the text is drawn.
    fn text_pixels(png: &Png) -> usize {
        let pixmap = Pixmap::decode_png(&png.bytes).unwrap();
        (0..pixmap.height())
            .flat_map(|y| (25..pixmap.width()).map(move |x| (x, y)))
            .filter(|&(x, y)| pixmap.pixel(x, y).is_some_and(|p| p.red() < 100 && p.green() < 100))
            .count()
    }

    #[test]
    fn chinese_text_is_drawn_with_the_systems_cjk_font() {
        assert!(
            cjk_family(&system_fonts()).is_some(),
            "no CJK font on this machine (scripts/test installs fonts-noto-cjk)"
        );
        let png = svg_to_png(SVG, CSS, 1.0).unwrap();
        assert_eq!((png.width, png.height), (120, 40));
        assert!(png.bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert!(text_pixels(&png) > 50, "the text left {} dark pixels", text_pixels(&png));
    }

    #[test]
    fn without_fonts_the_chart_is_still_drawn_without_its_text() {
        let png = draw(SVG, CSS, 2.0, Arc::new(fontdb::Database::new())).unwrap();
        assert_eq!((png.width, png.height), (240, 80));
        let pixmap = Pixmap::decode_png(&png.bytes).unwrap();
        let bar = pixmap.pixel(5, 5).unwrap();
        assert_eq!((bar.red(), bar.green(), bar.blue()), (0xd6, 0x45, 0x41));
        assert_eq!(text_pixels(&png), 0);
    }

    #[test]
    fn svg_that_does_not_parse_is_an_error() {
        assert!(matches!(svg_to_png("<svg", "", 1.0), Err(PngError::Svg(_))));
    }
}
