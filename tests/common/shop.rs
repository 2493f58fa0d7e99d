//! The GBK shop the crawl tests and the crawl benchmark both read: review list pages in the shape
//! of a Chinese shop (GBK, the charset only in `<meta>`, stars as a class, relative Chinese
//! dates, "有用(N)" votes), and the source definition that reads them. Benches include this file
//! by path (`#[path = "../tests/common/shop.rs"]`), so it depends on nothing but its crates.

#![allow(dead_code)]

/// One review on a page.
pub struct Review<'a> {
    pub id: String,
    pub user: &'a str,
    pub stars: u8,
    pub text: &'a str,
    /// As the page prints it: `5分钟前`, `昨天 08:15`, `2019-05-01 10:00`.
    pub date: &'a str,
    pub useful: u32,
}

/// A review list page, as GBK bytes (the charset declared only in `<meta>`).
pub fn page(reviews: &[Review]) -> Vec<u8> {
    gbk(&page_html(reviews))
}

/// `html` encoded as GBK.
pub fn gbk(html: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(html).0.into_owned()
}

/// A review list page's HTML (encode it with [`gbk`]).
pub fn page_html(reviews: &[Review]) -> String {
    let mut html = String::from(
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gbk\">\
         <title>商品评价</title></head><body><div class=\"comment-list\">",
    );
    for r in reviews {
        html.push_str(&format!(
            "<div class=\"comment-item\" data-id=\"{}\"><span class=\"user\">{}</span>\
             <span class=\"star star{}\"></span><p class=\"content\">{}</p>\
             <span class=\"date\">{}</span><span class=\"useful\">有用({})</span></div>\n",
            r.id,
            html_escape::encode_text(r.user),
            r.stars,
            html_escape::encode_text(r.text),
            r.date,
            r.useful
        ));
    }
    html.push_str("</div><div class=\"pager\"><a class=\"next\">下一页</a></div></body></html>");
    html
}

/// The source definition that reads these pages: `url` holds `{page}`; `extra` is more TOML for
/// the top of the definition (`window_days = 3650`, `[params]` …).
pub fn definition(url: &str, extra: &str) -> String {
    format!(
        r#"kind = "review"
urls = ["{url}"]
{extra}
[list]
format = "html"
items = "div.comment-item"
[list.fields]
id = "@data-id"
author = "span.user"
text = "p.content"
published_at = "span.date"
rating = {{ select = "span.star", attr = "class", regex = 'star(\d)' }}
likes = {{ select = "span.useful", regex = '(\d+)' }}
[list.pagination]
pages = {{ first = 1 }}
"#
    )
}
