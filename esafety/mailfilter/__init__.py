"""The mail filter: messages held, returned or refused in the school's mail flow."""
