"""manage.py federation_keys [--rotate [--grace-days N]] [--revoke KEY_ID]: this instance's signing keys.

After a rotation the instance registers again with its directories, which then
hold the new key (federation/PROTOCOL.md §5).
"""

from config.federation_node import KeysCommand
from federation.documents import InvalidDocument
from federation.fetch import FetchRefused

from ...directory_registration import RegistrationFailed, register_with
from ...models import DirectoryRegistration


class Command(KeysCommand):
    def after_rotation(self) -> None:
        for registration in DirectoryRegistration.objects.all():
            try:
                register_with(registration.base_url)
            except (RegistrationFailed, FetchRefused, InvalidDocument) as error:
                self.stderr.write(f"{registration.base_url} does not know the new key yet: {error}")
            else:
                self.stdout.write(f"{registration.base_url} knows the new key.")
