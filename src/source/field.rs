//! One extracted field: where its value is (a CSS selector and attribute, or a JSON pointer),
//! and how it is cleaned (regex, template, markup stripped). Validated once at load.

use regex::Regex;
use scraper::{ElementRef, Selector};
use serde_json::Value;

use super::definition::RawField;
use super::{Format, SourceError};

/// Where a field's value is, validated for the page format.
#[derive(Debug, Clone)]
pub enum Locator {
    /// HTML: the first (or every) element matching the selector inside the item; `None` is the item.
    Css { select: Option<Selector>, attr: Option<String>, all: bool },
    /// JSON: a pointer inside the item (`""` is the item).
    Pointer(String),
}

/// A validated field.
#[derive(Debug, Clone)]
pub struct FieldSpec {
    pub locator: Locator,
    regex: Option<Regex>,
    format: Option<String>,
    html: bool,
}

impl FieldSpec {
    /// Validates `raw` for pages of `format`; `field` names it in errors (`list.fields.text`).
    pub(super) fn parse(
        raw: RawField,
        format: Format,
        field: &str,
        fail: &dyn Fn(String, String) -> SourceError,
    ) -> Result<FieldSpec, SourceError> {
        let err = |reason: String| fail(field.to_string(), reason);
        let t = match raw {
            RawField::Short(s) => match format {
                Format::Json => super::definition::RawFieldTable { pointer: Some(s), ..Default::default() },
                _ => {
                    let (select, attr) = match s.rsplit_once('@') {
                        Some((sel, attr)) if !attr.is_empty() && !attr.contains([' ', ']', '=']) => {
                            (sel.trim().to_string(), Some(attr.to_string()))
                        }
                        _ => (s, None),
                    };
                    let select = (!select.trim().is_empty()).then_some(select);
                    super::definition::RawFieldTable { select, attr, ..Default::default() }
                }
            },
            RawField::Full(t) => t,
        };
        let locator = match format {
            Format::Feed => return Err(err("feeds map their fields themselves; remove it".into())),
            Format::Json => {
                if t.select.is_some() || t.attr.is_some() || t.all {
                    return Err(err("json pages take a `pointer`, not `select`, `attr` or `all`".into()));
                }
                let p = t.pointer.unwrap_or_default();
                if !p.is_empty() && !p.starts_with('/') {
                    return Err(err(format!("JSON pointer {p:?} must start with `/` (like \"/data/list\")")));
                }
                Locator::Pointer(p)
            }
            Format::Html => {
                if t.pointer.is_some() {
                    return Err(err("html pages take a CSS `select`, not a `pointer`".into()));
                }
                let select = t.select.map(|s| css(&s).map_err(err)).transpose()?;
                Locator::Css { select, attr: t.attr, all: t.all }
            }
        };
        let regex = t.regex.map(|r| Regex::new(&r).map_err(|e| err(format!("regex {r:?}: {e}")))).transpose()?;
        if let Some(f) = t.format.as_ref().filter(|f| !f.contains("{}")) {
            return Err(err(format!("format {f:?} has no `{{}}` for the value")));
        }
        Ok(FieldSpec { locator, regex, format: t.format, html: t.html })
    }

    /// The value inside an HTML item.
    pub fn from_html(&self, item: ElementRef) -> Option<String> {
        let Locator::Css { select, attr, all } = &self.locator else { return None };
        let raw = match select {
            None => element_value(item, attr.as_deref()),
            Some(sel) if *all => {
                let parts: Vec<String> = item.select(sel).filter_map(|e| element_value(e, attr.as_deref())).collect();
                (!parts.is_empty()).then(|| parts.join("\n"))
            }
            Some(sel) => item.select(sel).next().and_then(|e| element_value(e, attr.as_deref())),
        }?;
        self.finish(raw)
    }

