"""manage.py federation_keys [--rotate [--grace-days N]] [--revoke KEY_ID]: this server's signing keys."""

from config.federation_node import KeysCommand


class Command(KeysCommand):
    pass
