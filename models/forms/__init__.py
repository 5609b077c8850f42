"""Municipal form models, their recognition and their validation in German."""

from models.forms.base import FieldError, MunicipalForm
from models.forms.registry import FORM_TYPES, FormValidation, detect_form_type, validate_form

__all__ = [
    "FORM_TYPES",
    "FieldError",
    "FormValidation",
    "MunicipalForm",
    "detect_form_type",
    "validate_form",
]
