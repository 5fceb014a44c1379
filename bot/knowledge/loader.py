"""Load and validate the knowledge folder; every problem names its file, entry, field and line."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from urllib.parse import urlsplit

from bot.knowledge.duties import load_catalogue
from bot.knowledge.errors import KnowledgeError, Problem
from bot.knowledge.messages import Messages, check_placeholders, load_messages
from bot.knowledge.model import (
    Checklist,
    ChecklistItem,
    Citation,
    DutyCatalogue,
    Entry,
    KnowledgeBase,
    Source,
    SynonymGroup,
)
from bot.knowledge.yaml_lines import LineDict, YamlProblem, read_yaml

ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_BREAKS_LINK = re.compile(r"[\s<>|]")  # what would end a Slack <url|label> link early
TITLE_MAX = 75  # Slack button text limit
ANSWER_MAX = 2900  # a section block holds 3000 characters; leave room for nothing else
QUESTION_MAX = 300
MIN_QUESTIONS = 3

ENTRY_FIELDS = {"id", "title", "questions", "answer", "sources", "related", "reviewed", "topic", "regions"}
REGIONS = ("ich", "us", "eu", "uk")
CHECKLIST_FIELDS = {"id", "title", "aliases", "intro", "items", "closing"}
SOURCE_FIELDS = {"id", "label", "title", "publisher", "date", "url"}


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.lower()).split())


class _FileReader:
    """Field access for one file that records problems instead of raising on the first one."""

    def __init__(self, path: Path, root: Path, problems: list[Problem]) -> None:
        self.path = path
        self.name = str(path.relative_to(root.parent)) if path.is_relative_to(root.parent) else str(path)
        self.problems = problems

    def problem(self, message: str, node: object = None, item: str | None = None, field: str | None = None):
        line = getattr(node, "line", None) if node is not None else None
        self.problems.append(Problem(self.name, message, line, item, field))

    def load(self, top_key: str) -> list | None:
        """The file's `top_key` list; the whole document is kept in `self.document`."""
        self.document: object = None
        try:
            data = self.document = read_yaml(self.path)
        except YamlProblem as exc:
            self.problems.append(Problem(self.name, exc.message, exc.line))
            return None
        except (OSError, UnicodeDecodeError) as exc:
            self.problems.append(Problem(self.name, f"cannot read the file: {exc.__class__.__name__}"))
            return None
        if not isinstance(data, dict) or top_key not in data:
            self.problem(f"expected a top-level '{top_key}:' list", data)
            return None
        items = data[top_key]
        if not isinstance(items, list):
            self.problem(f"'{top_key}' must be a list", data, field=top_key)
            return None
        return items

    def text(
        self, mapping: dict, key: str, item: str, *, required: bool = True, max_len: int = 0, field: str = ""
    ) -> str:
        """The text at `key`; problems name `field` (default: `key`)."""
        value = mapping.get(key)
        field = field or key
        if isinstance(value, dt.date):  # an unquoted YAML date
            value = value.isoformat()
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem("is missing or empty", mapping, item, field)
            return ""
        if not isinstance(value, str):
            self.problem(f"must be text, not {type(value).__name__}", mapping, item, field)
            return ""
        if max_len and len(value) > max_len:
            self.problem(f"is {len(value)} characters; the limit is {max_len}", mapping, item, field)
        return value.strip()

    def text_list(self, mapping: dict, key: str, item: str, *, required: bool = True) -> list[str]:
        value = mapping.get(key)
        if value is None:
            if required:
                self.problem("is missing", mapping, item, key)
            return []
        if not isinstance(value, list):
            self.problem(f"must be a list, not {type(value).__name__}", mapping, item, key)
            return []
        out = []
        for i, element in enumerate(value):
            if not isinstance(element, str) or not element.strip():
                self.problem("must be non-empty text", mapping, item, f"{key}[{i}]")
            else:
                out.append(element.strip())
        return out

    def citations(
        self, mapping: dict, key: str, item: str, sources: dict[str, Source], prefix: str = ""
    ) -> list[Citation]:
        value = mapping.get(key)
        if not isinstance(value, list) or not value:
            self.problem("must list at least one citation ({id, section})", mapping, item, prefix + key)
            return []
        out = []
        for i, cite in enumerate(value):
            field = f"{prefix}{key}[{i}]"
            if not isinstance(cite, dict):
                self.problem("must be a mapping with 'id' and 'section'", mapping, item, field)
                continue
            source_id = self.text(cite, "id", item, field=f"{field}.id")
            section = self.text(cite, "section", item, field=f"{field}.section") if "section" in cite else ""
            if not section:
                self.problem("needs a 'section' (where in the source the fact is)", cite, item, field)
            if source_id and source_id not in sources:
                self.problem(f"unknown source id '{source_id}' (see sources.yaml)", cite, item, f"{field}.id")
            out.append(Citation(source_id, section))
        return out

    def check_id(self, mapping: dict, kind: str, index: int) -> str:
        value = mapping.get("id")
        label = f"{kind} #{index + 1}"
        if not isinstance(value, str) or not value.strip():
            self.problem("is missing or not text", mapping, label, "id")
            return ""
        if not ID_PATTERN.match(value):
            self.problem("use lower-case letters, digits and single hyphens", mapping, f"{kind} '{value}'", "id")
        return value

    def unknown_fields(self, mapping: dict, allowed: set[str], item: str) -> None:
        for key in mapping:
            if key not in allowed:
                self.problem(f"unknown field (allowed: {', '.join(sorted(allowed))})", mapping, item, str(key))


