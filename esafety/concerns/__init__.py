"""The designated safeguarding lead's concerns inbox: every signal that someone may be at
risk (message checks, filtering, search terms, reports) in one need-to-know queue."""
