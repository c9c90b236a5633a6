"""Words of the school_page report."""

TEXT: dict[str, tuple[str, str]] = {
}
