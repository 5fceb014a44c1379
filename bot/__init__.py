"""cro-bot: answers questions about CROs, AROs and GCP delegation from curated, cited knowledge."""
