"""``{% load user_agents %}{{ session.user_agent|device_name }}`` → "Chrome on Linux"."""

from django import template

from ecitizen.core.user_agents import parse_user_agent

register = template.Library()


@register.filter
def device_name(user_agent):
    return str(parse_user_agent(user_agent))
