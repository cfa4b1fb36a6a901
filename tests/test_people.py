from bridge.people import key, same


def test_spacing_and_case_do_not_make_another_person() -> None:
    assert same("Priya", " priya ") and same("Marcus  Lee", "marcus lee") and same("ÅSA", "åsa")
    assert key("Marcus  Lee") == key(" MARCUS LEE") == "marcus lee"


def test_different_or_unknown_people_are_not_the_same() -> None:
    assert not same("Priya", "Marcus") and not same("Marcus Lee", "Marcus")
    assert not same(None, None) and not same("Priya", None)
