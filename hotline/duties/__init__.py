"""The contract's duties other than faults: inspections, upgrades, documents, meetings,
the monthly service report and notices — each a ticket whose clocks the policy sets."""