def _load_sources(root: Path, problems: list[Problem]) -> dict[str, Source]:
    path = root / "sources.yaml"
    reader = _FileReader(path, root, problems)
    if not path.is_file():
        reader.problem("the sources registry is missing")
        return {}
    sources: dict[str, Source] = {}
    for i, raw in enumerate(reader.load("sources") or []):
        if not isinstance(raw, dict):
            reader.problem("each source must be a mapping", None, f"source #{i + 1}")
            continue
        sid = reader.check_id(raw, "source", i)
        label = f"source '{sid}'"
        reader.unknown_fields(raw, SOURCE_FIELDS, label)
        url = reader.text(raw, "url", label, required=False)
        if url and not url.startswith(("https://", "http://")):
            reader.problem("must start with https:// or be empty", raw, label, "url")
        elif url and (not urlsplit(url).hostname or _BREAKS_LINK.search(url)):
            # Answers cite a source as the Slack link <url|label>: a URL without a host goes nowhere,
            # and a space, <, > or | in it would end the link early and let the rest through as markup
            # ("https://x.org/a>|<!channel>" would notify the whole channel on every answer citing it).
            reader.problem("must be a full URL with a host and no spaces, <, > or |", raw, label, "url")
        if _BREAKS_LINK.search(str(raw.get("label") or "").replace(" ", "").replace("|", "")):
            reader.problem("must not contain < or > (it is shown as a Slack link)", raw, label, "label")
        if sid in sources:
            reader.problem("duplicate source id", raw, label, "id")
        title = reader.text(raw, "title", label)
        source = Source(
            sid,
            reader.text(raw, "label", label, required=False, max_len=40) or title,
            title,
            reader.text(raw, "publisher", label),
            reader.text(raw, "date", label),
            url,
        )
        if sid:
            sources[sid] = source
    return sources


def _records(root: Path, folder: str, top_key: str, kind: str, allowed: set[str], problems: list[Problem]):
    """Each mapping under `top_key:` in `folder`/*.yaml as (reader, raw, id, label), after the checks
    every kind shares: a mapping, a well-formed id, no unknown field."""
    for path in sorted((root / folder).glob("*.yaml")):
        reader = _FileReader(path, root, problems)
        for i, raw in enumerate(reader.load(top_key) or []):
            if not isinstance(raw, dict):
                reader.problem(f"each {kind} must be a mapping", None, f"{kind} #{i + 1}")
                continue
            record_id = reader.check_id(raw, kind, i)
            label = f"{kind} '{record_id}'" if record_id else f"{kind} #{i + 1}"
            reader.unknown_fields(raw, allowed, label)
            yield reader, raw, record_id, label


