"""The deployment files (Dockerfile, docker-compose.yml, .dockerignore) agree with the code they deploy.

No Docker engine runs here or in CI, so nothing builds or starts these files in the test suite. A typo in them
would surface only on the first real deployment; these tests parse the files as Docker and Compose would and
check them against the code instead: every ``KG_*`` variable is a :class:`Settings` field with a value it
accepts, the services reach each other by their compose names, start in order, and the image installs the
torch build ``./dev`` pins before anything can pull in another one.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shlex
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from kgplatform.config import Settings

ROOT = Path(__file__).resolve().parents[2]
KG_SERVICES = ("web", "worker-cpu", "worker-gpu")
"""The services that run kgplatform itself (and so read ``KG_*`` settings)."""

# Compose's interpolation: $$ (a literal $), ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, $VAR.
_VARIABLE = re.compile(r"\$(?:(?P<escaped>\$)|\{(?P<braced>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}|(?P<named>\w+))")
# pip options followed by a value, which is not something to install.
_PIP_OPTIONS_WITH_VALUE = {"-r", "--requirement", "-c", "--constraint", "-i", "--index-url", "--extra-index-url",
                           "-f", "--find-links", "-t", "--target"}
_SHELL_SEPARATORS = {"&&", "||", ";", "|", "&"}


# --- reading the files --------------------------------------------------------------------------------------------


def _strings(value: object) -> Iterator[str]:
    """Every string value in a parsed YAML document (keys are not interpolated by Compose, so not them)."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def _substitute(match: re.Match[str]) -> str:
    """One variable as ``docker compose up`` would see it with no ``.env``: a default, or a dummy if required."""
    if match["escaped"]:
        return "$"
    if match["op"] and match["op"].endswith("-"):
        return match["arg"]
    if match["op"]:  # ${VAR:?message}: compose refuses to start without it, so a deployment always sets it
        return f"dummy-{(match['braced'] or '').lower()}"
    return ""  # a bare ${VAR} or $VAR that is not set becomes empty (Compose only warns)


