"""Conversations in the chat: one row per conversation and one per question asked in it (with the answer)."""

import secrets

from django.db import models


def conversation_key_new() -> str:
    return secrets.token_urlsafe(16)


class Conversation(models.Model):
    # The id in URLs and the API: unguessable (128 random bits); the integer pk stays internal.
    key = models.CharField(max_length=32, unique=True, default=conversation_key_new, editable=False)
    # Who may read and continue it: a hash of the browser session's or API client's token (physlit.web.chat).
    owner = models.CharField(max_length=64, db_index=True, blank=True)
    title = models.CharField(max_length=200, blank=True, help_text="the first question, shortened")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        indexes = [models.Index(fields=["updated_at"], name="qa_conversation_updated")]

    def __str__(self) -> str:
        return f"conversation {self.pk}: {self.title}"


class Turn(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="turns")
    question = models.TextField()
    # What retrieval searched for: the question, or the question with the previous one for a follow-up.
    search_query = models.TextField(blank=True)
    answer = models.TextField(blank=True)
    short_answer = models.CharField(max_length=300, blank=True, help_text="the extracted span, if any")
    abstained = models.BooleanField(default=False)
    # [{"arxiv_id", "title", "quote", "quotes", "short_answer", "score"}, ...]: one per paper, in the order
    # the answer numbers them. Turns stored before papers were grouped have no "quotes": one row per quote.
    citations = models.JSONField(default=list, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    reader = models.CharField(max_length=64, blank=True, help_text='e.g. "reader v3", or "lexical"')
    seconds = models.FloatField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"turn {self.pk} of conversation {self.conversation_id}"