def _check_questions(reader: _FileReader, raw: LineDict, eid: str, label: str, seen: dict[str, str]) -> list[str]:
    questions = reader.text_list(raw, "questions", label)
    if "questions" in raw and len(questions) < MIN_QUESTIONS:
        reader.problem(f"needs at least {MIN_QUESTIONS} phrasings", raw, label, "questions")
    for q in questions:
        if len(q) > QUESTION_MAX:
            reader.problem(f"a phrasing is over {QUESTION_MAX} characters", raw, label, "questions")
        key = _norm(q)
        if key in seen:
            owner = "is repeated" if seen[key] == eid else f"is already used by '{seen[key]}'"
            reader.problem(f"phrasing '{q}' {owner}", raw, label, "questions")
        seen.setdefault(key, eid)
    return questions


ANSWER_PLACEHOLDERS = frozenset({"escalation_contact"})


def _answer(reader: _FileReader, raw: LineDict, label: str) -> str:
    """The answer text; its only placeholder may be {escalation_contact} (whom to ask)."""
    answer = reader.text(raw, "answer", label, max_len=ANSWER_MAX)
    wrong = check_placeholders(answer, ANSWER_PLACEHOLDERS)
    if wrong:
        reader.problem(wrong, raw, label, "answer")
    return answer


def _review_date(reader: _FileReader, raw: LineDict, label: str) -> str:
    """The entry's `reviewed:` day, YYYY-MM-DD and not in the future."""
    value = raw.get("reviewed")
    if value is None:
        reader.problem("is missing: the day a curator last checked the answer, YYYY-MM-DD", raw, label, "reviewed")
        return ""
    text = value.isoformat() if isinstance(value, dt.date) else str(value).strip()
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        reader.problem(f"'{text}' is not a day in the form YYYY-MM-DD", raw, label, "reviewed")
        return ""
    if day > dt.date.today():
        reader.problem(f"{text} is in the future", raw, label, "reviewed")
    return day.isoformat()


def _load_entries(root: Path, sources: dict[str, Source], problems: list[Problem]) -> dict[str, Entry]:
    entries: dict[str, Entry] = {}
    seen_questions: dict[str, str] = {}
    pending_related: list[tuple[_FileReader, LineDict, str, list[str]]] = []
    answer_files = any((root / "answers").glob("*.yaml"))
    if not answer_files:
        problems.append(Problem(str(root / "answers"), "no answer files (*.yaml) found"))
    problems_before = len(problems)
    for reader, raw, eid, label in _records(root, "answers", "entries", "entry", ENTRY_FIELDS, problems):
        if eid in entries:
            reader.problem(f"duplicate id (also in {entries[eid].file})", raw, label, "id")
        questions = _check_questions(reader, raw, eid, label, seen_questions)
        related = reader.text_list(raw, "related", label, required=False)
        pending_related.append((reader, raw, eid, related))
        topic = reader.text(raw, "topic", label, required=False)
        if topic and not ID_PATTERN.match(topic):
            reader.problem("use lower-case letters, digits and single hyphens", raw, label, "topic")
        regions = reader.text_list(raw, "regions", label, required=False)
        for j, region in enumerate(regions):
            if region not in REGIONS:
                reader.problem(
                    f"unknown region '{region}' (allowed: {', '.join(REGIONS)})", raw, label, f"regions[{j}]"
                )
        entry = Entry(
            id=eid,
            title=reader.text(raw, "title", label, max_len=TITLE_MAX),
            questions=tuple(questions),
            answer=_answer(reader, raw, label),
            sources=tuple(reader.citations(raw, "sources", label, sources)),
            related=tuple(related),
            file=reader.name,
            reviewed=_review_date(reader, raw, label),
            topic=topic,
            regions=tuple(regions),
        )
        if eid and eid not in entries:
            entries[eid] = entry
    for reader, raw, eid, related in pending_related:
        for j, rid in enumerate(related):
            if rid == eid:
                reader.problem("an entry cannot be related to itself", raw, f"entry '{eid}'", f"related[{j}]")
            elif rid not in entries:
                reader.problem(f"unknown entry id '{rid}'", raw, f"entry '{eid}'", f"related[{j}]")
    if answer_files and not entries and len(problems) == problems_before:
        # Files that each hold `entries: []` used to load: a bot with nothing to answer, passing `check`.
        problems.append(Problem(str(root / "answers"), "no entries found in the answer files"))
    return entries


