"""The key map and what each screen is for."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# Rapport agent desktop

Every action is on a key (shown in the footer) and in the command palette (**ctrl+p**).

## Find the caller
| key | action |
|---|---|
| type | search as you type: name, email, phone in any format, loyalty or CRM id |
| ↑ ↓ Enter | choose a result and open the profile |
| F2 | incoming call: type the number, the caller's profile opens at once |
| / | back to the search box |
| F3 | identity review: shared devices seen with two customers, and possible duplicates |
| ctrl+l | sign out |

Rows marked **⚠ possible duplicate** share a name or a contact with another result:
check with the caller, then link them from the profile (**l**) when they are the same person.

## The caller's profile (360° view)
| key | action |
|---|---|
| p | record a preference the customer states (like or dislike: category, theme, size, occasion…) |
| c | consent per purpose, saved as you toggle |
| n | add a note |
| v | "serve you better" survey on the customer's behalf |
| m | a mailing's code the caller reads out: recorded as their reply (someone else's is refused) |
| y / d | the customer accepts / declines the highlighted **next best action** |
| a / x | the customer accepts / rejects the highlighted **pick** (cross-sell, up-sell…) |
| l | link with another profile (same person), when the hub offers linking |
| j | merge journal: split a wrong merge back into two profiles |
| e | export everything held on the customer to a JSON file (`--export-dir`) |
| w | wrap up and log the call, then back to find the next caller |
| r | reload |
| Esc | back to search |

**Next best actions** say what to do, what to say and why; each answer is recorded by the hub
(it feeds learning and evaluation) and a declined action is not offered again for a while.
The outcome, or why it was not saved, shows under the panel. Next to them: the customer's
**segments** with why they are in each, and their **gift registries** with what is still wanted.

The profile follows the customer live: what they do at a kiosk or on the web during the call
appears as a toast and at the top of the timeline (● rows), and the panels refresh.

## Identity review (F3)
| key | action |
|---|---|
| Tab | between shared-device conflicts and possible duplicates |
| ↑ ↓ | choose a pair; both profiles and the evidence are shown below |
| 1 / 2 | open the first / second profile |
| l | link them, once the customer confirms they are one person |
| d | dismiss a possible duplicate: different people (not suggested again) |
| r | reload |
| Esc | back |

## When the session ends
When your sign-in runs out (or is refused), the sign-in screen says so; sign in again and you
are back where you were, with anything you had typed still there.

## Everywhere
| key | action |
|---|---|
| F1 or ? | this help |
| ctrl+p | command palette |
| ctrl+q | quit |
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("f1", "close", "Close", show=False),
        Binding("q", "close", "Close", show=False),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help", classes="dialog") as box:
            box.border_title = "Help"
            box.border_subtitle = "Esc to close"
            yield Markdown(HELP)

    def action_close(self) -> None:
        self.dismiss()
