"""The agileds command line (placeholder until the CLI lands)."""


def main() -> None:
    """Entry point of the ``agileds`` console script."""
