from pydantic import Field

from .base_model import BaseModel


class SessionCheck(BaseModel):
    typename__: str = Field(alias="__typename")