def _load_item(reader: _FileReader, raw: object, label: str, field: str, sources) -> ChecklistItem | None:
    if not isinstance(raw, dict):
        reader.problem("must be a mapping with 'text' and 'basis'", None, label, field)
        return None
    # Problems name the item ("items[3].basis[0].id"), not just "basis", so a curator finds it.
    text = reader.text(raw, "text", label, field=f"{field}.text")
    return ChecklistItem(text, tuple(reader.citations(raw, "basis", label, sources, prefix=f"{field}.")))


def _load_checklists(root: Path, sources: dict[str, Source], problems: list[Problem]) -> dict[str, Checklist]:
    checklists: dict[str, Checklist] = {}
    names: dict[str, str] = {}  # every id and alias (normalised) -> the checklist that owns it
    for reader, raw, cid, label in _records(root, "checklists", "checklists", "checklist", CHECKLIST_FIELDS, problems):
        if cid in checklists:
            reader.problem(f"duplicate id (also in {checklists[cid].file})", raw, label, "id")
        aliases = reader.text_list(raw, "aliases", label)
        for name in [cid, *aliases]:
            key = _norm(name)
            if key in names and names[key] != cid:
                reader.problem(f"'{name}' already names checklist '{names[key]}'", raw, label, "aliases")
            names.setdefault(key, cid)
        raw_items = raw.get("items")
        items: list[ChecklistItem] = []
        if not isinstance(raw_items, list) or not raw_items:
            reader.problem("must list at least one item", raw, label, "items")
        else:
            for j, raw_item in enumerate(raw_items):
                item = _load_item(reader, raw_item, label, f"items[{j}]", sources)
                if item:
                    items.append(item)
        closing = _load_item(reader, raw.get("closing"), label, "closing", sources)
        checklist = Checklist(
            id=cid,
            title=reader.text(raw, "title", label, max_len=TITLE_MAX),
            aliases=tuple(aliases),
            intro=reader.text(raw, "intro", label, required=False),
            items=tuple(items),
            closing=closing or ChecklistItem("", ()),
            file=reader.name,
        )
        if cid and cid not in checklists:
            checklists[cid] = checklist
    return checklists


def _word_list(reader: _FileReader, key: str) -> list[str]:
    data = reader.document
    words = data.get(key, []) if isinstance(data, dict) else []
    if not isinstance(words, list):
        reader.problem("must be a list of words or phrases", data, None, key)
        return []
    for i, word in enumerate(words):
        if not isinstance(word, str):
            hint = " (YAML reads yes/no/on/off as true/false: put it in quotes)" if isinstance(word, bool) else ""
            reader.problem(f"item {i + 1} is {word!r}, not text{hint}", data, None, f"{key}[{i}]")
    return [_norm(w) for w in words if isinstance(w, str) and _norm(w)]


