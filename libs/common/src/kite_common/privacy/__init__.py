from kite_common.privacy.masking import mask_id_number, mask_phone
from kite_common.privacy.protector import FieldProtector

__all__ = ["FieldProtector", "mask_id_number", "mask_phone"]
