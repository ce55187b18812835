"""``POST /api/skills/extract``: ESCO skills suggested for a text (a learning outcome, a job ad's sentence).

The route reads the body, asks the knowledge graph's ``SkillExtractor`` (``smarco_kg.skill_extraction``) in a
worker thread and shapes the answer; the first call after a start or an ESCO import builds the index (seconds).
Suggestions are only suggestions: nothing is stored.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from smarco_kg.api.context import service
from smarco_kg.api.problems import problem_responses
from smarco_kg.errors import ContentTooLarge, RequestTimeout, Unprocessable
from smarco_kg.jsontext import MalformedJson, read_json
from smarco_kg.skill_extraction import MAX_LIMIT, MAX_TEXT

router = APIRouter(tags=["ESCO"])


EXAMPLE = {"text": "Build a business case for an urban technology solution", "lang": "en", "limit": 5}


class ExtractRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

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


def _request(document: Any) -> ExtractRequest:
    """The body as the model says, or a 422 naming every member that is wrong (the first in the detail)."""
    if not isinstance(document, dict):
        message = 'a JSON object such as {"text": "…", "lang": "en", "limit": 10}'
        errors = [{"parameter": "body", "value": document, "message": message}]
        raise Unprocessable(f"body: {message}", title="the body must be a JSON object", errors=errors)
    try:
        return ExtractRequest.model_validate(document)
    except ValidationError as error:
        errors = [
            {"parameter": ".".join(str(p) for p in e["loc"]) or "body", "value": e.get("input"), "message": e["msg"]}
            for e in error.errors()
        ]
        first = errors[0]
        raise Unprocessable(
            f"{first['parameter']}: {first['message']}", title=f"bad value for '{first['parameter']}'", errors=errors
        ) from None


@router.post(
    "/api/skills/extract",
    summary="ESCO skills for a text",
    description=(
        "Ranks ESCO skills for a text by matching it against ESCO's preferred, alternative and hidden labels, its "
        "descriptions and its hierarchy, by stems and by static word embeddings. The answer is a suggestion for a "
        "person to accept or not: nothing is stored."
    ),
    response_model=ExtractResponse,
    responses=problem_responses(MalformedJson, Unprocessable, ContentTooLarge, RequestTimeout),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": ExtractRequest.model_json_schema(), "example": EXAMPLE}},
        }
    },
)
async def extract(request: Request) -> ExtractResponse:
    # read here, not by FastAPI: any media type is read as JSON (as the planner's save does), so a body sent as
    # text/plain is answered, not a 500, and a body that is not JSON is the project's 400 (malformed-json)
    body = _request(read_json(await request.body() or b"null"))
    extractor = service(request).kg.skills
    found = await run_in_threadpool(extractor.extract, body.text, body.lang, body.limit)
    return ExtractResponse(
        items=[ExtractedSkill(skill=m.skill, label=m.label, score=m.score, matched=m.matched) for m in found]
    )
