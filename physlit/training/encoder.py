"""Encoder training (layer: training). Input: the corpus in the database and the current encoder version.
Output: a trained encoder or query-encoder artifact and its metrics (switch-over: physlit.search.promote).

`encoder_train` is the trainer for kind "encoder" (`manage.py train encoder`): contrastive
fine-tuning of the base encoder on (title or abstract sentence -> paper) pairs with in-batch negatives
(physlit.ml.encoder_training), scored with the serving version on the same held-out papers.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings

from physlit.corpus.models import Paper
from physlit.registry.models import ModelVersion
from physlit.registry.services import RegistryError
from physlit.search.encoding import encoder_base_model
from physlit.training.result import TrainResult

SAVE_MARGIN_SECONDS = 10.0  # writing the artifact after training


def _corpus_pairs() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(title, abstract) of the training papers and of the held-out ones (physlit.ml.encoder_training)."""
    from physlit.ml.encoder_training import held_out

    train: list[tuple[str, str]] = []
    validation: list[tuple[str, str]] = []
    rows = Paper.objects.order_by("pk").values_list("arxiv_id", "title", "abstract").iterator(chunk_size=5000)
    for arxiv_id, title, abstract in rows:
        (validation if held_out(arxiv_id) else train).append((title, abstract))
    return train, validation