def _interpolate(value: Any) -> Any:
    """A parsed compose document with its variables substituted the way Compose does."""
    if isinstance(value, dict):
        return {key: _interpolate(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_interpolate(item) for item in value]
    if isinstance(value, str):
        return _VARIABLE.sub(_substitute, value)
    return value


def _environment(service: dict[str, Any]) -> dict[str, str]:
    """A service's environment as a dict, from either the mapping or the ``KEY=value`` list form."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(key): "" if value is None else str(value) for key, value in env.items()}


def _words(command: str | list[str]) -> list[str]:
    """A compose ``command`` (list or shell string) as a list of words."""
    return shlex.split(command) if isinstance(command, str) else [str(word) for word in command]


def _option(words: list[str], name: str) -> str | None:
    """The value of ``--name value`` or ``--name=value`` in a command line, None when absent."""
    for index, word in enumerate(words):
        if word == name and index + 1 < len(words):
            return words[index + 1]
        if word.startswith(f"{name}="):
            return word.split("=", 1)[1]
    return None


def _mounts(service: dict[str, Any]) -> dict[str, str]:
    """A service's volumes as {container path: source}, from the short (``src:dst[:mode]``) or long syntax."""
    mounts: dict[str, str] = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            mounts[volume["target"]] = volume.get("source", "")
        else:
            source, _, rest = volume.partition(":")
            mounts[rest.split(":")[0] if rest else source] = source if rest else ""
    return mounts


def _image_tag(image: str) -> str | None:
    """The tag (or digest) of an image reference; None when it has neither (which means ``latest``)."""
    if "@" in image:
        return image.split("@", 1)[1]
    name, _, tag = image.rpartition(":")
    return tag if name and "/" not in tag else None


def _instructions(text: str) -> list[tuple[str, str]]:
    """A Dockerfile as (INSTRUCTION, arguments) pairs: continuation lines joined, comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        keyword, _, arguments = (pending + stripped).partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    return instructions


def _image_env(instructions: list[tuple[str, str]]) -> dict[str, str]:
    """The variables the image's ENV instructions set (``ENV A=1 B=2`` and ``ENV A 1`` forms)."""
    env: dict[str, str] = {}
    for keyword, arguments in instructions:
        if keyword == "ENV":
            words = shlex.split(arguments)
            if "=" in words[0]:
                env.update(word.split("=", 1) for word in words)
            else:
                env[words[0]] = " ".join(words[1:])
    return env


def _arg_defaults(instructions: list[tuple[str, str]]) -> dict[str, str]:
    """The default of every ``ARG NAME=default`` in the Dockerfile."""
    return dict(args.split("=", 1) for keyword, args in instructions if keyword == "ARG" and "=" in args)


def _pip_targets(command: str) -> list[str]:
    """What the ``pip install`` commands of one RUN install: requirements, paths and ``-r FILE``; options left out."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    words, targets = list(lexer), []
    for start, word in enumerate(words):
        if word != "pip" or words[start + 1:start + 2] != ["install"]:
            continue
        option = None
        for argument in words[start + 2:]:
            if argument in _SHELL_SEPARATORS:
                break
            if option in ("-r", "--requirement"):
                targets.append(f"-r {argument}")
            elif option is None and not argument.startswith("-"):
                targets.append(argument)
            option = argument if option is None and argument in _PIP_OPTIONS_WITH_VALUE else None
    return targets


def _dockerignored(path: str, patterns: list[str]) -> bool:
    """Whether Docker leaves ``path`` out of the build context.

    A pattern matches a path or any of its parent directories; ``*`` and ``?`` stay within one path segment,
    ``**`` spans any number; the last matching pattern wins and ``!`` re-includes.
    """
    parts = path.split("/")
    candidates = ["/".join(parts[:end]) for end in range(1, len(parts) + 1)]
    ignored = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        regex = (re.escape(pattern.lstrip("!").strip("/"))
                 .replace(r"\*\*/", "(.*/)?").replace(r"\*\*", ".*").replace(r"\*", "[^/]*").replace(r"\?", "[^/]"))
        if any(re.fullmatch(regex, candidate) for candidate in candidates):
            ignored = not negated
    return ignored


# --- fixtures -----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def raw_compose() -> dict[str, Any]:
    """docker-compose.yml as YAML (anchors and merge keys resolved), before variable substitution."""
    document = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert isinstance(document, dict), "docker-compose.yml is not a mapping"
    return document


@pytest.fixture(scope="module")
def services(raw_compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The compose services with their variables substituted as ``docker compose up`` would."""
    interpolated: dict[str, dict[str, Any]] = _interpolate(raw_compose.get("services") or {})
    return interpolated


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile's instructions in order."""
    return _instructions((ROOT / "Dockerfile").read_text())


# --- docker-compose.yml -------------------------------------------------------------------------------------------


def test_the_stack_has_its_five_services(services: dict[str, dict[str, Any]]) -> None:
    """The graph, the broker, the web app and a worker per queue (DESIGN.md, production column)."""
    assert {"neo4j", "redis", *KG_SERVICES} <= services.keys()


def test_images_are_pinned(services: dict[str, dict[str, Any]], dockerfile: list[tuple[str, str]]) -> None:
    """No ``latest``: a rebuild next month must run the same Neo4j, Redis and Python as today.

    Neo4j stays on 5 with its minor pinned, since the driver, the Cypher overrides and the linter target Neo4j 5.
    """
    args = _arg_defaults(dockerfile)
    bases = [re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m[1], m[0]), arguments.split()[0])
             for keyword, arguments in dockerfile if keyword == "FROM"]
    assert bases, "the Dockerfile has no FROM"
    images = {name: service["image"] for name, service in services.items() if "image" in service}
    images |= {f"Dockerfile FROM {base}": base for base in bases}
    unpinned = {name: image for name, image in images.items() if _image_tag(image) in (None, "latest")}
    assert not unpinned, f"images without a pinned tag: {unpinned}"
    unbuilt = [name for name, service in services.items() if "image" not in service and "build" not in service]
    assert not unbuilt, f"services with neither image nor build: {unbuilt}"
    assert re.fullmatch(r"5\.\d+(\.\d+)?(-.*)?", _image_tag(services["neo4j"]["image"]) or "")


def test_kg_variables_are_settings_fields_with_valid_values(services: dict[str, dict[str, Any]]) -> None:
    """Every ``KG_*`` name is a Settings field (a misspelt one would be silently ignored) and its value parses.

    The store must be Neo4j: the embedded default would start a private FalkorDB inside each container.
    """
    fields = {f"KG_{field.name.upper()}" for field in dataclasses.fields(Settings)}
    for name, service in services.items():
        env = _environment(service)
        unknown = sorted(key for key in env if key.startswith("KG_") and key not in fields)
        assert not unknown, f"{name}: {unknown} are not fields of kgplatform.config.Settings"
        if name in KG_SERVICES:
            assert Settings.from_env(env).store == "neo4j", f"{name} does not use the Neo4j service"


