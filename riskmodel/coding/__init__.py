"""Article text -> events: sentences, actors, event patterns, dates and numbers.

The entry points are :class:`ArticleCoder` and :func:`code_article`; :func:`read_articles`
reads plain text, HTML and JSONL/CSV batches into :class:`Article` objects.
"""

from riskmodel.coding.actors import ActorTable, Mention, default_actor_table
from riskmodel.coding.coder import ArticleCoder, CodingReport, code_article
from riskmodel.coding.patterns import EventPattern, PatternSet, load_patterns
from riskmodel.coding.text import Article, html_to_text, prepare_text, read_articles

__all__ = [
    "ActorTable",
    "Article",
    "ArticleCoder",
    "CodingReport",
    "EventPattern",
    "Mention",
    "PatternSet",
    "code_article",
    "default_actor_table",
    "html_to_text",
    "load_patterns",
    "prepare_text",
    "read_articles",
]
