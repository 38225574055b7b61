"""A client system: who it is, how it proves it, and what it may do where."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import ClassVar

from kite_common.auth.principal import Role
from kite_common.domain import Aggregate, Conflict, Forbidden, NotFound, RuleViolation
from kite_common.events import EventPayload

from kite_identity.domain.events import AuthMethod, ClientRegistered, ClientRevoked

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
_SCOPE = re.compile(r"^[a-z][a-z0-9-]*:(read|write|events)$")
_JURISDICTION = re.compile(r"^[0-9]{0,12}$")
# Roles a system may hold; people's own roles (member, pii-reader) and admin are not given to systems.
CLIENT_ROLES = frozenset(r.value for r in Role) - {Role.ADMIN, Role.MEMBER, Role.PII_READER}


class ClientNotFound(NotFound):
    code = "client-not-found"

    def __init__(self) -> None:
        super().__init__("未找到该客户端")


@dataclass(frozen=True)
class ClientSpec:
    name: str
    auth_method: AuthMethod
    scopes: list[str]
    roles: list[str]
    jurisdiction: str
    jwks_url: str | None = None
    public_keys: tuple[dict[str, str], ...] = ()


@dataclass
class Client(Aggregate):
    stream_prefix: ClassVar[str] = "client"
    label: ClassVar[str] = "该客户端"
    jurisdiction_attribute: ClassVar[str | None] = "jurisdiction"

    client_id: uuid.UUID
    registered: bool = False
    revoked: bool = False
    jurisdiction: str | None = None

    @property
    def id(self) -> uuid.UUID:
        return self.client_id

    def apply(self, event: EventPayload) -> None:
        if isinstance(event, ClientRegistered):
            self.registered = True
            self.jurisdiction = event.jurisdiction
        elif isinstance(event, ClientRevoked):
            self.revoked = True

    def register(self, spec: ClientSpec, by: str, caller_jurisdiction: str) -> None:
        if self.registered:
            raise Conflict("该客户端已登记", code="client-exists")
        if not _NAME.match(spec.name):
            raise RuleViolation("名称应为 2–63 位小写字母、数字或连字符", code="invalid-client-name", field="name")
        bad = [s for s in spec.scopes if not _SCOPE.match(s)]
        if bad or not spec.scopes:
            raise RuleViolation("权限范围应为“服务:read|write|events”，至少一项", code="invalid-scope", field="scopes")
        if set(spec.roles) - CLIENT_ROLES or not spec.roles:
            raise RuleViolation(
                f"角色应为以下之一：{', '.join(sorted(CLIENT_ROLES))}", code="invalid-role", field="roles"
            )
        if not _JURISDICTION.match(spec.jurisdiction):
            raise RuleViolation("辖区应为区划代码前缀", code="invalid-jurisdiction", field="jurisdiction")
        if not spec.jurisdiction.startswith(caller_jurisdiction):
            raise Forbidden("不能登记本辖区以外的客户端", code="outside-jurisdiction")
        if spec.auth_method == "private_key_jwt" and not (spec.jwks_url or spec.public_keys):
            raise RuleViolation("私钥断言方式需提供 jwks_url 或 public_keys", code="missing-keys", field="jwks_url")
        self._record(
            ClientRegistered(
                client_id=self.client_id,
                name=spec.name,
                auth_method=spec.auth_method,
                jwks_url=spec.jwks_url,
                public_keys=list(spec.public_keys),
                scopes=sorted(set(spec.scopes)),
                roles=sorted(set(spec.roles)),
                jurisdiction=spec.jurisdiction,
                registered_by=by,
            )
        )

    def revoke(self, reason: str, by: str) -> None:
        if not self.registered:
            raise ClientNotFound()
        if self.revoked:
            return
        self._record(ClientRevoked(client_id=self.client_id, reason=reason, revoked_by=by))
