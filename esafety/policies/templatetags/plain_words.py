from django import template

from esafety.policies.plain import without_policy_codes

register = template.Library()

register.filter("without_policy_codes", without_policy_codes)
