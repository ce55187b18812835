"""ESCO skills from text: ``SkillExtractor(store, esco_graph).extract(text, lang, limit)`` -> ``list[SkillMatch]``.

esco_skills (what is read from the store) · text (words, stems, offsets) · vectors (static embeddings from the
``wordllama`` wheel) · index (matching and ranking) · extractor (the cache and the public call).
"""

from smarco_kg.skill_extraction.extractor import MAX_LIMIT, MAX_TEXT, SkillExtractionError, SkillExtractor, SkillMatch
from smarco_kg.skill_extraction.index import Weights

__all__ = ["MAX_LIMIT", "MAX_TEXT", "SkillExtractionError", "SkillExtractor", "SkillMatch", "Weights"]
