"""The Scrapy project: one generic spider driven by source declarations."""
