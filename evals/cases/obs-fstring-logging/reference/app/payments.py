"""Charge customers through a payment gateway and log what happened."""

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

Gateway = Callable[[str, int], str]


def charge(gateway: Gateway, customer_id: str, amount_cents: int) -> str:
    log.info("charging customer %s %s cents", customer_id, amount_cents)
    receipt = gateway(customer_id, amount_cents)
    log.info("charged customer %s: receipt %s", customer_id, receipt)
    return receipt


def refund(gateway: Gateway, customer_id: str, amount_cents: int) -> str:
    log.warning("refunding customer %s %s cents", customer_id, amount_cents)
    return gateway(customer_id, -amount_cents)
