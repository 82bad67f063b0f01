"""POST /api/classify: arXiv categories for a title and abstract (physlit.classify). Thin: validation here,
the model in the stage.

Like /api/ask it is csrf_exempt and accepts only `Content-Type: application/json`, which a cross-site form
cannot send without a CORS preflight this site never answers.
"""

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from physlit.classify.services import ClassifierUnavailable, categories_suggest
from physlit.text import TextRefused, text_clean
from physlit.web.api import error
from physlit.web.validation import BodyRefused, json_body

MAX_TITLE_CHARS = 1000
MAX_ABSTRACT_CHARS = 5000  # arXiv caps abstracts at 1,920 characters; room for TeX-heavy pastes
MAX_TOP = 20


@csrf_exempt
@require_POST
def classify(request):
    try:
        data = json_body(request, max_bytes=4 * (MAX_TITLE_CHARS + MAX_ABSTRACT_CHARS) + 1000)
    except BodyRefused as exc:
        return error(str(exc), status=exc.status)
    if not isinstance(data, dict):
        return error('expected a JSON object {"title": TEXT, "abstract": TEXT}')
    fields = {}
    for name, limit in (("title", MAX_TITLE_CHARS), ("abstract", MAX_ABSTRACT_CHARS)):
        value = data.get(name, "")
        if not isinstance(value, str):
            return error(f'"{name}" must be a string')
        if len(value) > limit:
            return error(f'"{name}" is longer than {limit} characters')
        try:
            fields[name] = text_clean(value, field=name).strip()
        except TextRefused as exc:
            return error(str(exc))
    if not any(fields.values()):
        return error('give a "title", an "abstract", or both')
    top = data.get("top", 5)
    if isinstance(top, bool) or not isinstance(top, int) or not 1 <= top <= MAX_TOP:
        return error(f'"top" must be an integer from 1 to {MAX_TOP}')
    try:
        categories = categories_suggest(fields["title"], fields["abstract"], top=top)
    except ClassifierUnavailable as exc:
        return error(str(exc), status=503)
    return JsonResponse({"categories": categories})
