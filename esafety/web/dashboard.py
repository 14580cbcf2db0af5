"""What each person sees first: the things that need them, by role."""


def dashboard_for(person) -> dict:
    return {"person": person}
