"""The fill-in form of an incident template, with a live preview and a Copy button."""

from __future__ import annotations

from typing import Any

from drillbook.components import Options, RenderContext, component
from drillbook.errors import OptionError
from drillbook.incident_templates import shipped_templates


class TemplateForm(Options):
    name: str
    title: str = ""  # defaults to the template's label


def _prepare(options: TemplateForm, context: RenderContext) -> dict[str, Any]:
    templates = shipped_templates()
    if options.name not in templates:
        raise OptionError(f"name: unknown template '{options.name}' (known: {', '.join(templates)})", ["name"])
    template = templates[options.name]
    data = {
        "name": template.name,
        "fields": [field.model_dump() for field in template.fields],
        "program": list(template.program),
    }
    example_text = template.render({field.name: field.example for field in template.fields})
    return {"template": template, "title": options.title or template.label, "data": data, "example_text": example_text}


component("template", "incident_template.html", prepare=_prepare)(TemplateForm)
