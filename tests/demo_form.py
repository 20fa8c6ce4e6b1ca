"""A small form that exercises every step kind; its texts are tests/templates/*/forms/demo.j2."""

from bot.forms import Step

STEPS = (
    Step("name", min_length=2, max_length=40),
    Step("color", kind="choice", options=("red", "blue")),
    Step("regions", kind="multichoice", options=("jp", "kr")),
    Step("email", kind="email"),
    Step("phone", kind="phone", optional=True),
    Step("consent", kind="consent"),
)
