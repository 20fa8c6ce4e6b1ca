"""The curated knowledge base and trainings catalogue, and the code that loads and searches them."""
