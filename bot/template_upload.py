"""Check an uploaded template file (YAML or XLSForm) and list every problem."""

from __future__ import annotations

from bot.template_service import UploadResult


def validate_upload(data: bytes, filename: str) -> UploadResult:
    raise NotImplementedError
