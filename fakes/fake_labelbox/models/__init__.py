"""The fake's backend (moto's ``models.py``): entities, ids and clock, one :class:`State` per organization,
organizations and keys, the simulated workforce, label imports and the export row format."""
