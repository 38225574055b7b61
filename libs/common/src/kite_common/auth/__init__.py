from kite_common.auth.dependencies import current_principal, require_roles
from kite_common.auth.principal import Principal, Role
from kite_common.auth.tokens import TokenVerifier, issue_dev_token

__all__ = ["Principal", "Role", "TokenVerifier", "current_principal", "issue_dev_token", "require_roles"]
