"""Record what the customer says they like or dislike, as explicit preferences."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.widgets import Input, Label, RadioButton, RadioSet, Select

from ..models import UserError
from .base import FieldError, FormDialog

FACETS = ("theme", "category", "product", "colour", "size", "occasion", "brand", "style")
HINTS = {
    "theme": "e.g. vintage, floral, christmas",
    "product": "product name or SKU, e.g. Regency teacup",
    "size": "e.g. 12, M, king",
    "occasion": "e.g. wedding, birthday",
}


class PreferenceDialog(FormDialog):
    TITLE = "Record a preference"

    def fields(self) -> ComposeResult:
        yield Label("Facet")
        yield Select([(f, f) for f in FACETS], value="theme", allow_blank=False, id="key")
        yield FieldError(id="key-error")
        yield Label("Value (what the customer said)")
        yield Input(placeholder=HINTS["theme"], id="value")
        yield Select[str]([], prompt="choose a category", id="category")
        yield FieldError(id="value-error")
        with RadioSet(id="like"):
            yield RadioButton("Likes", value=True, id="likes")
            yield RadioButton("Dislikes", id="dislikes")
        yield FieldError(id="like-error")

    def on_mount(self) -> None:
        self.categories: list[tuple[str, str]] = []
        self.query_one("#category", Select).display = False
        self.query_one("#value", Input).focus()
        self.load_categories()

    @work(exit_on_error=False)
    async def load_categories(self) -> None:
        self.categories = await self.client.categories()
        options = [(name, slug) for slug, name in self.categories]
        self.query_one("#category", Select).set_options(options)

    @on(Select.Changed, "#key")
    def _facet_changed(self, event: Select.Changed) -> None:
        facet = str(event.value)
        pick = self.query_one("#category", Select)
        typed = self.query_one("#value", Input)
        # Categories are a closed list: choose one rather than guess its spelling.
        use_list = facet == "category" and bool(
            pick._options[1:] if pick._allow_blank else pick._options
        )
        pick.display, typed.display = use_list, not use_list
        typed.placeholder = HINTS.get(facet, "")

    def on_input_submitted(self) -> None:
        self.save()

    async def submit(self) -> list[UserError]:
        key = str(self.query_one("#key", Select).value)
        pick = self.query_one("#category", Select)
        value = str(pick.value) if pick.display and isinstance(pick.value, str) else ""
        value = value or self.query_one("#value", Input).value.strip()
        if not value:
            return [UserError(("value",), "REQUIRED", "Say what the customer likes or dislikes.")]
        label = value
        if key == "product":
            matches = await self.client.find_products(value, first=1)
            if matches and value not in {sku for sku, _ in matches}:
                value, label = matches[0]
        like = self.query_one("#likes", RadioButton).value
        errors, self.answer = await self.client.set_preferences(
            self.profile.id, [(key, value, like)]
        )
        if not errors:
            verb = "likes" if like else "dislikes"
            self.app.notify(f"{self.profile.name} {verb} {key} “{label}”", title="Saved")
        return errors
