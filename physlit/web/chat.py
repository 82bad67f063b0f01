"""The chat page (/chat, /chat/<id>), its conversation list (/chat/list, which the page's script reloads after
asking) and POST /api/ask. Thin: physlit.qa.services answers.

/api/ask is csrf_exempt: it accepts only `Content-Type: application/json`, which a cross-site form cannot
send (a script on another origin would need a CORS preflight this site never grants), and asking is
rate-limited per client. The page's own form keeps Django's CSRF check.

Conversations are private: each belongs to the client that started it, a browser session or, for scripts,
the token sent in the `X-Physlit-Client` header (any secret of 16-128 URL-safe characters). Only a hash of
the token is stored. Another client's conversation answers 404, as an unknown one does.
"""

import hashlib
import re
import secrets

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from physlit.qa.services import (
    ConversationNotFound,
    QuestionError,
    conversation_find,
    conversations_of,
    question_answer,
)
from physlit.search.service import SearchUnavailable
from physlit.text import TextRefused, text_clean
from physlit.web.api import error
from physlit.web.validation import BodyRefused, json_body

RECENT_CONVERSATIONS = 30


CLIENT_HEADER = "HTTP_X_PHYSLIT_CLIENT"
CLIENT_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,128}")
SESSION_CLIENT = "physlit_client"


class ClientTokenError(ValueError):
    pass


def client_address(request) -> str:
    """The client's IP: REMOTE_ADDR, or with PHYSLIT_TRUSTED_PROXIES = N the address N hops from the right of
    X-Forwarded-For (each trusted proxy appends the address it saw; entries further left are the client's
    own claims and could be anything)."""
    proxies = settings.PHYSLIT_TRUSTED_PROXIES
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    if proxies > 0 and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _owner(token: str) -> str:
    return hashlib.sha256(f"physlit-client:{token}".encode()).hexdigest()


def client_owner(request, *, create: bool) -> str:
    """The owner key of this request's conversations: from the X-Physlit-Client header if sent, else from
    the browser session (a session token is made when `create`); "" for a client without either."""
    header = request.META.get(CLIENT_HEADER)
    if header is not None:
        if not CLIENT_TOKEN.fullmatch(header):
            raise ClientTokenError("X-Physlit-Client must be 16 to 128 characters of A-Z, a-z, 0-9, _ and -")
        return _owner(header)
    token = request.session.get(SESSION_CLIENT)
    if token is None and create:
        token = request.session[SESSION_CLIENT] = secrets.token_urlsafe(24)
    return _owner(token) if token else ""


def ask_allowed(request) -> bool:
    """Count this request against the client's questions in the current window; False when over."""
    limit = settings.PHYSLIT_ASK_RATE
    if limit <= 0:
        return True
    key = f"physlit:ask:{client_address(request)}"
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
        "conversation": answer.conversation_key,
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
    if conversation is not None and not isinstance(conversation, str):
        return error('"conversation" must be a conversation id (a string) or null')
    try:
        question = text_clean(question, field="question")
        owner = client_owner(request, create=True)
    except (TextRefused, ClientTokenError) as exc:
        return error(str(exc))
    if not ask_allowed(request):
        return error(_rate_message(), status=429)
    try:
        pk = conversation_find(conversation, owner).pk if conversation is not None else None
        answer = question_answer(question=question, conversation_id=pk, owner=owner)
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
        "conversations": conversations_of(client_owner(request, create=False), RECENT_CONVERSATIONS),
        "message": message,
        "question": question,
        "max_chars": settings.PHYSLIT_QA_MAX_CHARS,
    }
    return render(request, "web/chat.html", context, status=status)


@require_GET
def chat_list(request):
    """The browser's conversations, newest first with their dates: the fragment the chat page shows beside
    the questions."""
    try:
        owner = client_owner(request, create=False)
    except ClientTokenError as exc:
        raise Http404("no such conversation") from exc
    context = {"conversations": conversations_of(owner, RECENT_CONVERSATIONS), "conversation": None}
    return render(request, "web/_chat_list.html", context)


@require_http_methods(["GET", "POST"])
def chat(request, conversation_key: str | None = None):
    try:
        owner = client_owner(request, create=request.method == "POST")
        conversation = conversation_find(conversation_key, owner) if conversation_key else None
    except (ClientTokenError, ConversationNotFound) as exc:
        raise Http404("no such conversation") from exc
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
        answer = question_answer(
            question=question, conversation_id=conversation.pk if conversation else None, owner=owner
        )
    except QuestionError as exc:
        return _page(
            request, conversation, message=f"Please check the question: {exc}.", question=question, status=400
        )
    except SearchUnavailable as exc:
        return _page(
            request, conversation, message=f"Answers are not ready yet: {exc}.", question=question, status=503
        )
    return redirect(f"/chat/{answer.conversation_key}#turn-{answer.turn_id}")
