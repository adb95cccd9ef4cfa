from pydantic import Field

from .base_model import BaseModel


class AuditLog(BaseModel):
    audit_log: list["AuditLogAuditLog"] = Field(alias="auditLog")


class AuditLogAuditLog(BaseModel):
    id: str
    at: str
    actor: str
    channel: str
    action: str
    detail: str


AuditLog.model_rebuild()
