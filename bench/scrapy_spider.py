"""Scrapy's side of the main benchmark (bench/run.sh): the crawl bench/realistic.toml (or, for
the plain site, bench/crawlbox.toml) describes.

Starts at the site's start page, follows every same-site http link, runs the board regex (the
same pattern as crawlbox's rule, DOTALL) over every page and stores the records in SQLite
through an item pipeline that commits every 500 items.

    scrapy runspider bench/scrapy_spider.py -a site=http://127.0.0.1:PORT \
        -a start=/home -a db=board.db -a stats=stats.json

`start` is the start page's path: /home for the realistic site (the default), /site/0.html
for the plain one. `stats` receives {"pages": responses parsed, "items": records stored,
"scrapy": Scrapy's own stats} when the spider closes.
"""

import json
import re
import sqlite3

import scrapy

BOARD_PATTERN = re.compile(
    r'<dd>.*?board-index.*?>(?P<rank>\d+)</i>.*?title="(?P<title>[^"]*)"'
    r'.*?<p class="star">(?P<actor>.*?)</p>.*?<p class="releasetime">(?P<time>.*?)</p>'
    r'.*?<i class="integer">(?P<integer>.*?)</i>.*?<i class="fraction">(?P<fraction>.*?)</i>'
    r'.*?</dd>',
    re.DOTALL,
)
COMMIT_EVERY = 500


def clean(text, prefix=""):
    """Trims, removes the prefix once when present, trims again (crawlbox's field transforms)."""
    text = text.strip()
    if prefix and text.startswith(prefix):
        text = text[len(prefix):].strip()
    return text


class SqlitePipeline:
    """Writes board records to the `board` table of the spider's database, in batches."""

    def open_spider(self, spider):
        self.connection = sqlite3.connect(spider.db)
        self.connection.execute(
            "CREATE TABLE IF NOT EXISTS board "
            "(rank INTEGER, title TEXT, actor TEXT, time TEXT, score REAL, url TEXT)")
        self.pending = 0
        self.stored = 0

    def process_item(self, item, spider):
        self.connection.execute(
            "INSERT INTO board (rank, title, actor, time, score, url) VALUES (?, ?, ?, ?, ?, ?)",
            (item["rank"], item["title"], item["actor"], item["time"], item["score"],
             item["url"]))
        self.pending += 1
        self.stored += 1
        if self.pending >= COMMIT_EVERY:
            self.connection.commit()
            self.pending = 0
        return item

    def close_spider(self, spider):
        self.connection.commit()
        self.connection.close()
        spider.items_stored = self.stored


class BoardSpider(scrapy.Spider):
    name = "bench"
    allowed_domains = ["127.0.0.1"]
    custom_settings = {
        "CONCURRENT_REQUESTS": 64,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 64,
        "DOWNLOAD_DELAY": 0,
        "ROBOTSTXT_OBEY": False,
        "AUTOTHROTTLE_ENABLED": False,
        "HTTPCACHE_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "ITEM_PIPELINES": {SqlitePipeline: 300},
        # The default in Scrapy 2.8 is the deprecated "2.6", which warns at every start.
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
    }

    def __init__(self, site="http://127.0.0.1:8000", start="/home", db="scrapy.db", stats="",
                 **kwargs):
        super().__init__(**kwargs)
        self.start_urls = [site.rstrip("/") + start]
        self.db = db
        self.stats_file = stats
        self.pages = 0
        self.items_stored = 0
        self.seen = set()  # absolute URLs without fragment, requested or about to be

    def start_requests(self):
        # Scrapy exempts start URLs from the dupe filter by default; the index page is linked
        # from other pages too and must be fetched once, as crawlbox and wget do.
        for url in self.start_urls:
            self.seen.add(url)
            yield scrapy.Request(url, callback=self.parse)

    def parse(self, response):
        self.pages += 1
        for match in BOARD_PATTERN.finditer(response.text):
            yield {
                "rank": int(match["rank"]),
                "title": clean(match["title"]),
                "actor": clean(match["actor"], "主演:"),
                "time": clean(match["time"], "上映时间:"),
                "score": float(clean(match["integer"]) + clean(match["fraction"])),
                "url": response.url,
            }
        # Links are resolved and deduplicated here, before a Request exists: Scrapy spends
        # most of its time per Request (fingerprint, middlewares, scheduler), so handing every
        # one of a page's ~40 links to the dupe filter made the spider about half as fast
        # here. The dupe filter still runs; the offsite middleware keeps the crawl on
        # allowed_domains.
        # javascript: and mailto: hrefs are not pages (Scrapy's LinkExtractor drops them
        # too); "#" and "#top" resolve to the page itself, already seen.
        for href in response.css("a::attr(href)").getall():
            url = response.urljoin(href).split("#", 1)[0]
            if not url.startswith(("http://", "https://")):
                continue
            if url not in self.seen:
                self.seen.add(url)
                yield scrapy.Request(url, callback=self.parse)

    def closed(self, reason):
        if not self.stats_file:
            return
        with open(self.stats_file, "w", encoding="utf-8") as out:
            json.dump({"reason": reason, "pages": self.pages, "items": self.items_stored,
                       "scrapy": self.crawler.stats.get_stats()}, out, default=str)
