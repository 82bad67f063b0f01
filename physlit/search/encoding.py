"""Which encoder the search stage uses, from settings (PHYSLIT_ENCODER, PHYSLIT_ENCODER_BACKEND)."""

from django.conf import settings


def encoder_current():
    """The configured encoder, loaded once per process (physlit.ml.encoder owns the model)."""
    from physlit.ml.encoder import get_encoder

    return get_encoder(
        model=settings.PHYSLIT_ENCODER or None,
        backend=settings.PHYSLIT_ENCODER_BACKEND,
        cache_dir=settings.PHYSLIT_MODELS_DIR / "onnx",
        threads=settings.PHYSLIT_ENCODER_THREADS or None,
    )
