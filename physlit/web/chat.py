"""The chat page (/chat, /chat/<id>) and POST /api/ask. Thin: physlit.qa.services answers.

/api/ask is csrf_exempt: it accepts only `Content-Type: application/json`, which a cross-site form cannot
send (a script on another origin would need a CORS preflight this site never grants), it acts on no
session or account, and asking is rate-limited per client. The page's own form keeps Django's CSRF check.
"""

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from physlit.qa.models import Conversation
from physlit.qa.services import ConversationNotFound, QuestionError, question_answer
from physlit.search.service import SearchUnavailable
from physlit.text import TextRefused, text_clean
from physlit.web.api import error
from physlit.web.validation import BodyRefused, json_body

RECENT_CONVERSATIONS = 30


def _client(request) -> str:
    # Behind a proxy, gunicorn's forwarded-allow-ips makes REMOTE_ADDR the client; trust nothing else.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def ask_allowed(request) -> bool:
    """Count this request against the client's questions in the current window; False when over."""
    limit = settings.PHYSLIT_ASK_RATE
    if limit <= 0:
        return True
    key = f"physlit:ask:{_client(request)}"
    if cache.add(key, 1, timeout=settings.PHYSLIT_ASK_RATE_WINDOW):
        return True
    try:
        return cache.incr(key) <= limit
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=settings.PHYSLIT_ASK_RATE_WINDOW)
        return True


def _rate_message() -> str:
    return (
        f"too many questions: at most {settings.PHYSLIT_ASK_RATE} every "
        f"{settings.PHYSLIT_ASK_RATE_WINDOW} seconds; please wait a moment"
    )


def answer_json(answer) -> dict:
    return {
        "answer": answer.answer,
        "abstained": answer.abstained,
        "citations": [c.as_dict() for c in answer.citations],
        "conversation": answer.conversation_id,
        "short_answer": answer.short_answer,
    }


@csrf_exempt
@require_POST
def ask(request):
    try:
        data = json_body(request, max_bytes=4 * settings.PHYSLIT_QA_MAX_CHARS + 1000)
    except BodyRefused as exc:
        return error(str(exc), status=exc.status)
    if not isinstance(data, dict):
        return error('expected a JSON object {"question": TEXT, "conversation": ID or null}')
    question, conversation = data.get("question"), data.get("conversation")
    if not isinstance(question, str):
        return error('"question" must be a string')
    if conversation is not None and (
        isinstance(conversation, bool) or not isinstance(conversation, int) or not 0 < conversation < 2**63
    ):  # ids are positive 64-bit integers; a larger one overflows the database's column
        return error('"conversation" must be an integer id or null')
    try:
        question = text_clean(question, field="question")
    except TextRefused as exc:
        return error(str(exc))
    if not ask_allowed(request):
        return error(_rate_message(), status=429)
    try:
        answer = question_answer(question=question, conversation_id=conversation)
    except QuestionError as exc:
        return error(str(exc))
    except ConversationNotFound as exc:
        return error(str(exc), status=404)
    except SearchUnavailable as exc:
        return error(str(exc), status=503)
    return JsonResponse(answer_json(answer))


def _page(request, conversation=None, *, message: str = "", question: str = "", status: int = 200):
    context = {
        "conversation": conversation,
        "turns": list(conversation.turns.all()) if conversation else [],
        "conversations": Conversation.objects.all()[:RECENT_CONVERSATIONS],
        "message": message,
        "question": question,
        "max_chars": settings.PHYSLIT_QA_MAX_CHARS,
    }
    return render(request, "web/chat.html", context, status=status)


@require_http_methods(["GET", "POST"])
def chat(request, conversation_id: int | None = None):
    conversation = get_object_or_404(Conversation, pk=conversation_id) if conversation_id else None
    if request.method == "GET":
        return _page(request, conversation)
    question = request.POST.get("question", "")
    try:
        question = text_clean(question, field="question")
    except TextRefused as exc:
        return _page(request, conversation, message=f"Please check the question: {exc}.", status=400)
    if not ask_allowed(request):
        return _page(request, conversation, message=_rate_message(), question=question, status=429)
    try:
        answer = question_answer(question=question, conversation_id=conversation.pk if conversation else None)
    except QuestionError as exc:
        return _page(
            request, conversation, message=f"Please check the question: {exc}.", question=question, status=400
        )
    except SearchUnavailable as exc:
        return _page(
            request, conversation, message=f"Answers are not ready yet: {exc}.", question=question, status=503
        )
    return redirect(f"/chat/{answer.conversation_id}#turn-{answer.turn_id}")
