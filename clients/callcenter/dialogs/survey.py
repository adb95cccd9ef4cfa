"""The short "serve you better" survey, answered by the agent on the customer's behalf."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Input, Label, Select

from ..models import UserError
from .base import FieldError, FormDialog

OCCASIONS = ("birthday", "wedding", "christmas", "anniversary", "new home", "just because")


class SurveyDialog(FormDialog):
    TITLE = "Serve you better: short survey"

    def fields(self) -> ComposeResult:
        yield Label("What are you shopping for at the moment?")
        yield Select([(o, o) for o in OCCASIONS], prompt="occasion (skip)", id="occasion")
        yield FieldError(id="occasion-error")
        yield Label("Styles or themes you love (comma-separated)")
        yield Input(placeholder="vintage, floral, christmas", id="likes")
        yield FieldError(id="likes-error")
        yield Label("Anything you would rather not see? (comma-separated)")
        yield Input(placeholder="novelty, plastic", id="dislikes")
        yield FieldError(id="dislikes-error")
        yield Label("Clothing size (optional)")
        yield Input(placeholder="12", id="size")
        yield FieldError(id="size-error")

    async def submit(self) -> list[UserError]:
        answers: list[tuple[str, str, bool]] = []
        questions: list[str | None] = []
        occasion = self.query_one("#occasion", Select).value
        if isinstance(occasion, str):
            answers.append(("occasion", occasion, True))
            questions.append("serve-you-better:occasion")
        for field, like in (("likes", True), ("dislikes", False)):
            for value in _split(self.query_one(f"#{field}", Input).value):
                answers.append(("theme", value, like))
                questions.append(f"serve-you-better:{field}")
        size = self.query_one("#size", Input).value.strip()
        if size:
            answers.append(("size", size, True))
            questions.append("serve-you-better:size")
        if not answers:
            return [UserError((), "EMPTY", "Nothing answered yet.")]
        errors, self.answer = await self.client.set_preferences(self.profile.id, answers, questions)
        if errors:
            return errors
        identifier = self.profile.best_identifier
        if identifier is not None:
            properties = {
                "answers": [{"key": k, "value": v, "like": like} for k, v, like in answers]
            }
            errors = await self.client.record_event(
                identifier,
                "SURVEY",
                properties,
                profile_id=self.profile.id,
                message_id=self.message_id,
            )
        if not errors:
            self.app.notify(f"{len(answers)} answers recorded", title="Survey")
        return errors


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]
