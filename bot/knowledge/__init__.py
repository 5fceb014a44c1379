"""The knowledge base: curated answers, checklists, sources and synonyms, loaded from YAML.

`bot.knowledge.loader` (which imports PyYAML) is only imported by code that reads the YAML; the
records and errors are importable on their own, so a cached start never pays for the parser.
"""
