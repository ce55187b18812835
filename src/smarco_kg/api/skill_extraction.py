"""``POST /api/skills/extract``: ESCO skills suggested for a text (a learning outcome, a job ad's sentence).

The route reads the body, asks the knowledge graph's ``SkillExtractor`` (``smarco_kg.skill_extraction``) in a
worker thread and shapes the answer; the first call after a start or an ESCO import builds the index (seconds).
Suggestions are only suggestions: nothing is stored.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from smarco_kg.api.context import service
from smarco_kg.api.problems import problem_responses
from smarco_kg.errors import ContentTooLarge, RequestTimeout, Unprocessable
from smarco_kg.skill_extraction import MAX_LIMIT, MAX_TEXT

router = APIRouter(tags=["ESCO"])


class ExtractRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"text": "Build a business case for an urban technology solution", "lang": "en", "limit": 5}]
        },
    )

    text: str = Field(max_length=MAX_TEXT, description="The text to find skills in: a learning outcome, a sentence.")
    lang: str = Field(
        "en",
        pattern="^[A-Za-z]{2,3}$",
        description="The language of the text, and of the ESCO labels it is matched against.",
    )
    limit: int = Field(10, ge=1, le=MAX_LIMIT, description="How many skills at most.")


class ExtractedSkill(BaseModel):
    skill: str = Field(description="The ESCO skill's IRI.")
    label: str = Field(description="Its preferred label in the language asked for.")
    score: float = Field(description="Higher is better; compare scores within one answer only.")
    matched: str = Field(description="The part of the text that matched, as it stands in the text.")


class ExtractResponse(BaseModel):
    items: list[ExtractedSkill] = Field(description="The skills, best first; none for a text without words.")


@router.post(
    "/api/skills/extract",
    summary="ESCO skills for a text",
    description=(
        "Ranks ESCO skills for a text by matching it against ESCO's preferred, alternative and hidden labels, its "
        "descriptions and its hierarchy, by stems and by static word embeddings. The answer is a suggestion for a "
        "person to accept or not: nothing is stored."
    ),
    response_model=ExtractResponse,
    responses=problem_responses(Unprocessable, ContentTooLarge, RequestTimeout),
)
async def extract(request: Request, body: ExtractRequest) -> ExtractResponse:
    extractor = service(request).kg.skills
    found = await run_in_threadpool(extractor.extract, body.text, body.lang, body.limit)
    return ExtractResponse(
        items=[ExtractedSkill(skill=m.skill, label=m.label, score=m.score, matched=m.matched) for m in found]
    )
