from pydantic import Field

from .base_model import BaseModel
from .fragments import Problem


class ForgetInterest(BaseModel):
    forget_interest: "ForgetInterestForgetInterest" = Field(alias="forgetInterest")


class ForgetInterestForgetInterest(BaseModel):
    user_errors: list["ForgetInterestForgetInterestUserErrors"] = Field(alias="userErrors")


ForgetInterestForgetInterestUserErrors = Problem
ForgetInterest.model_rebuild()
ForgetInterestForgetInterest.model_rebuild()
