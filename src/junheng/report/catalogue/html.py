"""Words of the html report."""

TEXT: dict[str, tuple[str, str]] = {
}
