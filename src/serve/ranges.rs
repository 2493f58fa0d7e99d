//! Time ranges on the search and trend pages: quick links (近 1 小时, 近 24 小时, 近 7 天 …) that
//! keep every other filter, and date pickers for a period of one's own. Pages are drawn without
//! script, so a quick range is a link whose `since` is a relative time (`24小时前`, read by
//! `time::parse_time` like every other time the dashboard takes).

use maud::{Markup, html};

/// A quick range: its name and the `since` it sets (`None`: no bound).
pub type Quick = (&'static str, Option<&'static str>);

/// The search page's quick ranges.
pub const SEARCH: [Quick; 5] = [
    ("近 1 小时", Some("1小时前")),
    ("近 24 小时", Some("24小时前")),
    ("近 7 天", Some("7天前")),
    ("近 30 天", Some("30天前")),
    ("全部时间", None),
];

/// The trend page's quick ranges.
pub const TRENDS: [Quick; 4] = [
    ("近 24 小时", Some("24小时前")),
    ("近 7 天", Some("7天前")),
    ("近 30 天", Some("30天前")),
    ("近 90 天", Some("90天前")),
];

/// Links to `path` with the query `raw` and each quick range instead of its time parameters
/// (and page); the one in force is marked.
pub fn links(path: &str, raw: &str, quick: &[Quick], since: Option<&str>, until: Option<&str>) -> Markup {
    let kept: Vec<&str> = raw
        .split('&')
        .filter(|kv| {
            !kv.is_empty() && !["since", "until", "offset", "days"].contains(&kv.split('=').next().unwrap_or(""))
        })
        .collect();
    let since = since.map(str::trim).filter(|s| !s.is_empty());
    let open_end = until.is_none_or(|u| u.trim().is_empty());
    html! {
        span.ranges {
            @for (name, value) in quick {
                @let on = open_end && since == *value;
                a href=(href(path, &kept, *value)) class=[on.then_some("on")] { (name) } " "
            }
        }
    }
}

fn href(path: &str, kept: &[&str], since: Option<&str>) -> String {
    let mut pairs: Vec<String> = kept.iter().map(|kv| kv.to_string()).collect();
    if let Some(v) = since {
        pairs.push(url::form_urlencoded::Serializer::new(String::new()).append_pair("since", v).finish());
    }
    format!("{path}?{}", pairs.join("&"))
}

/// The `since` and `until` fields: date pickers, or text fields when the time given is not a
/// plain date (a quick range's `24小时前`, or `2026-11-20 10:00`), so that it is seen and kept.
pub fn pickers(since: Option<&str>, until: Option<&str>) -> Markup {
    html! {
        (field("since", "起", since)) " – " (field("until", "止", until))
    }
}

fn field(name: &str, label: &str, value: Option<&str>) -> Markup {
    let value = value.map(str::trim).unwrap_or("");
    let plain_date = value.is_empty() || crate::time::plain_date(value).is_some();
    html! {
        label.when {
            (label) " "
            @if plain_date { input type="date" name=(name) value=(value); }
            @else { input type="text" name=(name) value=(value) size="14"; }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quick_links_keep_the_filters_and_replace_the_time() {
        let raw = "q=%E8%B5%B7%E7%81%AB&since=2026-11-01&offset=50&sentiment=negative";
        let html = links("/search", raw, &SEARCH, Some("2026-11-01"), None).into_string();
        assert!(
            html.contains(
                r#"href="/search?q=%E8%B5%B7%E7%81%AB&amp;sentiment=negative&amp;since=24%E5%B0%8F%E6%97%B6%E5%89%8D""#
            ),
            "{html}"
        );
        assert!(html.contains(r#"href="/search?q=%E8%B5%B7%E7%81%AB&amp;sentiment=negative">全部时间"#), "{html}");
        assert!(!html.contains("class=\"on\""), "a date of one's own is no quick range: {html}");
        let on = links("/search", "since=7%E5%A4%A9%E5%89%8D", &SEARCH, Some("7天前"), None).into_string();
        assert!(on.contains(r#"class="on">近 7 天"#), "{on}");
    }

    #[test]
    fn a_plain_date_gets_a_picker_anything_else_a_text_field() {
        let html = pickers(Some("2026-11-01"), Some("24小时前")).into_string();
        assert!(html.contains(r#"type="date" name="since" value="2026-11-01""#), "{html}");
        assert!(html.contains(r#"type="text" name="until" value="24小时前""#), "{html}");
        assert!(pickers(Some("2026-11-20 10:00"), None).into_string().contains(r#"type="text" name="since""#));
        assert!(pickers(None, None).into_string().matches(r#"type="date""#).count() == 2);
    }
}
