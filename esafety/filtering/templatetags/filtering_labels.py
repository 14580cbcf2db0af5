"""Plain-English names for filtering's internal ones, in every template.

``{{ attempt.category|category_label:labels }}`` shows "Drugs" for ``drogue`` (the school's
own label when `labels`, its {name: label}, has one); ``{{ attempt.rule|rule_label }}``
shows "The group's rules" for ``group-policy``.
"""

from django import template

from esafety.filtering import rules

register = template.Library()


@register.filter
def category_label(name, labels=None):
    return rules.category_label(name, labels if isinstance(labels, dict) else None)


@register.filter
def rule_label(rule):
    return rules.rule_label(rule)
