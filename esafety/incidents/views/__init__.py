"""Thin views: check access, validate with a form, call the action, render.

Every incident is fetched through esafety.incidents.access, so "missing" and "not yours"
are the same 404; pages read through selectors and change things only through actions,
and every view of an incident is recorded in the audit trail (by an action). One module
per page: the log (log.py), reporting (report.py), the case page (case.py) and what is
done on it (investigation.py, people.py, evidence.py), and the governors' report.
"""
