"""The engine's view of the school's people: who is who, by address. Built without Django.

The checks app builds one from the database (esafety/checks/directory_view.py); without a
database the checker uses an empty one, so only the rules that need no directory can fire.
"""

from dataclasses import dataclass, field

from esafety.directory import roles

STAFF_LIKE = roles.ADULT_ROLES  # staff, guests and governors


def name_key(name: str) -> str:
    """How display names are compared: case, punctuation and titles ignored."""
    words = "".join(c if c.isalnum() else " " for c in (name or "").lower()).split()
    return " ".join(w for w in words if w not in {"mr", "mrs", "ms", "miss", "dr", "mx"})


def within(domain: str, parent: str) -> bool:
    """`domain` is `parent` or a subdomain of it ("mail.example.org" within "example.org")."""
    return domain == parent or domain.endswith("." + parent)


@dataclass(frozen=True)
class Member:
    address: str
    name: str
    role: str


@dataclass
class Directory:
    """People, domains and approvals of one school, keyed by lower-case address."""

    domains: frozenset[str] = frozenset()
    members: dict[str, Member] = field(default_factory=dict)
    # Addresses and domains each pupil may write to (004 §3.2.3), keyed by pupil address.
    approved: dict[str, frozenset[str]] = field(default_factory=dict)
    # Outside addresses and domains the school corresponds with (for inbound attachments).
    correspondents: frozenset[str] = frozenset()
    _names: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self.members = {a.lower(): m for a, m in self.members.items()}
        self.domains = frozenset(d.lower() for d in self.domains)
        names: dict[str, list[str]] = {}
        for address, member in self.members.items():
            key = name_key(member.name)
            if key:
                names.setdefault(key, []).append(address)
        self._names = names

    @property
    def is_empty(self) -> bool:
        return not self.members and not self.domains

    def member(self, address: str) -> Member | None:
        return self.members.get(address.lower())

    def in_domains(self, address: str) -> bool:
        """In one of the school's mail domains (or a subdomain of one)."""
        domain = (address or "").rpartition("@")[2].lower()
        return any(within(domain, d) for d in self.domains)

    def is_internal(self, address: str) -> bool:
        return address.lower() in self.members or self.in_domains(address)

    def is_school_address(self, address: str) -> bool:
        """An address of the school itself: its domains, or someone with a school account
        (staff, pupils, guests, governors). Not a parent's own address, which a pupil may
        write to only once approved (their own parents are, see build_directory)."""
        address = address.lower()
        member = self.members.get(address)
        if member is not None and member.role != roles.PARENT:
            return True
        return self.in_domains(address)

    def people_named(self, name: str) -> list[str]:
        return self._names.get(name_key(name), [])

    def knows_correspondent(self, address: str) -> bool:
        address = address.lower()
        domain = address.rpartition("@")[2]
        return (address in self.correspondents or domain in self.correspondents
                or self.is_internal(address))

    def approved_for(self, pupil_address: str) -> frozenset[str]:
        return self.approved.get(pupil_address.lower(), frozenset())


EMPTY = Directory()
