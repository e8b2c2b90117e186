"""Catalog tables: products, price book entries, discount schedules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, MetadataMixin, TimestampMixin
from app.db.types import UnitPrice


class ProductRow(IdMixin, TimestampMixin, MetadataMixin, Base):
    __tablename__ = "products"

    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    family: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    tier_rank: Mapped[int | None] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(32))
    #: {"fr": {"name": "…", "unit": "…"}}: what a document in that locale prints instead of name and unit.
    translations: Mapped[dict[str, dict[str, str]]] = mapped_column(JSON, default=dict)
    included_quantity: Mapped[int | None] = mapped_column(Integer)
    requires: Mapped[list[str]] = mapped_column(JSON, default=list)
    excludes: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class PriceBookEntry(IdMixin, TimestampMixin, Base):
    __tablename__ = "price_book_entries"
    __table_args__ = (Index("ix_price_book_entries_lookup", "sku", "currency", "effective_from"),)

    sku: Mapped[str] = mapped_column(ForeignKey("products.sku"))
    currency: Mapped[str] = mapped_column(String(3))
    pricing_model: Mapped[str] = mapped_column(String(16))
    unit_price: Mapped[Decimal | None] = mapped_column(UnitPrice())
    #: [{"up_to": int | null, "unit_price": "decimal string"}]
    tiers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)


class DiscountScheduleRow(IdMixin, TimestampMixin, Base):
    __tablename__ = "discount_schedules"
    __table_args__ = (UniqueConstraint("sku", "type", name="uq_discount_schedules_sku_type"),)

    sku: Mapped[str] = mapped_column(ForeignKey("products.sku"))
    type: Mapped[str] = mapped_column(String(16))
    #: [{"from": int, "discount_percent": "decimal string"}]
    bands: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
