"""PDFs a governor or a parent can read: WeasyPrint, no external assets, system fonts."""

from django.template.loader import render_to_string
from django.utils import timezone

from esafety.incidents import access, rules
from esafety.incidents.report import GovernorsReport, bar_chart_svg


def _pdf(html: str) -> bytes:
    from weasyprint import HTML

    # base_url=None and no <link>/<img> to fetch: nothing leaves the machine.
    return HTML(string=html, base_url=None).write_pdf()


def report_context(report: GovernorsReport) -> dict:
    return {"report": report,
            "charts": [(title, rows, bar_chart_svg(rows)) for title, rows in report.sections()],
            "generated": timezone.localtime()}


def report_pdf(report: GovernorsReport) -> bytes:
    return _pdf(render_to_string("incidents/pdf/report.html", report_context(report)))


def record_pdf(incident, *, printed_by) -> bytes:
    """002: 'The completed form should be retained by the group for evidence and reference'."""
    events = list(incident.events.order_by("seq"))
    return _pdf(render_to_string("incidents/pdf/record.html", {
        "incident": incident, "printed": timezone.localtime(), "printed_by": printed_by,
        "parts": incident.involvements.current().select_related("person"),
        "investigators": incident.investigators.select_related("person"),
        "evidence": incident.evidence.select_related("added_by").prefetch_related(
            "signoffs__person"),
        "ratings": incident.ratings.select_related("person", "rated_by", "withdrawn_by"),
        "sanctions": incident.sanctions.select_related("person"),
        "takedowns": incident.takedowns.all(),
        "events": events, "head": events[-1].hash if events else "",
    }))


def letter_values(sanction, parent) -> dict:
    pupil = sanction.person
    incident = sanction.incident
    conf = access.settings_for(incident.school)
    designated = conf.designated_person
    when = incident.occurred_at or incident.reported_at
    extra = ""
    if sanction.kind == rules.INTERNET_SUSPENSION and sanction.starts_at and sanction.ends_at:
        extra = (f" from {timezone.localtime(sanction.starts_at):%d %B %Y %H:%M}"
                 f" to {timezone.localtime(sanction.ends_at):%d %B %Y %H:%M}")
    return {
        "parent_name": parent.display_name if parent else f"Parent or carer of {pupil.display_name}",
        "pupil_name": pupil.display_name, "pupil_first_name": pupil.first_name or pupil.display_name,
        "pupil_year": pupil.year_label or "pupil", "reference": incident.reference,
        "incident_date": f"{timezone.localtime(when):%d %B %Y}",
        "summary": incident.summary.rstrip(".") + ".",
        "sanction": sanction.kind_label.lower() + extra,
        "sanction_reasons": sanction.reasons,
        "designated_person": designated.display_name if designated else "the school office",
        "signed_by": sanction.decided_by.display_name, "school_name": incident.school.name,
        "date": f"{timezone.localdate():%d %B %Y}",
    }


def letter_pdf(sanction) -> bytes:
    """One page per parent or carer, from the school's own template (002, 004 §3.3)."""
    from esafety.errors import InvalidInput
    from esafety.incidents.actions.settings import check_letter_template

    conf = access.settings_for(sanction.incident.school)
    try:
        # Saved templates are checked; one saved before the check (or changed in the
        # database) is refused here with words, never a server error.
        check_letter_template(conf.letter_template)
    except InvalidInput as exc:
        raise InvalidInput(f"The school's letter template cannot be used ({exc}). The "
                           "headteacher or DSL can correct it in incident settings.",
                           code="bad-template") from None
    parents = list(sanction.person.parents.all()) or [None]
    letters = [conf.letter_template.format_map(letter_values(sanction, parent))
               for parent in parents]
    return _pdf(render_to_string("incidents/pdf/letter.html", {
        "letters": letters, "school": sanction.incident.school,
        "date": timezone.localdate()}))
