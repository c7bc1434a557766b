"""Optional LLM re-ranking of a model's top candidates, through an OpenAI-compatible chat endpoint.

Any server that speaks ``POST {url}/chat/completions`` will do: vLLM, Ollama, llama.cpp or a
hosted API, configured by ``KG_LLM_URL``, ``KG_LLM_MODEL`` and ``KG_LLM_API_KEY``. The prompt
states the incomplete fact and numbers the candidates' texts; the answer is read as candidate
numbers, best first. Whatever the answer leaves out keeps the model's order, so a terse, wrong or
failed answer never loses a candidate. Answers are cached by prompt (a re-run costs nothing);
each call has a timeout, and a token budget caps a job's spending: past it, candidates keep the
model's order.
"""

from __future__ import annotations

import hashlib
import json
import re
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from kgplatform.completion.scoring import Candidates
from kgplatform.completion.text import GraphText
from kgplatform.config import Settings
from kgplatform.errors import InvalidInput

SYSTEM = ("You rank candidate answers for an incomplete fact in a knowledge graph. Reply with the candidate "
          "numbers only, best first, separated by commas.")


@dataclass(frozen=True)
class LLMEndpoint:
    """Where and how to ask: base URL (ending in ``/v1``), model name, key, timeout and token budget."""

    url: str
    model: str
    api_key: str = ""
    timeout_s: float = 30.0
    token_budget: int = 200_000

    @classmethod
    def from_settings(cls, settings: Settings) -> LLMEndpoint:
        """The configured endpoint.

        Raises:
            InvalidInput: none is configured, saying which settings to set.
        """
        if not settings.llm_url or not settings.llm_model:
            raise InvalidInput("rerank_top", "an LLM endpoint", "KG_LLM_URL (an OpenAI-compatible base URL such as "
                               "http://localhost:11434/v1 for Ollama or http://localhost:8000/v1 for vLLM) and "
                               "KG_LLM_MODEL to be set; KG_LLM_API_KEY if the server wants one")
        return cls(settings.llm_url.rstrip("/"), settings.llm_model, settings.llm_api_key, settings.llm_timeout_s,
                   settings.llm_token_budget)


def build_messages(fact: str, candidates: Sequence[str]) -> list[dict[str, str]]:
    """The chat messages for one query: the incomplete fact and the numbered candidates."""
    listed = "\n".join(f"{i}. {text}" for i, text in enumerate(candidates, start=1))
    return [{"role": "system", "content": SYSTEM},
            {"role": "user", "content": f"Fact: {fact}\nCandidates:\n{listed}\nRanking:"}]


def parse_ranking(answer: str, count: int) -> list[int]:
    """Candidate positions (0-based) in the answer's order; the ones it leaves out follow in model order."""
    named = []
    for number in re.findall(r"\d+", answer):
        position = int(number) - 1
        if 0 <= position < count and position not in named:
            named.append(position)
    return named + [i for i in range(count) if i not in named]


@dataclass
class LLMReranker:
    """Re-ranks candidate lists with one endpoint, with a cache file and a token budget."""

    endpoint: LLMEndpoint
    cache_path: Path | None = None
    used_tokens: int = 0
    calls: int = 0
    cache_hits: int = 0
    failures: int = 0
    over_budget: int = 0
    cache: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.cache_path is not None and self.cache_path.exists():
            self.cache = json.loads(self.cache_path.read_text())

    def rerank(self, fact: str, candidates: Sequence[str]) -> list[int]:
        """A permutation of ``range(len(candidates))``, best first."""
        messages = build_messages(fact, candidates)
        key = hashlib.sha256(json.dumps([self.endpoint.model, messages]).encode()).hexdigest()
        if key in self.cache:
            self.cache_hits += 1
            return parse_ranking(self.cache[key], len(candidates))
        estimate = sum(len(m["content"]) for m in messages) // 4 + 8 * len(candidates)
        if self.used_tokens + estimate > self.endpoint.token_budget:
            self.over_budget += 1
            return list(range(len(candidates)))
        try:
            answer, tokens = self._ask(messages, max_tokens=8 * len(candidates) + 16)
        except (OSError, ValueError, KeyError, IndexError):  # unreachable, timed out, or not the expected JSON
            self.failures += 1
            return list(range(len(candidates)))
        self.calls += 1
        self.used_tokens += tokens or estimate
        self.cache[key] = answer
        if self.cache_path is not None:
            self.cache_path.write_text(json.dumps(self.cache))
        return parse_ranking(answer, len(candidates))

    def _ask(self, messages: list[dict[str, str]], max_tokens: int) -> tuple[str, int]:
        body = json.dumps({"model": self.endpoint.model, "messages": messages, "temperature": 0,
                           "max_tokens": max_tokens}).encode()
        headers = {"Content-Type": "application/json"}
        if self.endpoint.api_key:
            headers["Authorization"] = f"Bearer {self.endpoint.api_key}"
        request = urllib.request.Request(f"{self.endpoint.url}/chat/completions", data=body, headers=headers)
        with urllib.request.urlopen(request, timeout=self.endpoint.timeout_s) as response:
            reply: dict[str, Any] = json.loads(response.read())
        return str(reply["choices"][0]["message"]["content"]), int(reply.get("usage", {}).get("total_tokens", 0))

    def report(self) -> dict[str, int]:
        """What the re-ranking cost: calls, cache hits, failures, queries past the budget, tokens."""
        return {"llm_calls": self.calls, "llm_cache_hits": self.cache_hits, "llm_failures": self.failures,
                "llm_over_budget": self.over_budget, "llm_tokens": self.used_tokens}


def rerank_candidates(found: Candidates, reranker: LLMReranker, texts: GraphText, relation: int, *,
                      reverse: bool, keep: int) -> Candidates:
    """Re-order each anchor's candidates by the LLM and keep the first ``keep``.

    Scores stay the model's calibrated ones; ``rank`` becomes the LLM's order. The fact reads
    "head | relation | ?" (or "? | relation | tail" when proposing heads).
    """
    anchors = found.tails if reverse else found.heads
    targets = found.heads if reverse else found.tails
    rows: list[int] = []
    ranks: list[int] = []
    for anchor in torch.unique_consecutive(anchors).tolist():
        positions = torch.nonzero(anchors == anchor).flatten().tolist()
        relation_text = texts.relations[relation]
        fact = (f"? | {relation_text} | {texts.entities[anchor]}" if reverse
                else f"{texts.entities[anchor]} | {relation_text} | ?")
        order = reranker.rerank(fact, [texts.entities[targets[p]] for p in positions])
        chosen = [positions[i] for i in order[:keep]]
        rows += chosen
        ranks += range(1, len(chosen) + 1)
    index = torch.tensor(rows, dtype=torch.long)
    return Candidates(found.heads[index], found.tails[index], found.scores[index], torch.tensor(ranks))
