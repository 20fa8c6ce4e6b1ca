"""The knowledge base curated in the office: saved versions, reload, gaps, the digest."""
