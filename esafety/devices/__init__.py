"""School devices, loans, software approvals and BYOD agreements."""
