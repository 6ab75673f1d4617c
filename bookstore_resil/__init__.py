"""bookstore-resil: a Jupyter game-day workbook for resilience engineering."""


def __getattr__(name: str) -> str:
    # Looked up on demand: importlib.metadata costs more than the rest of the import.
    if name == "__version__":
        from importlib.metadata import version

        return version("bookstore-resil")
    raise AttributeError(name)
