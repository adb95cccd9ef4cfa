from typing import Any

from pydantic import Field

from .base_model import BaseModel
from .fragments import Problem


class ExportProfile(BaseModel):
    export_profile: "ExportProfileExportProfile" = Field(alias="exportProfile")


class ExportProfileExportProfile(BaseModel):
    document: Any | None
    user_errors: list["ExportProfileExportProfileUserErrors"] = Field(alias="userErrors")


ExportProfileExportProfileUserErrors = Problem
ExportProfile.model_rebuild()
ExportProfileExportProfile.model_rebuild()
