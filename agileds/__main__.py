"""``python -m agileds``: the same as the ``agileds`` command."""

from agileds.cli import main

main()
