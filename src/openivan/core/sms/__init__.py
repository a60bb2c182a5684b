"""SMS: the channel interface, SMPP 3.4 to an SMSC, the `SMS_URL` setting."""

from openivan.core.sms.channel import (
    RETRYABLE,
    DeliveryReceipt,
    SentSms,
    SmsChannel,
    is_retryable,
)
from openivan.core.sms.config import SmppSettings, parse_sms_url
from openivan.core.sms.smpp import SmppChannel, encode_text, parse_receipt

__all__ = [
    "RETRYABLE", "DeliveryReceipt", "SentSms", "SmppChannel", "SmppSettings", "SmsChannel",
    "encode_text", "is_retryable", "parse_receipt", "parse_sms_url",
]
