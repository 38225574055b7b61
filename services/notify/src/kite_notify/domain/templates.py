"""Notice templates: checked when saved, rendered with a strict mapping. Pure.

A template is plain text with `{placeholder}` fields (`{{` and `}}` are literal braces). Nothing else
is allowed: no attribute or index access, no conversion, no format spec — a template can only put a
declared, known value where it stands, never run code or reach into an object.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kite_common.domain import RuleViolation

from kite_notify.domain.kinds import KINDS

_FORMATTER = string.Formatter()
_PLACEHOLDER_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz_0123456789")


class TemplateRejected(RuleViolation):
    code = "template-invalid"


@dataclass(frozen=True)
class TemplateText:
    title: str
    body: str


def fields_of(text: str, where: str) -> list[str]:
    """The placeholders `text` uses, in order; refuses anything but plain `{name}` fields."""
    try:
        parsed = list(_FORMATTER.parse(text))
    except ValueError as exc:
        raise TemplateRejected(f"{where}的花括号不成对（字面花括号请写作 {{{{ 和 }}}}）", field=where) from exc
    out = []
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name or not set(name) <= _PLACEHOLDER_CHARS or spec or conversion:
            raise TemplateRejected(f"{where}中的占位符 {{{name}}} 写法无效：只能是 {{名称}}", field=where)
        out.append(name)
    return out


def check_template(kind: str, declared: Iterable[str], text: TemplateText) -> None:
    """Refuses a placeholder the template does not declare, or one its kind cannot fill."""
    spec = KINDS.get(kind)
    if spec is None:
        raise TemplateRejected(f"没有 {kind} 这种消息类型", field="kind")
    declared_set = set(declared)
    unknown = sorted(declared_set - set(spec.placeholders))
    if unknown:
        allowed = "、".join(spec.placeholders)
        raise TemplateRejected(
            f"“{spec.label}”消息没有占位符：{'、'.join(unknown)}（可用：{allowed}）", field="placeholders"
        )
    for where, value in (("title", text.title), ("body", text.body)):
        undeclared = sorted(set(fields_of(value, where)) - declared_set)
        if undeclared:
            raise TemplateRejected(f"模板使用了未声明的占位符：{'、'.join(undeclared)}", field=where)


def render_text(text: str, values: Mapping[str, str]) -> str:
    """`text` with each placeholder replaced by its value. A value missing here is a bug upstream
    (the kind declares what notify supplies), so it raises rather than send a gap."""
    out: list[str] = []
    for literal, name, _spec, _conversion in _FORMATTER.parse(text):
        out.append(literal)
        if name is not None:
            value = values[name]
            if not value:
                raise KeyError(name)
            out.append(value)
    return "".join(out)


def render(template: TemplateText, values: Mapping[str, str]) -> TemplateText:
    return TemplateText(render_text(template.title, values), render_text(template.body, values))


def escape(value: str) -> str:
    """`value` as literal template text: its braces doubled."""
    return value.replace("{", "{{").replace("}", "}}")


def render_some(text: str, values: Mapping[str, str]) -> str:
    """`text` with the placeholders named in `values` filled and every other one kept as it stands:
    a template for a later render (a broadcast's text, whose `{name}` each member fills). Literal
    braces stay escaped and the values are escaped, so a brace in a value is never a placeholder."""
    out: list[str] = []
    for literal, name, _spec, _conversion in _FORMATTER.parse(text):
        out.append(escape(literal))
        if name is None:
            continue
        if name not in values:
            out.append(f"{{{name}}}")
        elif not values[name]:
            raise KeyError(name)
        else:
            out.append(escape(values[name]))
    return "".join(out)
