"""The Ollama backend: one chat request per document through the official `ollama` client.

Failures split three ways, because the caller must act differently on each: an answer
that is not a valid label is a `Prediction` without label (a clerk decides); a server
that is down, overloaded or too slow is retried with backoff and then a
`ClassificationError` (the hybrid policy parks the document); a request the server
refuses (4xx, above all a missing model) is a `RequestRefusedError` at once, because
asking again cannot help. Within a batch, the answers already given are kept: the
documents from a failure on are returned `failed` (asked again by the next run), and
only a batch without a single answer raises. Logs carry counts, status codes and
durations, never text.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

import httpx
import ollama

from connectors.ollama.confidence import fallback_confidence, label_probability
from connectors.ollama.models import (
    OllamaStatus,
    answer_model,
    answer_schema,
    full_model_name,
    parse_answer,
)
from connectors.ollama.prompt import (
    PROMPT_VERSION,
    document_budget,
    neutralise,
    system_prompt,
    truncate,
    user_message,
)
from connectors.ollama.settings import OllamaSettings
from models.classification import ClassificationError, Prediction, Taxonomy

log = logging.getLogger(__name__)

STOP_AFTER_FAILURES = 2
"""Documents in a row the server failed on before the rest of the batch is not asked.

One failure may be the document's (too long for the timeout); two in a row are the
server's, and every further document would only wait through its retries.
"""
TRUNCATED = "Dokument für das Sprachmodell gekürzt (Anfang und Ende gelesen)"
SELF_REPORTED = "Sicherheit vom Modell selbst geschätzt (ohne Token-Wahrscheinlichkeiten)"


class RequestRefusedError(ClassificationError):
    """The server refused the request (missing model, 4xx, not Ollama): no retry helps."""


class OllamaClassifier:
    """Classifies texts with a local LLM; implements `models.classification.Classifier`."""

    name = "ollama"

    def __init__(
        self,
        taxonomy: Taxonomy,
        settings: OllamaSettings | None = None,
        client: ollama.Client | None = None,
    ) -> None:
        """Prepare prompt, schema and HTTP client once; each document then costs one request.

        Raises:
            ValueError: The taxonomy's prompt leaves too little of `num_ctx` for a document.

        """
        self.settings = settings or OllamaSettings()
        self.taxonomy = taxonomy
        self.model = self.settings.model
        self.prompt_version = PROMPT_VERSION
        self._answer = answer_model(taxonomy)
        self._schema = answer_schema(self._answer)
        self._system = system_prompt(taxonomy)
        s = self.settings
        self._budget = document_budget(self._system, s.num_ctx, s.answer_tokens, s.chars_per_token)
        timeout = httpx.Timeout(s.timeout_s, connect=min(s.connect_timeout_s, s.timeout_s))
        self._client = client or ollama.Client(host=s.host, timeout=timeout)

    def classify(self, texts: Sequence[str]) -> list[Prediction]:
        """One prediction per text, in order.

        Raises:
            ClassificationError: not one document answered (Ollama is unreachable,
                overloaded or lacks the model); after a first answer, failures are
                `failed` predictions instead.

        """
        started = time.monotonic()
        predictions: list[Prediction] = []
        failures, last_error = 0, None
        for text in texts:
            try:
                predictions.append(self._classify_one(text))
                failures = 0
            except ClassificationError as error:
                failures, last_error = failures + 1, error
                predictions.append(self._failed(error))
                if isinstance(error, RequestRefusedError) or failures >= STOP_AFTER_FAILURES:
                    break
        if last_error is not None and all(p.failed for p in predictions):
            raise last_error
        if len(predictions) < len(texts):  # the rest is not asked: the server is failing
            predictions += [predictions[-1]] * (len(texts) - len(predictions))
        log.info(
            "ollama model=%s documents=%d review=%d failed=%d seconds=%.2f",
            self.model,
            len(predictions),
            sum(p.label is None and not p.failed for p in predictions),
            sum(p.failed for p in predictions),
            time.monotonic() - started,
        )
        return predictions

    def _failed(self, error: ClassificationError) -> Prediction:
        return Prediction(
            label=None,
            candidate=None,
            confidence=0.0,
            backend=self.name,
            reasons=[str(error)[:300]],
            failed=True,
        )

    def check(self) -> OllamaStatus:
        """Ask `/api/tags` (cheap, loads no model) whether the server has our model."""
        s = self.settings
        try:
            with ollama.Client(host=s.host, timeout=s.check_timeout_s) as client:
                listing = client.list()
        except ollama.ResponseError as error:
            return OllamaStatus(False, f"Ollama unter {s.host} meldet HTTP {error.status_code}")
        except (ConnectionError, httpx.TransportError):
            return OllamaStatus(False, f"Ollama antwortet nicht unter {s.host}")
        except ValueError:
            return OllamaStatus(False, f"Unter {s.host} antwortet kein Ollama-Server")
        present = {full_model_name(m.model) for m in listing.models if m.model}
        if full_model_name(self.model) in present:
            return OllamaStatus(True, f"Ollama unter {s.host} mit Modell {self.model}")
        return OllamaStatus(False, f"Modell {self.model} fehlt: `ollama pull {self.model}`")

    def close(self) -> None:
        """Release the HTTP connections."""
        self._client.close()  # type: ignore[no-untyped-call]  # ollama leaves it unannotated

    def _classify_one(self, text: str) -> Prediction:
        clean = neutralise(text)
        document = truncate(clean, self._budget)
        response = self._chat(document)
        answer = parse_answer(response.message.content or "", self._answer, self.taxonomy)
        if answer.label is None:
            reasons = [answer.problem or "Antwort des Sprachmodells unbrauchbar"]
            return Prediction(
                label=None,
                candidate=answer.candidate,
                confidence=0.0,
                backend=self.name,
                reasons=reasons,
            )
        reasons = [answer.begruendung] if answer.begruendung else []
        tokens = [(lp.token, lp.logprob) for lp in response.logprobs or ()]
        confidence = label_probability(tokens) if tokens else None
        if confidence is None:
            cap = self.settings.self_reported_cap
            confidence = fallback_confidence(answer.self_confidence, cap)
            reasons.append(SELF_REPORTED)
        if len(document) < len(clean):
            reasons.append(TRUNCATED)
        return Prediction(
            label=answer.label,
            candidate=answer.label,
            confidence=confidence,
            backend=self.name,
            reasons=reasons,
        )

    def _chat(self, document: str) -> ollama.ChatResponse:
        s = self.settings
        attempts = s.max_retries + 1
        failure = ""
        for attempt in range(1, attempts + 1):
            started = time.monotonic()
            try:
                response = self._client.chat(
                    model=s.model,
                    messages=[
                        {"role": "system", "content": self._system},
                        {"role": "user", "content": user_message(document)},
                    ],
                    format=self._schema,
                    options={
                        "temperature": 0,
                        "seed": s.seed,
                        "num_ctx": s.num_ctx,
                        "num_predict": s.answer_tokens,
                    },
                    keep_alive=s.keep_alive,
                    logprobs=True if s.logprobs else None,
                    stream=False,
                )
            except ollama.ResponseError as error:
                failure = self._refuse_or_describe(error)
            except ConnectionError:
                failure = "Verbindung abgelehnt / connection refused"
            except httpx.TimeoutException:
                failure = f"Zeitüberschreitung / timeout after {s.timeout_s:g} s"
            except httpx.TransportError as error:
                failure = f"Verbindungsfehler / {type(error).__name__}"
            except ValueError as error:  # JSON or schema of the reply: not an Ollama server
                raise RequestRefusedError(
                    f"Unter {s.host} antwortet kein Ollama-Server (unlesbare Antwort) / "
                    f"no Ollama API at {s.host}"
                ) from error
            else:
                log.debug(
                    "ollama chat ok model=%s attempt=%d seconds=%.2f prompt_tokens=%s",
                    s.model,
                    attempt,
                    time.monotonic() - started,
                    response.prompt_eval_count,
                )
                return response
            log.warning("ollama chat failed model=%s attempt=%d/%d", s.model, attempt, attempts)
            if attempt < attempts:
                time.sleep(min(s.backoff_s * 2 ** (attempt - 1), s.backoff_max_s))
        raise ClassificationError(
            f"Ollama unter {s.host} antwortet nicht ({attempts} Versuche, zuletzt: {failure}). "
            f"Läuft `ollama serve`? / Ollama at {s.host} failed {attempts} times ({failure})."
        )

    def _refuse_or_describe(self, error: ollama.ResponseError) -> str:
        """A description of a retryable (5xx) error; raises for errors a retry cannot fix."""
        status, model = error.status_code, self.settings.model
        log.warning("ollama chat status=%d model=%s", status, model)
        if status == 404:
            raise RequestRefusedError(
                f"Das Modell {model!r} fehlt auf dem Ollama-Server {self.settings.host}. "
                f"Laden Sie es mit `ollama pull {model}` / model not found: "
                f"run `ollama pull {model}`."
            ) from error
        if status < 500:
            raise RequestRefusedError(
                f"Ollama lehnt die Anfrage ab (HTTP {status}): {str(error.error)[:200]}"
            ) from error
        return f"HTTP {status}"
