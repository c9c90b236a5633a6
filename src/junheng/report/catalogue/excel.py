"""Words of the excel report."""

TEXT: dict[str, tuple[str, str]] = {
}
