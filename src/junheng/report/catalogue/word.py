"""Words of the word report."""

TEXT: dict[str, tuple[str, str]] = {
}