def test_every_variable_has_a_default_or_is_required(raw_compose: dict[str, Any]) -> None:
    """A bare ``${VAR}`` that is not set becomes an empty string with only a warning (an empty password, say)."""
    bare = [match[0] for text in _strings(raw_compose) for match in _VARIABLE.finditer(text)
            if not match["escaped"] and not match["op"]]
    assert not bare, f"give these a default (${{VAR:-x}}) or make them required (${{VAR:?why}}): {bare}"


def test_store_and_broker_addresses_are_the_compose_services(services: dict[str, dict[str, Any]]) -> None:
    """Inside the compose network the graph and the broker are reached by service name on their default ports."""
    for name in KG_SERVICES:
        settings = Settings.from_env(_environment(services[name]))
        graph, broker = urlsplit(settings.neo4j_uri), urlsplit(settings.broker_url)
        assert graph.scheme in ("bolt", "neo4j") and (graph.hostname, graph.port or 7687) == ("neo4j", 7687), name
        assert broker.scheme == "redis" and (broker.hostname, broker.port or 6379) == ("redis", 6379), name
    assert services["neo4j"]["image"].startswith("neo4j:") and services["redis"]["image"].startswith("redis:")


def test_neo4j_credentials_match_the_server(services: dict[str, dict[str, Any]]) -> None:
    """The server's NEO4J_AUTH and the clients' user and password come out equal, defaults included."""
    auth = _environment(services["neo4j"]).get("NEO4J_AUTH")
    for name in KG_SERVICES:
        env = _environment(services[name])
        assert auth == f"{env.get('KG_NEO4J_USER', 'neo4j')}/{env.get('KG_NEO4J_PASSWORD', '')}", name


@pytest.mark.parametrize("name", ["neo4j", "redis", "web"])
def test_services_others_wait_for_have_healthchecks(services: dict[str, dict[str, Any]], name: str) -> None:
    """``condition: service_healthy`` needs a healthcheck, and a restart policy needs to know the web app is up."""
    check = services[name].get("healthcheck") or {}
    assert check.get("test") not in (None, [], ["NONE"]) and not check.get("disable"), f"{name} has no healthcheck"


def test_web_healthcheck_asks_the_api_where_the_app_listens(services: dict[str, dict[str, Any]]) -> None:
    """The check requests ``/api/health`` on the port gunicorn binds, which is also the published one."""
    web = services["web"]
    words = _words(web["command"])
    bind = _option(words, "--bind")
    assert words[0] == "gunicorn" and words[-1] == "webui.wsgi:app" and bind is not None
    port = bind.rsplit(":", 1)[-1]
    urls = [urlsplit(url) for url in re.findall(r"https?://[^\s'\"]+", " ".join(_words(web["healthcheck"]["test"])))]
    assert [(url.path, url.port) for url in urls] == [("/api/health", int(port))], f"the healthcheck asks {urls}"
    published = [str(item["target"]) if isinstance(item, dict) else str(item).rsplit(":", 1)[-1].split("/")[0]
                 for item in web.get("ports", [])]
    assert port in published, f"gunicorn listens on {port}, the container publishes {published}"


@pytest.mark.parametrize("name", KG_SERVICES)
def test_kgplatform_waits_for_a_healthy_store_and_broker(services: dict[str, dict[str, Any]], name: str) -> None:
    """Started before Neo4j answers, the app and workers would fail their first connection and restart-loop."""
    depends = services[name].get("depends_on")
    assert isinstance(depends, dict), f"{name}: the list form of depends_on only waits for containers to start"
    for needed in ("neo4j", "redis"):
        assert (depends.get(needed) or {}).get("condition") == "service_healthy", f"{name} -> {needed}"


def test_gpu_worker_gets_a_gpu_and_the_cuda_torch(services: dict[str, dict[str, Any]],
                                                  dockerfile: list[tuple[str, str]]) -> None:
    """It reserves an NVIDIA device, consumes the ``gpu`` queue, and is built with a CUDA torch, not the CPU one."""
    worker = services["worker-gpu"]
    devices = worker.get("deploy", {}).get("resources", {}).get("reservations", {}).get("devices", [])
    assert any(device.get("driver") == "nvidia" and "gpu" in device.get("capabilities", []) for device in devices)
    words = _words(worker["command"])
    assert words[:2] == ["kgplatform", "worker"] and _option(words, "--queues") == "gpu"
    build = worker.get("build")
    assert isinstance(build, dict), "worker-gpu must be built with its own TORCH_INDEX"
    torch_index = (build.get("args") or {}).get("TORCH_INDEX", _arg_defaults(dockerfile).get("TORCH_INDEX", ""))
    assert "/cpu" not in torch_index, f"worker-gpu would get the CPU-only torch from {torch_index}"


