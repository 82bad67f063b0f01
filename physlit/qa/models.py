"""Conversations in the chat: one row per conversation and one per question asked in it (with the answer)."""

from django.db import models


class Conversation(models.Model):
    title = models.CharField(max_length=200, blank=True, help_text="the first question, shortened")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-pk"]

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
    # [{"arxiv_id", "title", "quote", "score"}, ...] in the order the answer numbers them.
    citations = models.JSONField(default=list, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    reader = models.CharField(max_length=64, blank=True, help_text='e.g. "reader v3", or "lexical"')
    seconds = models.FloatField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"turn {self.pk} of conversation {self.conversation_id}"
