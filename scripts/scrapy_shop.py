"""The Scrapy side of scripts/bench-vs-scrapy.sh: crawls the crawl bench's GBK shop (every
product's numbered review pages, until a page has no reviews) and extracts each review's fields,
with the same concurrency and no politeness delay, as yuqing's definition does. Scrapy decodes the
GBK pages from their <meta> charset itself."""

import scrapy


class ShopSpider(scrapy.Spider):
    name = "shop"
    custom_settings = {
        "ROBOTSTXT_OBEY": False,
        "DOWNLOAD_DELAY": 0,
        "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
        "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False,
        "COOKIES_ENABLED": True,
        "RETRY_ENABLED": True,
    }

    def __init__(self, origin, products="100", **kw):
        super().__init__(**kw)
        self.origin = origin
        self.products = int(products)
        self.reviews = 0
        self.pages = 0

    def start_requests(self):
        for p in range(self.products):
            yield scrapy.Request(f"{self.origin}/p/{p}?page=1", cb_kwargs={"product": p, "page": 1})

    async def start(self):
        # Scrapy 2.13 and later start here (start_requests is read by older ones).
        for request in self.start_requests():
            yield request

    def parse(self, response, product, page):
        self.pages += 1
        items = response.css("div.comment-item")
        for item in items:
            self.reviews += 1
            yield {
                "id": item.attrib.get("data-id"),
                "user": item.css("span.user::text").get(),
                "stars": item.css("span.star::attr(class)").re_first(r"star(\d)"),
                "text": item.css("p.content::text").get(),
                "date": item.css("span.date::text").get(),
                "useful": item.css("span.useful::text").re_first(r"(\d+)"),
            }
        if items:
            yield scrapy.Request(
                f"{self.origin}/p/{product}?page={page + 1}", cb_kwargs={"product": product, "page": page + 1}
            )

    def closed(self, reason):
        print(f"scrapy: {self.pages} pages, {self.reviews} reviews")
