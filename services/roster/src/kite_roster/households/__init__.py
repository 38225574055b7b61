"""Households: 建档立卡, relocation, monitoring, members, income reports, and the income ledger."""
