"""`train summarizer`: fit the clause scorer on the corpus; the signal is each paper's title plus the rest
of its abstract. PHYSLIT_SUMMARIZER_MODEL picks the model (physlit.ml.summarizer): "finetuned", the encoder
fine-tuned end to end on whole abstracts, or "head", a salience MLP over frozen clause embeddings. Both
learn the same labels and are validated the same way, as they serve.

Why: every paper has a title, the author's own one-line summary, so clauses that say what the title says
belong in a summary; and content the abstract keeps returning to (shared with its other clauses) is its
core; where the authors mark a finding ("we show that ..."), that is what a one-line summary reports. A
clause's label is its ROUGE-1 + ROUGE-2 F against a 25-word pseudo-summary drawn in equal shares from the
title, the other clauses and the marked findings (physlit.ml.summarizer.summary_target), so it does not
grow with the clause's length. The head sees only the abstract (marks deleted), never the title.
Validation: papers whose crc32(arxiv_id) % 10 == 0 and whose abstract marks a finding, so that the
pseudo-summary has all three parts (where none is marked it lacks what the paper found and favours clauses
that restate the topic); the score is the mean summary_target of the composed summary against the title,
the clauses it left out and the findings (x100), for the new model, the current one (or the lead-sentence
fallback) alike.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

from django.conf import settings

from physlit.corpus.models import Paper
from physlit.registry.models import ModelVersion
from physlit.summaries.services import summarizer_encoder, summarizer_for, summarizer_scorer
from physlit.training.result import TrainResult

ENCODE_SHARE = 0.6  # of the budget, at most, spent encoding training clauses; the head trains in seconds


def _crc(text: str) -> int:
    return zlib.crc32(text.encode())


def corpus_split(
    *, validation: int, train: int, validate_on: Callable[[str], bool] = lambda abstract: True
) -> tuple[list[tuple], list[tuple]]:
    """(validation, train) lists of (arxiv_id, title, abstract): a deterministic split by a hash of the id,
    so every model is scored on the same papers; each side capped, in a fixed pseudo-random order. The
    validation side keeps the papers whose abstract passes `validate_on` (all of them if none does)."""
    rows = list(
        Paper.objects.exclude(abstract="").exclude(title="").values_list("arxiv_id", "title", "abstract")
    )
    val = sorted((r for r in rows if _crc(r[0]) % 10 == 0), key=lambda r: _crc("order:" + r[0]))
    tr = sorted((r for r in rows if _crc(r[0]) % 10 != 0), key=lambda r: _crc("order:" + r[0]))
    passing: list[tuple] = []
    for row in val:
        if len(passing) == validation:
            break
        if validate_on(row[2]):
            passing.append(row)
    return passing or val[:validation], tr[:train]


def validation_score(picks, titles: list[str]) -> float:
    """Mean summary_target (x100) of composed summaries against their titles, left-out units and findings:
    picks from Summarizer.picks, titles alike."""
    from physlit.ml.summarizer import compose_text, rouge_tokens, summary_target

    total = 0.0
    for (units, chosen), title in zip(picks, titles, strict=True):
        rest = [u.text for i, u in enumerate(units) if i not in set(chosen)]
        findings = [u.text for u in units if u.finding]
        total += summary_target(compose_text(units, chosen), rouge_tokens(title), rest, findings)
    return 100 * total / max(len(titles), 1)


def title_rouge(summaries: list[str], titles: list[str]) -> dict[str, float]:
    """Mean ROUGE-1/2/L F (x100, rouge-score with stemming) of summaries against titles."""
    from physlit.text.rouge import rouge_f

    return rouge_f(summaries, titles)


def summarizer_train(
    *, max_minutes: float, current: ModelVersion | None, log: Callable[[str], None]
) -> TrainResult:
    from physlit.ml.summarizer import (
        Summarizer,
        head_build,
        head_train,
        unit_features,
        unit_labels,
        units_split,
    )
    from physlit.ml.training import (
        TrainProgress,
        artifact_write,
        deadline_after,
        device_pick,
        seed_everything,
    )

    seed_everything(0)
    deadline = deadline_after(max_minutes)
    budget_end_encode = deadline_after(max_minutes * ENCODE_SHARE)
    level = settings.PHYSLIT_SUMMARIZER_LEVEL
    val, train = corpus_split(
        validation=settings.PHYSLIT_SUMMARIZER_VALIDATION_PAPERS,
        train=settings.PHYSLIT_SUMMARIZER_TRAIN_PAPERS,
        validate_on=lambda abstract: any(u.finding for u in units_split(abstract, level=level)),
    )
    if len(train) < 2 or not val:
        raise ValueError(f"too few papers to train a summarizer: {len(train)} train, {len(val)} validation")
    if settings.PHYSLIT_SUMMARIZER_MODEL not in ("finetuned", "head"):
        raise ValueError(
            f'PHYSLIT_SUMMARIZER_MODEL is "{settings.PHYSLIT_SUMMARIZER_MODEL}": "finetuned" or "head"'
        )
    if settings.PHYSLIT_SUMMARIZER_MODEL == "finetuned":
        return _finetuned_train(val, train, max_minutes=max_minutes, current=current, log=log)
    device = device_pick()
    encoder = summarizer_encoder()
    summarizer = Summarizer(encoder=encoder, level=level)
    log(f"summarizer: {len(val)} validation papers, up to {len(train)} training papers, encoder {encoder!r}")
    progress = TrainProgress(total_steps=None, deadline=deadline, log=log, label="summarizer")
    val_embedded = summarizer.embed_units([r[2] for r in val])

    features, labels, used = [], [], 0
    chunk = 256
    for start in range(0, len(train), chunk):
        if start and _past(budget_end_encode):
            break
        rows = train[start : start + chunk]
        for (_, title, _), (units, emb) in zip(
            rows, summarizer.embed_units([r[2] for r in rows]), strict=True
        ):
            used += 1
            if len(units) < 2:
                continue
            features.append(unit_features(units, emb))
            labels.append(unit_labels(units, title))
        log(f"[summarizer] encoded {used:,}/{len(train):,} training papers ({progress.seconds:.0f} s)")
    if len(features) < 2:
        raise ValueError("too few training abstracts with two or more clauses")

    trained = head_train(
        features,
        labels,
        device=device,
        should_stop=lambda: progress.out_of_time,
        on_step=lambda loss, examples: progress.update(loss=loss, examples=examples),
    )
    summarizer.head, summarizer.method = head_build(trained), "salience"

    new, baseline, baseline_name, metrics = _validate(
        summarizer, val, current, log, embedded=val_embedded, same_encoder=encoder
    )
    metrics.update(
        {
            "train_papers": used,
            "train_abstracts": len(features),
            "steps": trained.steps,
            "final_loss": trained.loss,
        }
    )
    log(f"[summarizer] validation score: new {new:.2f}, {baseline_name} {baseline:.2f}")
    encoder_info = {
        "model": settings.PHYSLIT_SUMMARIZER_ENCODER,
        "name": encoder.name,
        "backend": encoder.backend,
        "fingerprint": encoder.fingerprint,
    }
    path = artifact_write(
        settings.PHYSLIT_MODELS_DIR,
        "summarizer",
        lambda folder: summarizer.save(folder, trained, encoder_info=encoder_info, metrics=metrics),
    )
    return TrainResult(
        path=path,
        base=f"{encoder.name} ({encoder.backend}) + salience head",
        score=new,
        baseline_score=baseline,
        metrics=metrics,
        train_examples=len(features),
        train_seconds=progress.seconds,
        device=str(device),
    )


def _past(deadline: float | None) -> bool:
    import time

    return deadline is not None and time.monotonic() >= deadline


def _validate(summarizer, val, current, log, *, embedded=None, same_encoder=None):
    """(new score, baseline score, baseline name, metrics) of `summarizer` on the validation papers against
    the current version (or the lead-sentence fallback), both as they serve."""
    from physlit.ml.summarizer import SUMMARY_WORDS, compose_text, units_split

    titles, abstracts = [r[1] for r in val], [r[2] for r in val]
    new_picks = summarizer.picks(abstracts, embedded=embedded)
    new = validation_score(new_picks, titles)
    lead_picks = summarizer_for(None).picks(abstracts)
    lead = validation_score(lead_picks, titles)
    baseline, baseline_name = lead, "lead sentence (untrained fallback)"
    if current is not None:
        try:
            old = summarizer_for(current)
            same = same_encoder is not None and old.encoder is same_encoder and old.level == summarizer.level
            old_picks = old.picks(abstracts, embedded=embedded if same else None)
            baseline, baseline_name = validation_score(old_picks, titles), current.label
        except (OSError, ValueError) as exc:  # an unreadable current artifact: compare with the fallback
            log(f"current {current.label} cannot be loaded ({exc}); comparing with the lead sentence")
    metrics = {
        "validation": {
            "papers": len(val),
            "metric": "mean summary_target x100 (ROUGE-1+2 F vs a pseudo-summary: title, rest, findings)",
            "papers_with_findings": sum(any(u.finding for u in units_split(r[2])) for r in val),
        },
        "lead_score": lead,
        "rouge_vs_title": title_rouge([compose_text(u, c) for u, c in new_picks], titles),
        "lead_rouge_vs_title": title_rouge([compose_text(u, c) for u, c in lead_picks], titles),
        "summary_words": SUMMARY_WORDS,
        "baseline": baseline_name,
        "level": summarizer.level,
    }
    return new, baseline, baseline_name, metrics


# Of the budget: building the training labels (pure Python) at most, and the fine-tuning's end; the rest
# exports the model to ONNX and scores it on the validation papers as it will serve.
LABEL_SHARE, FINETUNE_SHARE = 0.1, 0.8


def _finetuned_train(val, train, *, max_minutes: float, current, log) -> TrainResult:
    """Fine-tune the clause scorer (physlit.ml.summarizer.clause_scorer_fit) from PHYSLIT_SUMMARIZER_BASE
    (empty: the packaged MiniLM) on the training papers' clauses and their summary_target labels, then
    serve it (onnxruntime) on the validation papers against the current version or the lead sentence."""
    import shutil
    import tempfile
    from pathlib import Path

    from physlit.ml import summarizer as sm
    from physlit.ml.encoder_training import model_load
    from physlit.ml.training import artifact_write, deadline_after, device_pick, seed_everything
    from physlit.search.encoding import encoder_base_model

    seed_everything(0)
    labels_end = deadline_after(max_minutes * LABEL_SHARE)
    fit_end = deadline_after(max_minutes * FINETUNE_SHARE)
    level = settings.PHYSLIT_SUMMARIZER_LEVEL
    examples: list[tuple] = []
    for _, title, abstract in train:
        if examples and _past(labels_end):
            break
        units = sm.units_split(abstract, level=level)
        if len(units) >= 2:
            examples.append((units, sm.unit_labels(units, title)))
    if len(examples) < 2:
        raise ValueError("too few training abstracts with two or more clauses")
    base = Path(settings.PHYSLIT_SUMMARIZER_BASE or encoder_base_model())
    device = device_pick()
    log(f"summarizer: fine-tuning {base.name} on up to {len(examples):,} abstracts, {len(val)} validation")
    model, tokenizer = model_load(base, device, attention_dropout=0.0)
    config = sm.ClauseScorerConfig()
    head, stats = sm.clause_scorer_fit(
        model, tokenizer, examples, device=device, config=config, deadline=fit_end, log=log
    )
    Path(settings.PHYSLIT_MODELS_DIR).mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix=".summarizer-", dir=settings.PHYSLIT_MODELS_DIR))
    try:
        scorer_folder = root / sm.SCORER_FOLDER
        sm.clause_scorer_save(scorer_folder, model, tokenizer, base, head, metadata={"base": str(base)})
        summarizer = sm.Summarizer(scorer=summarizer_scorer(scorer_folder), level=level)
        new, baseline, baseline_name, metrics = _validate(summarizer, val, current, log)
        metrics.update(
            {
                "model": "finetuned",
                "base": str(base),
                "train_abstracts": stats["examples"],
                "steps": stats["steps"],
                "final_loss": stats["final_loss"],
                "train_seconds": stats["seconds"],
            }
        )
        log(f"[summarizer] validation score: new {new:.2f}, {baseline_name} {baseline:.2f}")
        info = {"model": str(base), "name": base.name, "backend": settings.PHYSLIT_SUMMARIZER_BACKEND}

        def write(folder: Path) -> None:
            summarizer.save(folder, None, encoder_info=info, metrics=metrics)
            shutil.copytree(scorer_folder, folder / sm.SCORER_FOLDER)

        path = artifact_write(settings.PHYSLIT_MODELS_DIR, "summarizer", write)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return TrainResult(
        path=path,
        base=f"{base.name} fine-tuned end to end (clause scorer)",
        score=new,
        baseline_score=baseline,
        metrics=metrics,
        train_examples=stats["examples"],
        train_seconds=stats["seconds"],
        device=str(device),
    )
