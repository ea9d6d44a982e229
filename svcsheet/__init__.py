"""svcsheet: after-sales service workbooks in, validated, de-identified reports out."""

__version__ = "0.1.0"
