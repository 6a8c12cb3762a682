"""URL converters: malformed manage tokens never reach the database."""


class ManageTokenConverter:
    regex = "[A-Za-z0-9_-]{32,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
