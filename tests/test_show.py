import pytest

from helpers.lessons.toyloop import Sleep, ToyLoop
from helpers.measure.show import show_source


def test_a_class_shows_its_whole_source_as_plain_text():
    shown = show_source(Sleep)
    text = repr(shown)
    assert text.splitlines()[0] == "# helpers.lessons.toyloop.Sleep"
    assert text.splitlines()[1] == "@dataclass(frozen=True)"
    assert "    def __await__(self) -> Generator[Sleep, None, None]:" in text
    assert not text.endswith("\n")


def test_a_method_is_dedented_and_named_by_its_qualified_name():
    text = repr(show_source(ToyLoop.run))
    lines = text.splitlines()
    assert lines[0] == "# helpers.lessons.toyloop.ToyLoop.run"
    assert lines[1].startswith("def run(self)")


def test_the_html_is_highlighted_inline_and_large_enough_for_a_projector():
    page = show_source(ToyLoop.run)._repr_html_()
    assert "<code>helpers.lessons.toyloop.ToyLoop.run</code>" in page
    assert "font-size: 14pt" in page
    assert 'style="color:' in page  # inline colours: no stylesheet needed to see them
    assert "class=" not in page.split("<pre", 1)[1].split(">", 1)[0]  # no CSS class to resolve


def test_html_special_characters_are_escaped():
    def compare(a: int, b: int) -> bool:
        return a < b and "<b>" != "&"

    page = show_source(compare)._repr_html_()
    assert "<b>" not in page
    assert "&lt;" in page and "&amp;" in page


def test_an_object_without_python_source_is_a_clear_error():
    with pytest.raises(TypeError, match="no Python source to show for <built-in function len>"):
        show_source(len)
    with pytest.raises(TypeError, match="no Python source"):
        show_source(42)
