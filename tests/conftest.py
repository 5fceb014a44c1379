import pytest

from bot.assistant import Assistant
from bot.knowledge.loader import load_knowledge
from bot.settings import DEFAULT_KNOWLEDGE_DIR


@pytest.fixture(scope="session")
def kb():
    return load_knowledge(DEFAULT_KNOWLEDGE_DIR)


@pytest.fixture(scope="session")
def assistant(kb):
    return Assistant(kb)
