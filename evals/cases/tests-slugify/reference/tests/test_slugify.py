from app.text import slugify


def test_slug_is_lower_case_ascii_words_joined_by_dashes() -> None:
    assert slugify("Héllo, World!") == "hello-world"
    assert slugify("  Python 3.12 -- What's New  ") == "python-3-12-what-s-new"


def test_slug_is_cut_without_a_trailing_dash() -> None:
    assert slugify("alpha beta gamma", max_len=11) == "alpha-beta"
