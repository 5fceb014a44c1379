import pytest

from bot.knowledge.loader import load_knowledge
from bot.routing.router import Router
from bot.routing.semantic import load_encoder
from bot.settings import DEFAULT_KNOWLEDGE_DIR
from bot.state.memory import MemoryState
from bot.use_cases import UseCases


@pytest.fixture(scope="session")
def kb():
    return load_knowledge(DEFAULT_KNOWLEDGE_DIR)


@pytest.fixture(scope="session")
def router(kb):
    """The router as the bot runs it: both signals (the semantic model ships with the package)."""
    encoder = load_encoder()
    assert encoder is not None, "the shipped semantic model must load"
    return Router(kb, encoder)


@pytest.fixture(scope="session")
def use_cases(router):
    """The front door as the offline CLI has it: the shipped knowledge, default thresholds, nothing kept."""
    return UseCases(router, MemoryState())
