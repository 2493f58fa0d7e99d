//! The digest as a Word document (`.docx`), what a PR team hands up: the sections of the HTML
//! version in its words — title, period, headlines, volume with its chart (a PNG drawn from the
//! same SVG), net sentiment, share of voice, risks, rising terms, the top posts quoted whole with
//! their links, the alerts — as headings, lines and tables. Also draws any chart as a PNG for the
//! incident review's document ([`chart_png`]).

use maud::Markup;

use super::Digest;
use super::html::{counts_line, daily_bars, net_line, period_line, volume_heading};
use crate::index::search::TopPost;
use crate::index::terms::RisingTerm;
use crate::render::Span;
use crate::render::docx::{Document, DocxError, cell, col, num};
use crate::render::png::{Png, PngError, svg_to_png};
use crate::time::local_minute;

/// The charts' style in a PNG: the page's (`charts::CSS`) at a desktop width, with what only a
/// phone shows left out.
const CHART_CSS: &str =
    "text{font-size:12px;fill:#59636e}text.total{fill:#1f2328}text.mark{fill:#b42318}.phone{display:none}";
/// Pixels per chart unit: a 600-unit chart becomes 1,800 px, sharp when printed page-wide.
const CHART_SCALE: f32 = 3.0;

/// A chart (`charts::Bars`) as a PNG.
pub fn chart_png(chart: &Markup) -> Result<Png, PngError> {
    svg_to_png(&chart.0, CHART_CSS, CHART_SCALE)
}

/// The chart as an image, or a note saying why it is missing (the document goes out without it).
pub fn chart(doc: &mut Document, chart: &Markup) {
    match chart_png(chart) {
        Ok(png) => doc.image(&png),
        Err(e) => {
            tracing::warn!(error = %e, "a chart left out of a .docx");
            doc.note(&format!("（图表无法绘制：{e}）"));
        }
    }
}

/// The digest as the bytes of a `.docx` file.
pub fn render(d: &Digest) -> Result<Vec<u8>, DocxError> {
    let mut doc = Document::new(&d.title);
    doc.note(&period_line(d));
    headlines(&mut doc, d);
    doc.heading(volume_heading(d));
    doc.note(&counts_line(d));
    chart(&mut doc, &daily_bars(d, None).render());
    doc.note(&net_line(d));
    share_of_voice(&mut doc, d);
    risks(&mut doc, d);
    emotions_and_aspects(&mut doc, d);
    doc.heading("上升词");
    terms(&mut doc, d, "全部提及", &d.rising_terms);
    terms(&mut doc, d, "负面提及", &d.negative_terms);
    doc.heading("热门负面");
    posts(&mut doc, &d.top_negative);
    doc.heading("热门正面");
    posts(&mut doc, &d.top_positive);
    alerts(&mut doc, d);
    doc.into_bytes()
}

fn headlines(doc: &mut Document, d: &Digest) {
    let this = d.period.this_zh();
    doc.heading(&format!("{this}要点"));
    for h in &d.headlines {
        doc.item(&cell(h.clone()));
    }
    if d.headlines.is_empty() {
        doc.line(&cell(format!("{this}没有提及。")));
    }
}

fn share_of_voice(doc: &mut Document, d: &Digest) {
    if d.share_of_voice.len() < 2 {
        return;
    }
    let percent = |v: f64| format!("{:.1}%", v * 100.0);
    doc.heading("声量份额");
    let rows: Vec<_> = d
        .share_of_voice
        .iter()
        .map(|s| {
            vec![
                cell(s.watch.clone()),
                cell(format!("{} ({})", percent(s.share), s.mentions)),
                cell(percent(s.previous_share)),
            ]
        })
        .collect();
    doc.table(&[col("品牌"), num(&d.period.this_zh()), num("上期")], &rows);
}

fn risks(doc: &mut Document, d: &Digest) {
    let (this, was) = (d.period.this_zh(), d.period.before_zh());
    doc.heading("风险类别");
    if d.risks.is_empty() {
        doc.note("没有风险类别的提及。");
        return;
    }
    let rows: Vec<_> = d
        .risks
        .iter()
        .map(|r| vec![cell(r.label), cell(r.mentions.to_string()), cell(r.previous.to_string())])
        .collect();
    doc.table(&[col("类别"), num(&this), num(&was)], &rows);
}

fn emotions_and_aspects(doc: &mut Document, d: &Digest) {
    doc.heading("情绪与方面");
    doc.line(&cell(format!("负面提及的情绪：{}", d.emotions_line().unwrap_or_else(|| "没有。".into()))));
    let lines = d.aspect_lines();
    if lines.is_empty() {
        doc.note("没有方面的提及。");
        return;
    }
    let rows: Vec<_> =
        d.aspects.iter().zip(lines).map(|(a, line)| vec![cell(line), cell(a.now.total().to_string())]).collect();
    doc.table(&[col("方面（负面占比）"), num(&format!("{}提及", d.period.this_zh()))], &rows);
}

fn terms(doc: &mut Document, d: &Digest, caption: &str, terms: &[RisingTerm]) {
    if terms.is_empty() {
        return;
    }
    let (this, was) = (d.period.this_zh(), d.period.before_zh());
    doc.note(caption);
    let rows: Vec<_> = terms
        .iter()
        .map(|t| vec![cell(t.term.clone()), cell(t.mentions.to_string()), cell(t.before.to_string())])
        .collect();
    doc.table(&[col("词"), num(&format!("{this}提及")), num(&format!("{was}提及"))], &rows);
}

/// Posts quoted whole, each a link to itself, with its source, time and engagement under it.
pub fn posts(doc: &mut Document, posts: &[TopPost]) {
    if posts.is_empty() {
        doc.note("没有。");
    }
    for p in posts {
        doc.line(&[Span::Link { text: p.text.clone(), url: p.url.clone() }]);
        doc.note(&format!("{} · {} · 互动 {}", p.source, local_minute(p.published_at), p.engagement));
    }
}

fn alerts(doc: &mut Document, d: &Digest) {
    let this = d.period.this_zh();
    doc.heading(&format!("{this}预警"));
    if d.alerts.is_empty() {
        doc.note(&format!("{this}没有预警。"));
        return;
    }
    let rows: Vec<_> = d
        .alerts
        .iter()
        .map(|a| {
            vec![
                cell(local_minute(a.at)),
                cell(a.severity.label_zh()),
                cell(a.observed.to_string()),
                cell(format!("{:.1}", a.expected)),
                cell(a.terms.join("、")),
            ]
        })
        .collect();
    doc.table(&[col("时间"), col("级别"), num("负面"), num("预期"), col("上升词")], &rows);
}