    /// The value inside a JSON item.
    pub fn from_json(&self, item: &Value) -> Option<String> {
        let Locator::Pointer(p) = &self.locator else { return None };
        let raw = match item.pointer(p)? {
            Value::Null => return None,
            Value::String(s) => s.clone(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => n.to_string(),
            other => other.to_string(),
        };
        self.finish(raw)
    }

    fn finish(&self, mut value: String) -> Option<String> {
        if self.html {
            value = html_to_text(&value);
        }
        if let Some(re) = &self.regex {
            let c = re.captures(&value)?;
            value = c.get(1).or_else(|| c.get(0))?.as_str().to_string();
        }
        let value = value.trim();
        if value.is_empty() {
            return None;
        }
        Some(match &self.format {
            Some(f) => f.replacen("{}", value, 1),
            None => value.to_string(),
        })
    }
}

/// Parses a CSS selector, saying what is wrong with it.
pub(super) fn css(s: &str) -> Result<Selector, String> {
    if s.trim().is_empty() {
        return Err("the CSS selector is empty: name the elements, like \"div.comment\"".into());
    }
    Selector::parse(s).map_err(|e| {
        // scraper's own words end with a request to report the error to its developers.
        let why = e.to_string();
        let why = why.split("Please report").next().unwrap_or(&why).trim().trim_end_matches('.');
        format!("CSS selector {s:?} does not parse ({why})")
    })
}

/// An element's attribute, or its text with runs of white space collapsed.
fn element_value(e: ElementRef, attr: Option<&str>) -> Option<String> {
    match attr {
        Some(a) => e.value().attr(a).map(str::to_string),
        None => Some(collapse(e.text())),
    }
}

/// Text nodes joined as they are (Chinese has no spaces between them), white space runs made one space.
fn collapse<'a>(parts: impl Iterator<Item = &'a str>) -> String {
    let joined: String = parts.collect();
    let mut out = String::with_capacity(joined.len());
    for word in joined.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// The text of an HTML fragment (a JSON API's marked-up text, a feed summary). Images keep
/// their `alt` text, because Weibo writes its emoticons as `<img alt=[怒]>`; block elements
/// and `<br>` separate what they hold by a space.
pub fn html_to_text(s: &str) -> String {
    if !s.contains('<') && !s.contains('&') {
        return s.to_string();
    }
    let frag = scraper::Html::parse_fragment(s);
    let mut parts: Vec<&str> = Vec::new();
    for node in frag.root_element().descendants() {
        match node.value() {
            scraper::Node::Text(t) => parts.push(t),
            scraper::Node::Element(e) => match e.name() {
                "img" => parts.extend(e.attr("alt")),
                "br" | "p" | "div" | "li" => parts.push(" "),
                _ => {}
            },
            _ => {}
        }
    }
    collapse(parts.into_iter())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::definition::RawFieldTable;

    fn fail(field: String, reason: String) -> SourceError {
        SourceError::Invalid { file: "t.toml".into(), field, reason }
    }

    fn html_field(s: &str) -> FieldSpec {
        FieldSpec::parse(RawField::Short(s.into()), Format::Html, "f", &fail).unwrap()
    }

    #[test]
    fn html_fields_read_text_attributes_and_the_item_itself() {
        let doc = scraper::Html::parse_fragment(
            r#"<li data-id="42"><a class="t" href="/p/42"> 电池 <b>起火</b> </a><span class="n">赞(1.2万)</span></li>"#,
        );
        let item = doc.select(&css("li").unwrap()).next().unwrap();
        assert_eq!(html_field("a.t").from_html(item).as_deref(), Some("电池 起火"));
        assert_eq!(html_field("a.t@href").from_html(item).as_deref(), Some("/p/42"));
        assert_eq!(html_field("@data-id").from_html(item).as_deref(), Some("42"));
        let t =
            RawFieldTable { select: Some("span.n".into()), regex: Some(r"赞\((.+)\)".into()), ..Default::default() };
        let f = FieldSpec::parse(RawField::Full(t), Format::Html, "f", &fail).unwrap();
        assert_eq!(f.from_html(item).as_deref(), Some("1.2万"));
        assert_eq!(html_field("span.missing").from_html(item), None);
    }

    #[test]
    fn json_fields_follow_pointers_and_strip_markup() {
        let v: Value = serde_json::json!({"mblog": {"id": 4711, "text": "<a href='/n/x'>@x</a> 续航&amp;拍照<span class=\"url-icon\"><img alt=[赞] src=\"x.png\"></span>都好", "ok": true}});
        let f = |t: RawFieldTable| FieldSpec::parse(RawField::Full(t), Format::Json, "f", &fail).unwrap();
        let id = f(RawFieldTable {
            pointer: Some("/mblog/id".into()),
            format: Some("https://m.weibo.cn/detail/{}".into()),
            ..Default::default()
        });
        assert_eq!(id.from_json(&v).as_deref(), Some("https://m.weibo.cn/detail/4711"));
        let text = f(RawFieldTable { pointer: Some("/mblog/text".into()), html: true, ..Default::default() });
        assert_eq!(text.from_json(&v).as_deref(), Some("@x 续航&拍照[赞]都好"));
        assert_eq!(
            f(RawFieldTable { pointer: Some("/mblog/ok".into()), ..Default::default() }).from_json(&v).as_deref(),
            Some("true")
        );
        assert_eq!(f(RawFieldTable { pointer: Some("/nope".into()), ..Default::default() }).from_json(&v), None);
    }

    #[test]
    fn bad_fields_say_why() {
        let e = |raw, format| FieldSpec::parse(raw, format, "list.fields.text", &fail).unwrap_err().to_string();
        assert!(
            e(RawField::Short("div[".into()), Format::Html)
                .contains("list.fields.text: CSS selector \"div[\" does not parse")
        );
        assert!(e(RawField::Short("data/x".into()), Format::Json).contains("must start with `/`"));
        let t = RawFieldTable { pointer: Some("/a".into()), regex: Some("(".into()), ..Default::default() };
        assert!(e(RawField::Full(t), Format::Json).contains("regex \"(\""));
        let t = RawFieldTable { pointer: Some("/a".into()), format: Some("https://x/".into()), ..Default::default() };
        assert!(e(RawField::Full(t), Format::Json).contains("has no `{}`"));
    }
}
