"""Charge customers through a payment gateway and log what happened."""

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

Gateway = Callable[[str, int], str]


def charge(gateway: Gateway, customer_id: str, amount_cents: int) -> str:
    log.info(f"charging customer {customer_id} {amount_cents} cents")
    receipt = gateway(customer_id, amount_cents)
    log.info(f"charged customer {customer_id}: receipt {receipt}")
    return receipt


def refund(gateway: Gateway, customer_id: str, amount_cents: int) -> str:
    log.warning(f"refunding customer {customer_id} {amount_cents} cents")
    return gateway(customer_id, -amount_cents)
