"""A finding's excerpt quotes the paragraph that holds the match, never the paragraph next
to it (someone else's reply, a signature, a different subject)."""

from esafety.engine.messages.checker import excerpt


def test_the_excerpt_stays_inside_its_paragraph():
    text = ("Hi all,\n\nThe trip to the museum is on Friday.\n\n"
            "You are a stupid idiot and everyone hates you.\n\nRegards, Sam")
    i = text.index("stupid")
    quote = excerpt(text, i, i + len("stupid"))
    assert "stupid idiot and everyone hates you" in quote
    assert "museum" not in quote and "Regards" not in quote


def test_windows_line_endings_are_paragraphs_too():
    text = "Dear Miss,\r\n\r\nI hate myself and want to die.\r\n\r\nFrom Jo"
    i = text.index("want")
    quote = excerpt(text, i, i + 4)
    assert "want to die" in quote and "Dear" not in quote and "From Jo" not in quote


def test_a_long_paragraph_is_still_cut_to_the_width():
    text = "x" * 300 + " stupid " + "y" * 300
    i = text.index("stupid")
    quote = excerpt(text, i, i + 6, width=20)
    assert quote.startswith("…") and quote.endswith("…") and len(quote) < 60


def test_signs_that_added_up_are_quoted_once_each_not_guessed():
    from esafety.engine.messages.checker import check_text

    verdict = check_text("i feel so depressed and hopeless", sender_role="pupil")
    finding = next(f for f in verdict.as_dict()["findings"]
                   if f["rule"] == "content.self-harm")
    assert [e["excerpt"] for e in finding["evidence"]] == ["i feel so depressed and hopeless"]