def test_cpu_worker_consumes_the_cpu_queue(services: dict[str, dict[str, Any]]) -> None:
    """Jobs routed to ``cpu`` need a consumer, or they wait in Redis forever."""
    words = _words(services["worker-cpu"]["command"])
    assert words[:2] == ["kgplatform", "worker"] and _option(words, "--queues") == "cpu"


def test_data_directory_is_a_declared_named_volume(raw_compose: dict[str, Any],
                                                   services: dict[str, dict[str, Any]]) -> None:
    """KG_DATA_DIR (job artifacts) outlives the containers, and every named volume used is declared."""
    declared = set(raw_compose.get("volumes") or {})
    for name, service in services.items():
        mounts = _mounts(service)
        named = {source for source in mounts.values() if source and not source.startswith(("/", ".", "~"))}
        assert named <= declared, f"{name} mounts undeclared volumes {sorted(named - declared)}"
        if name in KG_SERVICES:
            data_dir = _environment(service).get("KG_DATA_DIR", "")
            assert mounts.get(data_dir) in declared, f"{name}: KG_DATA_DIR={data_dir!r} is not a named volume"


# --- Dockerfile ---------------------------------------------------------------------------------------------------


def test_torch_is_pinned_before_anything_else_is_installed(dockerfile: list[tuple[str, str]]) -> None:
    """Installed first, ./dev's torch satisfies the project's range; otherwise pip picks a build of its own.

    From PyPI that is the multi-GB CUDA build, whatever the image is for; TORCH_INDEX chooses CPU or CUDA.
    """
    pinned = re.search(r"^TORCH_VERSION=(\S+)$", (ROOT / "dev").read_text(), re.MULTILINE)
    assert pinned, "./dev no longer says TORCH_VERSION=..."
    installs = [(index, arguments, targets) for index, (keyword, arguments) in enumerate(dockerfile)
                if keyword == "RUN" and (targets := _pip_targets(arguments))]
    assert installs, "the Dockerfile installs nothing with pip"
    torch_at, torch_run, torch_targets = installs[0]
    assert torch_targets == [f"torch=={pinned[1]}"], f"the first pip install is {torch_targets}"
    assert "TORCH_INDEX" in torch_run, "torch does not come from the TORCH_INDEX build argument"
    assert "TORCH_INDEX" in _arg_defaults(dockerfile)
    project_at = [index for index, _, targets in installs if any(t.startswith(("/", ".")) for t in targets)]
    assert project_at and project_at[0] > torch_at, "the project itself is not installed after torch"


def test_image_runs_as_a_user_with_data_in_a_volume(dockerfile: list[tuple[str, str]]) -> None:
    """Not root (a web app's compromise stays in the container), data at KG_DATA_DIR in a volume, Hub offline."""
    users = [arguments for keyword, arguments in dockerfile if keyword == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0"), f"the image runs as {users[-1:] or 'root'}"
    env = _image_env(dockerfile)
    assert env.get("HF_HUB_OFFLINE") == "1"
    fields = {f"KG_{field.name.upper()}" for field in dataclasses.fields(Settings)}
    assert {key for key in env if key.startswith("KG_")} <= fields
    volumes: list[str] = []
    for keyword, arguments in dockerfile:
        if keyword == "VOLUME":
            volumes += json.loads(arguments) if arguments.startswith("[") else arguments.split()
    assert Settings.from_env(env).data_dir.as_posix() in volumes


# --- .dockerignore ------------------------------------------------------------------------------------------------


def test_dockerignore_keeps_what_the_build_needs_and_nothing_private() -> None:
    """The project (pyproject.toml, its readme, its packages) goes in; the venv, git, data and secrets stay out.

    ``build/`` stays out as well: setuptools would reuse a stale ``build/lib`` and ship modules since deleted.
    """
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = [path.name for pattern in project["tool"]["setuptools"]["packages"]["find"]["include"]
                for path in ROOT.glob(pattern.split(".")[0]) if path.is_dir() and path.name.isidentifier()]
    needed = ["pyproject.toml", project["project"]["readme"], *packages]
    assert len(packages) >= 2, f"found only {packages} from pyproject's package list"
    assert not [path for path in needed if _dockerignored(path, patterns)], "the build needs these"
    private = [".git", ".venv", ".kgdata", ".env", "build", "node_modules"]
    assert not [path for path in private if not _dockerignored(path, patterns)], "these leak into the image"
