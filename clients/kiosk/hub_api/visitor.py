from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class Visitor(BaseModel):
    profile: Optional["VisitorProfile"]


class VisitorProfile(BaseModel):
    id: str
    first_name: str | None = Field(alias="firstName")


Visitor.model_rebuild()