def encoder_train(
    *, max_minutes: float, current: ModelVersion | None, log: Callable[[str], None] = print
) -> TrainResult:
    """Fine-tune the base encoder for at most `max_minutes` (scoring included) and at most
    PHYSLIT_ENCODER_TRAIN_PAIRS pairs, and save it as an artifact.

    score = MRR@10 of title -> abstract among the held-out papers; baseline_score = the same for the
    current version (or the base encoder when none is current). That score falls a little while retrieval
    of real questions improves (docs/benchmarks.md), so compare versions on questions before promoting
    (`evaluate --questions FILE`).
    """
    from physlit.ml import encoder_training as et
    from physlit.ml.training import artifact_write, deadline_after, device_pick, seed_everything

    deadline = deadline_after(max_minutes)
    started = time.monotonic()
    train, validation = _corpus_pairs()
    if len(train) < 2 or not validation:
        raise RegistryError(
            f"not enough papers to train the encoder ({len(train)} for training, {len(validation)} held out)"
        )
    device = device_pick()
    seed_everything(0)
    config = et.ContrastiveConfig(
        batch_size=settings.PHYSLIT_ENCODER_TRAIN_BATCH, word_gap=settings.PHYSLIT_ENCODER_WORD_GAP
    )
    val_pairs = et.paper_pairs(validation, sentence_queries=0.0)[: settings.PHYSLIT_ENCODER_VALIDATION_PAIRS]
    base = Path(encoder_base_model())
    log(f"encoder: {len(train):,} training papers, {len(val_pairs)} held-out pairs, on {device}, base {base}")

    # Score what serves now first: its time tells how much of the budget the final scoring needs.
    metrics: dict = {"validation_pairs": len(val_pairs)}
    scored = time.monotonic()
    model, tokenizer = et.model_load(base, device)
    metrics["base"] = et.retrieval_metrics(model, tokenizer, val_pairs, device=device)
    if current is not None and Path(current.path).is_dir():
        cur_model, cur_tok = et.model_load(Path(current.path), device)
        metrics["current"] = et.retrieval_metrics(cur_model, cur_tok, val_pairs, device=device)
        del cur_model
    scoring_seconds = (time.monotonic() - scored) / (2 if "current" in metrics else 1)
    log(f"encoder: base scores {metrics['base']}" + (f", current {metrics['current']}" if current else ""))

    pairs = et.paper_pairs(
        train, sentence_queries=config.sentence_queries, word_gap=config.word_gap, seed=config.seed
    )
    train_deadline = None if deadline is None else deadline - scoring_seconds - SAVE_MARGIN_SECONDS
    cap = settings.PHYSLIT_ENCODER_TRAIN_PAIRS
    stats = et.contrastive_train(
        model,
        tokenizer,
        pairs,
        device=device,
        config=config,
        stop_after=max(1, cap // config.batch_size) if cap > 0 else None,
        deadline=train_deadline,
        log=log,
        label="encoder",
    )
    metrics["new"] = et.retrieval_metrics(model, tokenizer, val_pairs, device=device)
    metrics["train"] = {"steps": stats.steps, "final_loss": stats.final_loss, "config": stats.config}
    baseline = metrics.get("current", metrics["base"])
    path = artifact_write(
        settings.PHYSLIT_MODELS_DIR,
        "encoder",
        lambda folder: et.model_save(
            model,
            tokenizer,
            base,
            folder,
            metadata={"base": str(base), "metrics": metrics, "pairs": stats.examples},
        ),
    )
    log(
        f"encoder: MRR@10 {metrics['new']['MRR@10']:.4f} (was {baseline['MRR@10']:.4f}) after {stats.steps} "
        f"steps, {stats.examples} pairs in {time.monotonic() - started:.0f} s; saved to {path}"
    )
    return TrainResult(
        path=path,
        base=str(base),
        score=metrics["new"]["MRR@10"],
        baseline_score=baseline["MRR@10"],
        metrics=metrics,
        train_examples=stats.examples,
        train_seconds=stats.seconds,
        device=str(device),
    )


def query_encoder_train(
    *, max_minutes: float, current: ModelVersion | None, log: Callable[[str], None] = print
) -> TrainResult:
    """Distil the encoder that built the current index into a shallower query encoder (registry kind
    "query-encoder", `manage.py train query-encoder`): a copy keeping PHYSLIT_QUERY_ENCODER_LAYERS of its
    layers, trained so that its embedding of a title or an abstract sentence matches the full encoder's.
    Papers stay embedded by the full encoder; only queries go through the student, which costs a fraction
    of the full model per request.

    Training texts are titles, abstract sentences and titles or sentences framed as questions
    (encoder_training.query_texts). score = MRR@10 of held-out titles framed as questions (embedded by the
    student) -> their abstracts (by the full encoder); baseline_score = the full encoder's own MRR@10 on
    the same pairs; metrics also keep the plain titles' scores. A query encoder retrieves somewhat worse
    than its teacher, so it is never made current by training: `models promote ID` opts in.
    """
    from physlit.ml import encoder_training as et
    from physlit.ml.encoder import model_spec
    from physlit.ml.training import artifact_write, deadline_after, device_pick, seed_everything
    from physlit.search.build import index_current
    from physlit.search.encoding import PACKAGED, encoder_load

    deadline = deadline_after(max_minutes)
    started = time.monotonic()
    row = index_current()
    if row is None:
        raise RegistryError("no search index yet: run build_index first (the query encoder learns from it)")
    train, validation = _corpus_pairs()
    if len(train) < 2 or not validation:
        raise RegistryError(f"not enough papers ({len(train)} for training, {len(validation)} held out)")
    device = device_pick()
    seed_everything(0)
    config = et.DistillConfig(layers=settings.PHYSLIT_QUERY_ENCODER_LAYERS)
    teacher_root = model_spec(None if row.encoder in ("", PACKAGED) else row.encoder).root
    teacher = encoder_load(row.encoder)  # the batch backend: fast, cosine ~0.9999 to fp32
    if teacher.fingerprint != row.encoder_fingerprint:
        raise RegistryError(f"{row.encoder} changed since index {row.pk} was built; rebuild the index first")
    val_pairs = [
        (" ".join(t.split()), " ".join(a.split())) for t, a in validation if t.strip() and a.strip()
    ][: settings.PHYSLIT_QUERY_ENCODER_VALIDATION_PAIRS]
    framing = random.Random(config.seed + 1)
    val_questions = [(et.question_framed(t, framing), a) for t, a in val_pairs]
    papers = settings.PHYSLIT_QUERY_ENCODER_TEXTS // 3  # three texts a paper, drawn from the whole corpus
    if len(train) > papers:
        train = random.Random(config.seed).sample(train, papers)
    texts = et.query_texts(train, seed=config.seed)
    log(
        f"query-encoder: {len(texts):,} training texts, {len(val_pairs)} held-out pairs, {config.layers} "
        f"layers of {teacher_root} (index {row.pk}), on {device}"
    )
    docs = teacher.encode([d for _, d in val_pairs], progress=True)
    teacher_queries = teacher.encode([q for q, _ in val_pairs])
    teacher_questions = teacher.encode([q for q, _ in val_questions])
    metrics: dict = {
        "teacher": row.encoder,
        "teacher_fingerprint": row.encoder_fingerprint,
        "teacher_scores": et.rank_metrics(teacher_queries, docs),
        "validation_pairs": len(val_pairs),
        "questions": {"teacher": et.rank_metrics(teacher_questions, docs)},
    }
    baseline = metrics["questions"]["teacher"]["MRR@10"]
    targets = teacher.encode(texts, progress=True)
    model, tokenizer = et.model_load(teacher_root, device)
    student, kept = et.student_from(model, config.layers)
    del model

    def question_metrics() -> dict:
        return et.query_metrics(student, tokenizer, val_questions, docs, teacher_questions, device=device)

    scoring = time.monotonic()
    metrics["untrained"] = et.query_metrics(
        student, tokenizer, val_pairs, docs, teacher_queries, device=device
    )
    metrics["questions"]["untrained"] = question_metrics()
    scoring_seconds = time.monotonic() - scoring
    log(
        f"query-encoder: teacher {metrics['teacher_scores']}, untrained student {metrics['untrained']}; "
        f"questions: teacher {metrics['questions']['teacher']}, untrained {metrics['questions']['untrained']}"
    )
    train_deadline = None if deadline is None else deadline - scoring_seconds - 2 * SAVE_MARGIN_SECONDS
    stats = et.distill_train(
        student, tokenizer, texts, targets, device=device, config=config, deadline=train_deadline, log=log
    )
    metrics["new"] = et.query_metrics(student, tokenizer, val_pairs, docs, teacher_queries, device=device)
    metrics["questions"]["new"] = question_metrics()
    metrics["train"] = {"steps": stats.steps, "final_loss": stats.final_loss, "config": stats.config}
    metrics["layers_kept"] = kept
    path = artifact_write(
        settings.PHYSLIT_MODELS_DIR,
        "query-encoder",
        lambda folder: et.model_save(
            student,
            tokenizer,
            teacher_root,
            folder,
            metadata={"teacher": row.encoder, "metrics": metrics, "texts": stats.examples},
        ),
    )
    encoder_load(str(path), settings.PHYSLIT_QUERY_ENCODER_BACKEND or None)  # its ONNX export, made now
    new = metrics["questions"]["new"]
    log(
        f"query-encoder: questions MRR@10 {new['MRR@10']:.4f} (teacher {baseline:.4f}), cosine to teacher "
        f"{new['cosine_to_teacher']:.4f}; titles MRR@10 {metrics['new']['MRR@10']:.4f} (teacher "
        f"{metrics['teacher_scores']['MRR@10']:.4f}), cosine {metrics['new']['cosine_to_teacher']:.4f}; "
        f"after {stats.steps} steps, {stats.examples} texts in {time.monotonic() - started:.0f} s; "
        f"saved to {path}"
    )
    return TrainResult(
        path=path,
        base=row.encoder,
        score=new["MRR@10"],
        baseline_score=baseline,
        metrics=metrics,
        train_examples=stats.examples,
        train_seconds=stats.seconds,
        device=str(device),
    )
