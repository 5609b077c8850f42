"""What crosses the pipe between the pool and a worker, in both directions.

The worker handles hostile input. Should a document ever take a worker over, a plain
`pickle.loads` in the parent would hand the attacker the parent too; so the parent
unpickles with an allow-list of the result classes and validates the model afresh.
"""

from __future__ import annotations

import io
import pickle

from connectors.documents import models
from connectors.documents.models import ParsedDocument

READY = b"ready"
"""First message of a worker: imports done and limits set, documents welcome."""

_ALLOWED = frozenset({"ParsedDocument", "Attachment", "DocumentKind", "ParseFailure"})


def dump_result(result: ParsedDocument) -> bytes:
    """Serialise a result in the worker."""
    return pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)


def load_result(payload: bytes) -> ParsedDocument:
    """Deserialise and re-validate a worker's answer in the parent.

    Raises:
        pickle.UnpicklingError: The answer names any class but the result models.
        pydantic.ValidationError: The answer is not a well-formed result.

    """
    result = _ResultUnpickler(io.BytesIO(payload)).load()
    if not isinstance(result, ParsedDocument):
        raise pickle.UnpicklingError("answer is not a ParsedDocument")
    return ParsedDocument.model_validate(result.model_dump(warnings=False))


class _ResultUnpickler(pickle.Unpickler):
    """An unpickler that can build the result models and nothing else."""

    def find_class(self, module: str, name: str) -> type:
        """Allow only the classes of `models` that a result is made of."""
        if module == models.__name__ and name in _ALLOWED:
            found: type = getattr(models, name)
            return found
        raise pickle.UnpicklingError("forbidden class in parser answer")