def _load_synonyms(root: Path, problems: list[Problem]) -> tuple[tuple[SynonymGroup, ...], dict[str, list[str]]]:
    """Synonym groups, and the word lists (stopwords, greetings, anchors) from synonyms.yaml (all optional)."""
    lists = ("stopwords", "greetings", "anchors")
    path = root / "synonyms.yaml"
    if not path.is_file():
        return (), {name: [] for name in lists}
    reader = _FileReader(path, root, problems)
    groups: list[SynonymGroup] = []
    owner: dict[str, str] = {}
    for i, raw in enumerate(reader.load("groups") or []):
        label = f"group #{i + 1}"
        if not isinstance(raw, dict):
            reader.problem("each group must be a mapping with 'canonical' and 'variants'", None, label)
            continue
        canonical = reader.text(raw, "canonical", label)
        label = f"group '{canonical}'" if canonical else label
        variants = reader.text_list(raw, "variants", label)
        for v in variants:
            key = _norm(v)
            if key in owner and owner[key] != canonical:
                reader.problem(f"'{v}' is already a variant of '{owner[key]}'", raw, label, "variants")
            owner[key] = canonical
        if canonical:
            groups.append(SynonymGroup(_norm(canonical), tuple(_norm(v) for v in variants if _norm(v))))
    return tuple(groups), {name: _word_list(reader, name) for name in lists}


def _load_duties(
    root: Path, sources: dict[str, Source], checklists: set[str], problems: list[Problem]
) -> DutyCatalogue | None:
    """The duty catalogue (duties.yaml), if the folder has one: without it there is no matrix."""
    path = root / "duties.yaml"
    if not path.is_file():
        return None
    reader = _FileReader(path, root, problems)
    if reader.load("duties") is None:
        return None
    return load_catalogue(reader, sources, checklists)


def _load_messages(root: Path, problems: list[Problem]) -> Messages | None:
    path = root / "messages.yaml"
    reader = _FileReader(path, root, problems)
    if not path.is_file():
        reader.problem("the bot's wording (help, fallback, Home tab) is missing")
        return None
    try:
        document = read_yaml(path)
    except YamlProblem as exc:
        problems.append(Problem(reader.name, exc.message, exc.line))
        return None
    except (OSError, UnicodeDecodeError) as exc:
        reader.problem(f"cannot read the file: {exc.__class__.__name__}")
        return None
    if not isinstance(document, dict):
        reader.problem("expected a mapping of message names to texts", document)
        return None
    return load_messages(document, reader.problem)


def _check_topic_names(root: Path, entries: dict[str, Entry], messages: Messages, problems: list[Problem]) -> None:
    """Every entry topic has the name a follow-up gives it ("On TORO: ..."), so none reads as an id."""
    topics = {e.topic for e in entries.values() if e.topic and ID_PATTERN.match(e.topic)}  # others: named already
    unnamed = sorted(topics - set(messages.topic_names))
    if unnamed:
        reader = _FileReader(root / "messages.yaml", root, problems)
        reader.problem(f"no name for the entry topic(s) {', '.join(unnamed)}", None, "messages", "topic_names")


def revision(root: Path) -> str:
    """A short hash of every knowledge file's name and bytes: the same files give the same revision on
    any machine, so a journalled answer can be traced to the knowledge that produced it."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.yaml")):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def load_knowledge(root: Path) -> KnowledgeBase:
    """Read every knowledge file under `root`; raise KnowledgeError listing all problems found."""
    root = Path(root)
    problems: list[Problem] = []
    if not root.is_dir():
        raise KnowledgeError([Problem(str(root), "the knowledge folder does not exist (set KNOWLEDGE_DIR)")])
    sources = _load_sources(root, problems)
    entries = _load_entries(root, sources, problems)
    checklists = _load_checklists(root, sources, problems)
    synonyms, words = _load_synonyms(root, problems)
    messages = _load_messages(root, problems)
    if messages is not None and messages.topic_names:
        _check_topic_names(root, entries, messages, problems)
    duties = _load_duties(root, sources, set(checklists), problems)
    if problems:
        raise KnowledgeError(problems)
    return KnowledgeBase(
        root,
        sources,
        entries,
        checklists,
        synonyms,
        frozenset(words["stopwords"]),
        tuple(words["greetings"]),
        tuple(words["anchors"]),
        messages,
        revision(root),
        duties,
    )
