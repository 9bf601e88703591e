"""What a loaded backend's model is, as `mnist-edge info --json` shows it (serve's /v1/model).

What it is: backend_info(backend) -> a JSON-ready dict: for onnxruntime, model_info() of the
file (mnist_edge.model.info) with the backend named; for LiteRT, what the backend checked and
read (file, size, SHA-256 and the card's verdict, precision, metadata, the card's entry).
What it isn't: the checks (each backend made them before loading) or `info`'s rendering.
"""

from __future__ import annotations


def backend_info(backend) -> dict:
    """backend: a mnist_edge.backends.Backend -> the facts about its model, JSON-ready."""
    if backend.name == "onnxruntime":
        from mnist_edge.model.info import model_info

        return {**model_info(backend.path), "backend": backend.name}
    from mnist_edge.model.info import is_shipped

    checked = backend.checked
    card = ("no model_card.json beside the model" if checked.card_path is None else
            "the model card does not list this file" if not (checked.card or {}).get("sha256")
            else "matches")  # a mismatch was refused before loading
    return {"file": str(backend.path), "backend": backend.name, "shipped": is_shipped(backend.path),
            "bytes": backend.file_bytes, "sha256": backend.sha256,
            "card": str(checked.card_path) if checked.card_path else None, "card_sha256": card,
            "precision": backend.precision, "layout": backend.layout,
            "batch": backend.fixed_batch or "N", "metadata": dict(sorted(backend.metadata.items())),
            "card_entry": backend.card}
