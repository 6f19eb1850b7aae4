"""The interactive viewer (``gotrace view``): Textual screens over the same model and analyses as the CLI.

Nothing here is imported by the core; ``gotrace.commands.view`` loads it on demand,
so scripts and servers use gotrace without Textual.
"""
