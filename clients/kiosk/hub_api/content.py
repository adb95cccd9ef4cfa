from typing import Optional

from .base_model import BaseModel


class Content(BaseModel):
    content: Optional["ContentContent"]


class ContentContent(BaseModel):
    id: str
    title: str
    body: str
    link: str | None
    reason: str
    segment: Optional["ContentContentSegment"]


class ContentContentSegment(BaseModel):
    name: str


Content.model_rebuild()
ContentContent.model_rebuild()
