"""The OpenRDV federation protocol, shared by clinic instances and directories.

It imports neither role: each role imports it (tests/test_layout.py checks this).
"""

PROTOCOL_VERSION = "1"
