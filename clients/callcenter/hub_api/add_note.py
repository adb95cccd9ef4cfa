from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import Problem, Profile360


class AddNote(BaseModel):
    add_note: "AddNoteAddNote" = Field(alias="addNote")


class AddNoteAddNote(BaseModel):
    duplicate: bool
    profile: Optional["AddNoteAddNoteProfile"]
    user_errors: list["AddNoteAddNoteUserErrors"] = Field(alias="userErrors")


AddNoteAddNoteProfile = Profile360
AddNoteAddNoteUserErrors = Problem
AddNote.model_rebuild()
AddNoteAddNote.model_rebuild()
